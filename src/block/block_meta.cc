#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

#include <nlohmann/json.hpp>

#include "tempo/block/block.h"

namespace tempo::block {
namespace {

std::string rfc3339_nano(uint64_t unix_nano) {
  std::time_t secs = static_cast<std::time_t>(unix_nano / 1000000000ULL);
  uint64_t frac = unix_nano % 1000000000ULL;
  std::tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lluZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<unsigned long long>(frac));
  return buf;
}

bool parse_rfc3339(const std::string& s, uint64_t* out) {
  int y, mo, d, h, mi, sec;
  char rest[64] = {};
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d%63s", &y, &mo, &d, &h, &mi, &sec, rest) < 6) {
    return false;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  uint64_t nanos = 0;
  if (rest[0] == '.') {
    int digits = 0;
    for (const char* p = rest + 1; *p >= '0' && *p <= '9'; ++p) {
      if (digits < 9) {
        nanos = nanos * 10 + static_cast<uint64_t>(*p - '0');
        ++digits;
      }
    }
    while (digits++ < 9) nanos *= 10;
  }
  *out = static_cast<uint64_t>(timegm(&tm)) * 1000000000ULL + nanos;
  return true;
}

}  // namespace

std::string BlockMeta::to_json() const {
  nlohmann::json j = {
      {"format", format},
      {"formatVersion", format_version},
      {"blockID", block_id},
      {"tenantID", tenant_id},
      {"startTime", rfc3339_nano(start_unix_nano)},
      {"endTime", rfc3339_nano(end_unix_nano)},
      {"totalObjects", total_objects},
      {"size", size},
      {"compactionLevel", compaction_level},
      {"totalRecords", total_records},
      {"indexPageSize", index_page_size},
      {"bloomShards", bloom_shards},
      {"dataEncoding", "zstd"},
      {"replicationFactor", 1},
      {"columns", columns},
  };
  return j.dump();
}

Status BlockMeta::from_json(std::string_view json, BlockMeta* out) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::corruption("meta.json is not a JSON object");
  try {
    BlockMeta m;
    m.format = j.value("format", "");
    m.format_version = j.value("formatVersion", 0);
    if (m.format != kFormat) {
      return Status::corruption("unsupported block format \"" + m.format + "\"");
    }
    if (m.format_version < 1 || m.format_version > kFormatVersion) {
      return Status::corruption("block formatVersion " + std::to_string(m.format_version) +
                                " is newer than this build reads (" +
                                std::to_string(kFormatVersion) + ")");
    }
    m.block_id = j.value("blockID", "");
    m.tenant_id = j.value("tenantID", "");
    if (!parse_rfc3339(j.value("startTime", ""), &m.start_unix_nano) ||
        !parse_rfc3339(j.value("endTime", ""), &m.end_unix_nano)) {
      return Status::corruption("meta.json has an invalid startTime or endTime");
    }
    m.total_objects = j.value("totalObjects", uint64_t{0});
    m.size = j.value("size", uint64_t{0});
    m.compaction_level = j.value("compactionLevel", 0u);
    m.total_records = j.value("totalRecords", 0u);
    m.index_page_size = j.value("indexPageSize", 0u);
    m.bloom_shards = j.value("bloomShards", 0u);
    if (j.contains("columns") && j["columns"].is_array()) {
      for (const auto& c : j["columns"]) {
        if (c.is_string()) m.columns.push_back(c.get<std::string>());
      }
    }
    if (m.block_id.empty() || m.bloom_shards == 0) {
      return Status::corruption("meta.json lacks blockID or bloomShards");
    }
    *out = std::move(m);
  } catch (const nlohmann::json::exception& e) {
    return Status::corruption(std::string("meta.json: ") + e.what());
  }
  return Status::ok();
}

std::string new_block_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t a = rng(), b = rng();
  a = (a & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  b = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 10
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(a >> 32), static_cast<unsigned>((a >> 16) & 0xffff),
                static_cast<unsigned>(a & 0xffff), static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFULL));
  return buf;
}

}  // namespace tempo::block
