#include "tempo/block/block_meta.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

using namespace tempo;

namespace {

block::BlockMeta sample_meta() {
  block::BlockMeta m;
  m.format = "vcpp1";
  m.block_id = "7f1c2d9e-3b4a-4c5d-9e6f-0a1b2c3d4e5f";
  m.tenant_id = "single-tenant";
  m.start_unix_nano = 1700000000123456789ULL;
  m.end_unix_nano = 1700000001987654321ULL;
  for (int i = 0; i < 16; ++i) {
    m.min_id.bytes[i] = static_cast<uint8_t>(i);
    m.max_id.bytes[i] = static_cast<uint8_t>(0xf0 + i);
  }
  m.total_objects = 12;
  m.size = 3456;
  m.compaction_level = 2;
  m.total_records = 3;
  m.bloom_shards = 2;
  m.index_page_size = 262144;
  m.columns = {"col-service.name", "col-span.name"};
  return m;
}

// Replaces the value of `field` in a meta's JSON.
std::string with_field(const std::string& json, const std::string& field, nlohmann::json v) {
  auto j = nlohmann::json::parse(json);
  j[field] = std::move(v);
  return j.dump();
}

}  // namespace

TEST_CASE("meta.json: written with Tempo's field names and read back") {
  const block::BlockMeta m = sample_meta();
  const std::string json = m.to_json();
  auto j = nlohmann::json::parse(json);
  CHECK(j["format"] == "vcpp1");
  CHECK(j["formatVersion"] == 1);
  CHECK(j["blockID"] == m.block_id);
  CHECK(j["tenantID"] == "single-tenant");
  CHECK(j["startTime"] == "2023-11-14T22:13:20.123456789Z");
  CHECK(j["endTime"] == "2023-11-14T22:13:21.987654321Z");
  CHECK(j["minID"] == "AAECAwQFBgcICQoLDA0ODw==");
  CHECK(j["maxID"] == "8PHy8/T19vf4+fr7/P3+/w==");
  CHECK(j["totalObjects"] == 12);
  CHECK(j["size"] == 3456);
  CHECK(j["compactionLevel"] == 2);
  CHECK(j["totalRecords"] == 3);
  CHECK(j["indexPageSize"] == 262144);
  CHECK(j["bloomShards"] == 2);
  CHECK(j["dataEncoding"] == "zstd");
  CHECK(j["encoding"] == "zstd");
  CHECK(j["replicationFactor"] == 1);
  CHECK(j["columns"] == nlohmann::json::array({"col-service.name", "col-span.name"}));

  block::BlockMeta back;
  REQUIRE(block::BlockMeta::from_json(json, &back).is_ok());
  CHECK(back.block_id == m.block_id);
  CHECK(back.tenant_id == m.tenant_id);
  CHECK(back.format == "vcpp1");
  CHECK(back.format_version == 1);
  CHECK(back.start_unix_nano == m.start_unix_nano);
  CHECK(back.end_unix_nano == m.end_unix_nano);
  CHECK(back.min_id == m.min_id);
  CHECK(back.max_id == m.max_id);
  CHECK(back.total_objects == 12);
  CHECK(back.size == 3456);
  CHECK(back.compaction_level == 2);
  CHECK(back.total_records == 3);
  CHECK(back.bloom_shards == 2);
  CHECK(back.index_page_size == 262144);
  CHECK(back.columns == m.columns);
  CHECK(back.to_json() == json);
}

TEST_CASE("meta.json: unknown fields are ignored") {
  const std::string json = sample_meta().to_json();
  for (const auto& [field, value] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"someFutureField", {{"x", 1}}},
           {"dedicatedColumns", nlohmann::json::array({{{"s", "resource"}, {"n", "ns"}}})},
           {"footerSize", 1234},
           {"zzz", nullptr}}) {
    INFO(field);
    block::BlockMeta back;
    REQUIRE(block::BlockMeta::from_json(with_field(json, field, value), &back).is_ok());
    CHECK(back.total_objects == 12);
  }
  // Optional fields may be missing: minID/maxID, counters, columns.
  auto j = nlohmann::json::parse(json);
  for (const char* f : {"minID", "maxID", "columns", "size", "totalObjects"}) j.erase(f);
  block::BlockMeta back;
  REQUIRE(block::BlockMeta::from_json(j.dump(), &back).is_ok());
  CHECK(back.min_id.is_zero());
  CHECK(back.columns.empty());
}

