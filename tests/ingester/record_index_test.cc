#include "ingester/record_index.h"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>

using tempo::TraceId;
using tempo::ingester::RecordIndex;

namespace {

TraceId id_from(uint64_t n) {
  TraceId id{};
  for (int i = 0; i < 8; ++i) id.bytes[15 - i] = static_cast<uint8_t>(n >> (8 * i));
  id.bytes[0] = 0x5a;
  return id;
}

}  // namespace

TEST_CASE("record index: every trace's records in append order, offsets past 4 GiB intact") {
  RecordIndex index;
  // 5000 traces, 20000 records in a shuffled interleaving, offsets spread over 64 bits.
  std::mt19937_64 rng(11);
  std::vector<uint64_t> order;
  for (uint64_t t = 0; t < 5000; ++t) {
    for (uint64_t k = 0; k <= t % 7; ++k) order.push_back(t);
  }
  std::shuffle(order.begin(), order.end(), rng);
  std::map<uint64_t, std::vector<uint64_t>> want;  // trace -> offsets in append order
  std::vector<TraceId> appended;
  for (uint64_t t : order) {
    const uint64_t offset = (rng() >> 20) | (t % 3 == 0 ? uint64_t{1} << 40 : 0);
    index.add(id_from(t), offset);
    want[t].push_back(offset);
    appended.push_back(id_from(t));
  }
  CHECK(index.records() == order.size());
  CHECK(index.traces() == want.size());
  for (size_t r = 0; r < appended.size(); ++r) {
    REQUIRE(index.id_of(static_cast<uint32_t>(r)) == appended[r]);
  }
  for (const auto& [t, offsets] : want) {
    std::vector<uint64_t> got = {99};  // replaced, not appended to
    REQUIRE(index.offsets_of(id_from(t), &got));
    REQUIRE(got == offsets);
  }
  std::vector<uint64_t> none;
  CHECK_FALSE(index.offsets_of(id_from(5000), &none));
  CHECK(none.empty());

  // Each trace once, named by its first record.
  std::set<uint64_t> seen;
  index.for_each_trace([&](uint32_t first) {
    const TraceId& id = index.id_of(first);
    uint64_t t = 0;
    for (int i = 0; i < 8; ++i) t |= uint64_t{id.bytes[15 - i]} << (8 * i);
    CHECK(seen.insert(t).second);
    std::vector<uint64_t> chain;
    index.chain_offsets(first, &chain);
    CHECK(chain == want.at(t));
  });
  CHECK(seen.size() == want.size());
}
