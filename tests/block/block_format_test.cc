// The byte-level pieces of the block format (src/block/block_format.h).

#include "block/block_format.h"

#include <catch2/catch.hpp>

using namespace tempo;
using block::format::IndexEntry;
using block::format::RecordIterator;

namespace {

TraceId id_of(uint8_t last) {
  TraceId id;
  id.bytes[15] = last;
  return id;
}

}  // namespace

TEST_CASE("block format: records round trip, torn records are corruption") {
  std::string page;
  const std::vector<std::string> payloads = {"", "x", std::string(127, 'a'),
                                             std::string(128, 'b'), std::string(70000, 'c')};
  for (size_t i = 0; i < payloads.size(); ++i) {
    block::format::append_record(id_of(static_cast<uint8_t>(i)), payloads[i], &page);
  }
  // 16-byte ID + varint length (1, 1, 1, 2, 3 bytes) + payload.
  CHECK(page.size() == 5 * 16 + 1 + 1 + 1 + 2 + 3 + (0 + 1 + 127 + 128 + 70000));
  RecordIterator it(page);
  for (size_t i = 0; i < payloads.size(); ++i) {
    REQUIRE(it.next());
    CHECK(it.id() == id_of(static_cast<uint8_t>(i)));
    CHECK(it.payload() == payloads[i]);
  }
  CHECK_FALSE(it.next());
  CHECK(it.status().is_ok());

  std::string one;
  block::format::append_record(id_of(1), "hello", &one);
  const std::vector<std::pair<std::string, std::string>> torn = {
      {"cut in the id", one.substr(0, 10)},
      {"no length", one.substr(0, 16)},
      {"cut in the payload", one.substr(0, one.size() - 1)},
      {"unterminated varint", std::string(16, '\0') + std::string(11, '\xff')},
  };
  for (const auto& [name, bytes] : torn) {
    INFO(name);
    RecordIterator t(bytes);
    CHECK_FALSE(t.next());
    CHECK(t.status().is(Status::Code::kCorruption));
  }
}

TEST_CASE("block format: index round trip and validation") {
  std::vector<IndexEntry> entries = {
      {id_of(1), id_of(5), 0, 100, 400, 3},
      {id_of(6), id_of(6), 100, 50, 3000000, 1},
      {id_of(9), id_of(200), 150, 70, 900, 40},
  };
  const std::string raw = block::format::encode_index(entries);
  CHECK(raw.size() == 12 + 3 * block::format::kIndexEntrySize + 4);
  std::vector<IndexEntry> back;
  REQUIRE(block::format::decode_index(raw, &back).is_ok());
  REQUIRE(back.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(back[i].first == entries[i].first);
    CHECK(back[i].last == entries[i].last);
    CHECK(back[i].offset == entries[i].offset);
    CHECK(back[i].length == entries[i].length);
    CHECK(back[i].raw_length == entries[i].raw_length);
    CHECK(back[i].count == entries[i].count);
  }

  for (size_t pos = 0; pos < raw.size(); pos += 7) {
    INFO("flipped byte " << pos);
    std::string bad = raw;
    bad[pos] ^= 1;
    CHECK(block::format::decode_index(bad, &back).is(Status::Code::kCorruption));
  }
  // Well-checksummed but inconsistent indexes are refused too.
  auto broken = [](std::vector<IndexEntry> e) { return block::format::encode_index(e); };
  auto gap = entries;
  gap[1].offset = 101;
  auto overlap = entries;
  overlap[1].first = id_of(5);
  auto reversed = entries;
  reversed[2].last = id_of(8);
  auto empty_page = entries;
  empty_page[0].count = 0;
  for (const auto& bad : {broken(gap), broken(overlap), broken(reversed), broken(empty_page)}) {
    CHECK(block::format::decode_index(bad, &back).is(Status::Code::kCorruption));
  }
  CHECK(block::format::decode_index("", &back).is(Status::Code::kCorruption));
  CHECK(block::format::bloom_object(12) == "bloom-12");
}