TEST_CASE("meta.json: what this build cannot read is a clear error") {
  const std::string json = sample_meta().to_json();
  struct Case {
    std::string name, json, message;
  };
  auto without = [&](const char* f) {
    auto j = nlohmann::json::parse(json);
    j.erase(f);
    return j.dump();
  };
  const std::vector<Case> cases = {
      {"future version", with_field(json, "formatVersion", 2), "newer than this build"},
      {"far future version", with_field(json, "formatVersion", 99), "formatVersion 99"},
      {"version zero", with_field(json, "formatVersion", 0), "invalid formatVersion"},
      {"no version", without("formatVersion"), "formatVersion"},
      {"version as string", with_field(json, "formatVersion", "1"), "formatVersion"},
      {"tempo parquet block", with_field(json, "format", "vParquet4"), "vParquet4"},
      {"no block id", without("blockID"), "blockID"},
      {"block id with slash", with_field(json, "blockID", "a/b"), "blockID"},
      {"no bloom shards", without("bloomShards"), "bloomShards"},
      {"bad start time", with_field(json, "startTime", "yesterday"), "startTime"},
      {"counter of wrong type", with_field(json, "totalObjects", "many"), "meta.json"},
      {"bad minID", with_field(json, "minID", "not base64!"), "minID"},
      {"short minID", with_field(json, "minID", "AAEC"), "minID"},
      {"columns not a list", with_field(json, "columns", "x"), "columns"},
      {"not json", "not json", "JSON"},
      {"json array", "[1,2]", "JSON"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    block::BlockMeta back;
    Status s = block::BlockMeta::from_json(c.json, &back);
    CHECK(s.is(Status::Code::kCorruption));
    CHECK(s.message().find(c.message) != std::string::npos);
  }
}

TEST_CASE("meta.json: RFC 3339 timestamps as Go writes and reads them") {
  struct Case {
    uint64_t nanos;
    std::string text;
  };
  const std::vector<Case> cases = {
      {0, "1970-01-01T00:00:00Z"},
      {1500000000ULL, "1970-01-01T00:00:01.5Z"},
      {1700000000123456789ULL, "2023-11-14T22:13:20.123456789Z"},
      {1700000000000001000ULL, "2023-11-14T22:13:20.000001Z"},
      {951782400000000000ULL, "2000-02-29T00:00:00Z"},  // leap day
      {4102444799999999999ULL, "2099-12-31T23:59:59.999999999Z"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    CHECK(block::format_rfc3339_nano(c.nanos) == c.text);
    uint64_t back = 1;
    REQUIRE(block::parse_rfc3339(c.text, &back));
    CHECK(back == c.nanos);
  }
  struct Parse {
    std::string text;
    bool ok;
    uint64_t nanos;
  };
  const std::vector<Parse> parses = {
      {"2023-11-14T23:13:20.5+01:00", true, 1700000000500000000ULL},
      {"2023-11-14T21:13:20-01:00", true, 1700000000000000000ULL},
      {"2023-11-14t22:13:20z", true, 1700000000000000000ULL},
      {"2023-11-14T22:13:20.1234567891Z", true, 1700000000123456789ULL},  // extra digits dropped
      {"0001-01-01T00:00:00Z", true, 0},  // Go's zero time clamps to the epoch
      {"2023-11-14T22:13:20", false, 0},  // no zone
      {"2023-11-14 22:13:20Z", false, 0},
      {"2023-13-14T22:13:20Z", false, 0},
      {"2023-11-14T22:13:20.Z", false, 0},
      {"2023-11-14T22:13:20Zjunk", false, 0},
      {"", false, 0},
  };
  for (const auto& p : parses) {
    INFO(p.text);
    uint64_t got = 12345;
    REQUIRE(block::parse_rfc3339(p.text, &got) == p.ok);
    if (p.ok) CHECK(got == p.nanos);
  }
}

TEST_CASE("block ids are distinct UUIDv4 strings") {
  std::set<std::string> ids;
  for (int i = 0; i < 2000; ++i) {
    const std::string id = block::new_block_id();
    INFO(id);
    REQUIRE(id.size() == 36);
    for (size_t p = 0; p < id.size(); ++p) {
      if (p == 8 || p == 13 || p == 18 || p == 23) {
        REQUIRE(id[p] == '-');
      } else {
        REQUIRE(std::string_view("0123456789abcdef").find(id[p]) != std::string_view::npos);
      }
    }
    CHECK(id[14] == '4');
    CHECK(std::string_view("89ab").find(id[19]) != std::string_view::npos);
    ids.insert(id);
  }
  CHECK(ids.size() == 2000);
}
