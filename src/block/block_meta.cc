#include "tempo/block/block_meta.h"

#include <sys/random.h>

#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>

#include "tempo/block/bloom.h"
#include "tempo/block/encoding.h"
#include "tempo/util/hex.h"

namespace tempo::block {
namespace {

constexpr uint64_t kNanosPerSecond = 1000000000ULL;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

// Reads exactly `n` digits at *pos.
bool digits(std::string_view s, size_t* pos, int n, int* out) {
  if (s.size() - *pos < static_cast<size_t>(n)) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool expect(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Standard base64 with padding, as Go's encoding/json writes []byte (Tempo's minID/maxID).
std::string base64(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    if (i + 2 < in.size()) v |= static_cast<uint8_t>(in[i + 2]);
    out.push_back(kBase64[(v >> 18) & 63]);
    out.push_back(kBase64[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kBase64[(v >> 6) & 63] : '=');
    out.push_back(i + 2 < in.size() ? kBase64[v & 63] : '=');
  }
  return out;
}

bool unbase64(std::string_view in, std::string* out) {
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const char* p = std::strchr(kBase64, c);
    if (c == '\0' || p == nullptr) return false;
    acc = (acc << 6) | static_cast<uint32_t>(p - kBase64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

Status trace_id_field(const nlohmann::json& j, const char* name, TraceId* out) {
  auto it = j.find(name);
  if (it == j.end()) return Status::ok();  // optional: blocks may omit it
  std::string raw;
  if (!it->is_string() || !unbase64(it->get<std::string>(), &raw) || raw.size() != 16) {
    return Status::corruption(std::string("meta.json ") + name + " is not a base64 trace ID");
  }
  std::memcpy(out->bytes.data(), raw.data(), 16);
  return Status::ok();
}

bool valid_name(const std::string& s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string::npos;
}

}  // namespace

std::string format_rfc3339_nano(uint64_t unix_nano) {
  const int64_t secs = static_cast<int64_t>(unix_nano / kNanosPerSecond);
  uint64_t frac = unix_nano % kNanosPerSecond;
  int64_t y;
  unsigned mo, d;
  civil_from_days(secs / 86400, &y, &mo, &d);
  const int64_t sod = secs % 86400;
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d",
                        static_cast<long long>(y), mo, d, static_cast<int>(sod / 3600),
                        static_cast<int>(sod / 60 % 60), static_cast<int>(sod % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (frac != 0) {
    char f[16];
    std::snprintf(f, sizeof f, ".%09llu", static_cast<unsigned long long>(frac));
    std::string_view fs(f);
    while (fs.back() == '0') fs.remove_suffix(1);
    out.append(fs);
  }
  out.push_back('Z');
  return out;
}

bool parse_rfc3339(std::string_view s, uint64_t* unix_nano) {
  size_t pos = 0;
  int y, mo, d, h, mi, sec;
  if (!digits(s, &pos, 4, &y) || !expect(s, &pos, '-') || !digits(s, &pos, 2, &mo) ||
      !expect(s, &pos, '-') || !digits(s, &pos, 2, &d) ||
      !(expect(s, &pos, 'T') || expect(s, &pos, 't')) || !digits(s, &pos, 2, &h) ||
      !expect(s, &pos, ':') || !digits(s, &pos, 2, &mi) || !expect(s, &pos, ':') ||
      !digits(s, &pos, 2, &sec)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 9) nanos = nanos * 10 + (s[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0) return false;
    for (int i = n; i < 9; ++i) nanos *= 10;
  }
  int64_t offset_secs = 0;
  if (expect(s, &pos, 'Z') || expect(s, &pos, 'z')) {
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos++] == '+' ? 1 : -1;
    int oh, om;
    if (!digits(s, &pos, 2, &oh) || !expect(s, &pos, ':') || !digits(s, &pos, 2, &om)) {
      return false;
    }
    offset_secs = sign * (oh * 3600 + om * 60);
  } else {
    return false;
  }
  if (pos != s.size()) return false;
  const int64_t secs = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) *
                           86400 +
                       h * 3600 + mi * 60 + sec - offset_secs;
  *unix_nano = secs < 0 ? 0 : static_cast<uint64_t>(secs) * kNanosPerSecond + nanos;
  return true;
}

std::string BlockMeta::to_json() const {
  nlohmann::json j = {
      {"format", format},
      {"formatVersion", format_version},
      {"blockID", block_id},
      {"tenantID", tenant_id},
      {"startTime", format_rfc3339_nano(start_unix_nano)},
      {"endTime", format_rfc3339_nano(end_unix_nano)},
      {"minID", base64(min_id.view())},
      {"maxID", base64(max_id.view())},
      {"totalObjects", total_objects},
      {"size", size},
      {"compactionLevel", compaction_level},
      {"encoding", "zstd"},
      {"indexPageSize", index_page_size},
      {"totalRecords", total_records},
      {"dataEncoding", "zstd"},
      {"bloomShards", bloom_shards},
      {"replicationFactor", 1},
      {"columns", columns},
  };
  return j.dump();
}

// The format checks, apart so from_json can make them before reading anything else.
static Status check_format(const BlockMeta& m) {
  const Encoding* enc = encoding_for(m.format);
  if (enc == nullptr) {
    std::string known;
    for (auto f : known_formats()) known.append(known.empty() ? "\"" : ", \"").append(f) += '"';
    return Status::corruption("block " + m.block_id + " has format \"" + m.format +
                              "\"; this build reads " + known);
  }
  if (m.format_version < 1) {
    return Status::corruption("block " + m.block_id + " has an invalid formatVersion " +
                              std::to_string(m.format_version));
  }
  if (m.format_version > enc->newest_version()) {
    return Status::corruption("block " + m.block_id + " has " + m.format + " formatVersion " +
                              std::to_string(m.format_version) +
                              ", newer than this build reads (up to " +
                              std::to_string(enc->newest_version()) + ")");
  }
  return Status::ok();
}

Status BlockMeta::validate() const {
  TEMPO_RETURN_IF_ERROR(check_format(*this));
  if (!valid_name(block_id) || !valid_name(tenant_id)) {
    return Status::corruption("block meta has an invalid blockID or tenantID");
  }
  if (bloom_shards < 1 || bloom_shards > kMaxBloomShards) {
    return Status::corruption("block " + block_id + " has an invalid bloomShards " +
                              std::to_string(bloom_shards));
  }
  return Status::ok();
}

Status BlockMeta::from_json(std::string_view json, BlockMeta* out) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::corruption("meta.json is not a JSON object");
  BlockMeta m;
  try {
    // A missing formatVersion is a malformed meta, not version 0 of something.
    if (!j.contains("formatVersion") || !j["formatVersion"].is_number_integer()) {
      return Status::corruption("meta.json has no integer formatVersion");
    }
    m.format = j.value("format", "");
    m.format_version = j["formatVersion"].get<int>();
    m.block_id = j.value("blockID", "");
    m.tenant_id = j.value("tenantID", "");
    // Checked before the rest so a newer format is reported as such even if other fields
    // changed shape with it.
    TEMPO_RETURN_IF_ERROR(check_format(m));
    if (!parse_rfc3339(j.value("startTime", ""), &m.start_unix_nano) ||
        !parse_rfc3339(j.value("endTime", ""), &m.end_unix_nano)) {
      return Status::corruption("meta.json of block " + m.block_id +
                                " has an invalid startTime or endTime");
    }
    TEMPO_RETURN_IF_ERROR(trace_id_field(j, "minID", &m.min_id));
    TEMPO_RETURN_IF_ERROR(trace_id_field(j, "maxID", &m.max_id));
    m.total_objects = j.value("totalObjects", uint64_t{0});
    m.size = j.value("size", uint64_t{0});
    m.compaction_level = j.value("compactionLevel", 0u);
    m.total_records = j.value("totalRecords", 0u);
    m.index_page_size = j.value("indexPageSize", 0u);
    m.bloom_shards = j.value("bloomShards", 0u);
    if (auto it = j.find("columns"); it != j.end() && !it->is_null()) {
      if (!it->is_array()) return Status::corruption("meta.json columns is not an array");
      for (const auto& c : *it) {
        if (!c.is_string()) return Status::corruption("meta.json columns holds a non-string");
        m.columns.push_back(c.get<std::string>());
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::corruption(std::string("meta.json: ") + e.what());
  }
  TEMPO_RETURN_IF_ERROR(m.validate());
  *out = std::move(m);
  return Status::ok();
}

std::string CompactedBlockMeta::to_json() const {
  nlohmann::json j = nlohmann::json::parse(meta.to_json());
  j["compactedTime"] = format_rfc3339_nano(compacted_unix_nano);
  return j.dump();
}

Status CompactedBlockMeta::from_json(std::string_view json, CompactedBlockMeta* out) {
  CompactedBlockMeta m;
  TEMPO_RETURN_IF_ERROR(BlockMeta::from_json(json, &m.meta));
  // Parsed twice (once above): compacted metas are read only by retention, rarely.
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  auto it = j.find("compactedTime");
  if (it == j.end() || !it->is_string() ||
      !parse_rfc3339(it->get<std::string>(), &m.compacted_unix_nano)) {
    return Status::corruption("meta.compacted.json of block " + m.meta.block_id +
                              " has no valid compactedTime");
  }
  *out = std::move(m);
  return Status::ok();
}

std::string new_block_id() {
  uint8_t b[16];
  size_t got = 0;
  while (got < sizeof b) {
    ssize_t n = ::getrandom(b + got, sizeof b - got, 0);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  if (got < sizeof b) {  // no getrandom (old kernel, seccomp): random_device reads the same pool
    std::random_device rd;
    for (auto& x : b) x = static_cast<uint8_t>(rd());
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    hex::append(std::string_view(reinterpret_cast<const char*>(b + i), 1), &out);
  }
  return out;
}

}  // namespace tempo::block
