#include "frontend/search_params.h"

#include "tempo/traceql/parser.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <optional>

#include "tempo/util/duration.h"
#include "tempopb/tempo.pb.h"

namespace tempo::frontend {
namespace {

constexpr uint64_t kNanosPerSecond = 1'000'000'000;

// Go's url.Values.Get plus Tempo's extractQueryParam: the first value, and "" means absent.
std::optional<std::string_view> get(const QueryParams& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) {
      if (v.empty()) return std::nullopt;
      return std::string_view(v);
    }
  }
  return std::nullopt;
}

// strconv.ParseUint / ParseInt in base 10, with Go's error text, which Tempo passes through
// ("invalid limit: strconv.ParseUint: parsing \"x\": invalid syntax").
Status go_parse_uint(std::string_view s, int bits, uint64_t* out) {
  auto fail = [&](const char* why) {
    return Status::invalid_argument("strconv.ParseUint: parsing " + traceql_string(s) + ": " + why);
  };
  if (s.empty()) return fail("invalid syntax");
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ptr != s.data() + s.size() || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    return fail("invalid syntax");
  }
  const uint64_t max = bits >= 64 ? std::numeric_limits<uint64_t>::max() : (1ULL << bits) - 1;
  if (ec == std::errc::result_out_of_range || v > max) return fail("value out of range");
  *out = v;
  return Status::ok();
}

Status go_parse_int32(std::string_view s, int64_t* out) {
  auto fail = [&](const char* why) {
    return Status::invalid_argument("strconv.ParseInt: parsing " + traceql_string(s) + ": " + why);
  };
  std::string_view digits = s;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  uint64_t v = 0;
  Status st = go_parse_uint(digits, 64, &v);
  if (!st.is_ok()) {
    return fail(st.message().ends_with("value out of range") ? "value out of range"
                                                             : "invalid syntax");
  }
  const uint64_t limit = negative ? (1ULL << 31) : (1ULL << 31) - 1;
  if (v > limit) return fail("value out of range");
  *out = negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return Status::ok();
}

Status uint32_param(const QueryParams& params, std::string_view name, uint32_t* out,
                    bool* found = nullptr) {
  auto v = get(params, name);
  if (found) *found = v.has_value();
  if (!v) return Status::ok();
  uint64_t n = 0;
  Status st = go_parse_uint(*v, 32, &n);
  if (!st.is_ok())
    return Status::invalid_argument("invalid " + std::string(name) + ": " + st.message());
  *out = static_cast<uint32_t>(n);
  return Status::ok();
}

// Tempo's tag endpoints read start/end with ParseInt(32) and then store them unsigned; a negative
// second count is refused here instead of wrapping around.
Status seconds_param(const QueryParams& params, std::string_view name, uint32_t* out) {
  auto v = get(params, name);
  if (!v) return Status::ok();
  int64_t n = 0;
  Status st = go_parse_int32(*v, &n);
  if (!st.is_ok())
    return Status::invalid_argument("invalid " + std::string(name) + ": " + st.message());
  if (n < 0) {
    return Status::invalid_argument("invalid " + std::string(name) + ": " + std::string(*v) +
                                    " is before the unix epoch");
  }
  *out = static_cast<uint32_t>(n);
  return Status::ok();
}

// time.ParseDuration into whole milliseconds, as Tempo keeps them (uint32 of Milliseconds()).
Status duration_ms_param(const QueryParams& params, std::string_view name, uint32_t* out) {
  auto v = get(params, name);
  if (!v) return Status::ok();
  std::chrono::nanoseconds d{};
  if (!parse_duration(*v, &d).is_ok()) {
    const bool digits_only = std::all_of(v->begin(), v->end(),
                                         [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
    return Status::invalid_argument(
        "invalid " + std::string(name) + ": time: " +
        (digits_only ? "missing unit in duration " : "invalid duration ") + traceql_string(*v));
  }
  if (d.count() < 0) {
    return Status::invalid_argument("invalid " + std::string(name) + ": must not be negative");
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  *out = static_cast<uint32_t>(std::min<int64_t>(ms, std::numeric_limits<uint32_t>::max()));
  return Status::ok();
}

// Tempo's tempopb.SearchRequest before the query-frontend's defaults and limits apply.
struct RawSearch {
  std::map<std::string, std::string> tags;
  uint32_t min_duration_ms = 0, max_duration_ms = 0;
  uint32_t limit = 0;
  uint32_t start = 0, end = 0;
  std::string query;
  uint32_t spans_per_spanset = 0;
};

Status start_before_end(uint32_t start, uint32_t end) {
  if (start == 0 && end == 0) return Status::ok();
  if (end <= start) {
    return Status::invalid_argument("http parameter start must be before end. received start=" +
                                    std::to_string(start) + " end=" + std::to_string(end));
  }
  return Status::ok();
}

// What modules/frontend does after parsing: default and cap the limit, cap the time range and
// spss, then the legacy form becomes TraceQL.
Status finish_search(const RawSearch& raw, const SearchLimits& limits,
                     querier::SearchRequest* out) {
  TEMPO_RETURN_IF_ERROR(check_query_size(raw.query, limits));
  querier::SearchRequest req;
  req.limit = raw.limit;
  if (req.limit == 0) {
    req.limit = limits.default_result_limit;
  } else if (limits.max_result_limit != 0 && req.limit > limits.max_result_limit) {
    return Status::invalid_argument("limit " + std::to_string(req.limit) + " exceeds max limit " +
                                    std::to_string(limits.max_result_limit));
  }
  const auto range = std::chrono::seconds(raw.end - raw.start);
  if (limits.max_duration.count() != 0 && raw.end > raw.start && range > limits.max_duration) {
    return Status::invalid_argument(
        "range specified by start and end exceeds " + format_duration(limits.max_duration) +
        ". received start=" + std::to_string(raw.start) + " end=" + std::to_string(raw.end));
  }
  if (limits.max_spans_per_span_set != 0 && raw.spans_per_spanset > limits.max_spans_per_span_set) {
    return Status::invalid_argument("spans per span set exceeds " +
                                    std::to_string(limits.max_spans_per_span_set) + ". received " +
                                    std::to_string(raw.spans_per_spanset));
  }
  req.spans_per_spanset = raw.spans_per_spanset;
  req.start_ns = raw.start * kNanosPerSecond;
  req.end_ns = raw.end * kNanosPerSecond;
  req.query = !raw.query.empty()
                  ? raw.query
                  : legacy_traceql(raw.tags, raw.min_duration_ms, raw.max_duration_ms);
  *out = std::move(req);
  return Status::ok();
}

// Only when maxDuration was given (even as 0), as Tempo checks it right after parsing it.
Status check_durations(const RawSearch& raw) {
  if (raw.min_duration_ms != 0 && raw.min_duration_ms > raw.max_duration_ms) {
    return Status::invalid_argument("invalid maxDuration: must be greater than minDuration");
  }
  return Status::ok();
}

Status tag_name_check(std::string_view tag_name, bool v2) {
  if (tag_name.empty()) return Status::invalid_argument("please provide a non-empty tagName");
  traceql::Attribute attr;
  if (v2) {
    Status s = traceql::parse_identifier(tag_name, &attr);
    if (!s.is_ok()) return Status::invalid_argument("please provide a valid tagName: " + s.message());
  }
  return Status::ok();
}

Status check_scope(std::string_view scope, querier::TagScope* out) {
  using querier::TagScope;
  // traceql.AttributeScopeFromString plus "intrinsic". "trace" is a valid scope without
  // attributes of its own; the handler answers it with intrinsics only, as Tempo does.
  static constexpr std::pair<std::string_view, TagScope> kScopes[] = {
      {"", TagScope::kAll},
      {"none", TagScope::kAll},
      {"trace", TagScope::kAll},
      {"span", TagScope::kSpan},
      {"resource", TagScope::kResource},
      {"event", TagScope::kEvent},
      {"link", TagScope::kLink},
      {"instrumentation", TagScope::kInstrumentation},
      {"intrinsic", TagScope::kIntrinsic},
  };
  for (const auto& [name, value] : kScopes) {
    if (name == scope) {
      *out = value;
      return Status::ok();
    }
  }
  return Status::invalid_argument("invalid scope: " + std::string(scope));
}

// Unlike Tempo's tag endpoints (which do not check), a reversed range is refused: it can only
// be a client mistake and would otherwise answer nothing without saying why.
Status tag_range(uint32_t start, uint32_t end, uint64_t* start_ns, uint64_t* end_ns) {
  if (start != 0 && end != 0 && end < start) {
    return Status::invalid_argument("http parameter start must be before end. received start=" +
                                    std::to_string(start) + " end=" + std::to_string(end));
  }
  *start_ns = start * kNanosPerSecond;
  *end_ns = end * kNanosPerSecond;
  return Status::ok();
}

}  // namespace

std::string traceql_string(std::string_view s) {
  return traceql::to_string(traceql::Static::string(std::string(s)));
}

std::string unscoped_attribute(std::string_view name) {
  return traceql::to_string(traceql::Attribute::scoped(traceql::AttributeScope::kNone, std::string(name)));
}

// go-logfmt's decoder, which Tempo runs over the tags parameter: key=value pairs separated by
// spaces, values bare or double-quoted with JSON escapes; a key alone has an empty value.
Status parse_logfmt_tags(std::string_view text, std::map<std::string, std::string>* out) {
  auto syntax = [](const std::string& msg, size_t pos) {
    return Status::invalid_argument("invalid tags: " + msg + " at pos " + std::to_string(pos));
  };
  auto unexpected = [&](char c, size_t pos) {
    std::string lit = c == '"' ? "'\"'" : std::string("'") + c + "'";
    return syntax("unexpected " + lit, pos);
  };
  auto add = [&](std::string key, std::string value) -> Status {
    if (out->count(key)) {
      return Status::invalid_argument("invalid tags: tag " + key + " has been set twice");
    }
    out->emplace(std::move(key), std::move(value));
    return Status::ok();
  };
  size_t line_start = 0;
  while (line_start <= text.size()) {
    size_t nl = text.find('\n', line_start);
    std::string_view line = text.substr(
        line_start, nl == std::string_view::npos ? std::string_view::npos : nl - line_start);
    size_t i = 0;
    while (true) {
      while (i < line.size() && static_cast<unsigned char>(line[i]) <= ' ') ++i;
      if (i >= line.size()) break;
      size_t key_start = i;
      while (i < line.size() && line[i] != '=' && line[i] != '"' &&
             static_cast<unsigned char>(line[i]) > ' ') {
        ++i;
      }
      if (i < line.size() && line[i] == '"') return unexpected('"', i + 1);
      std::string key(line.substr(key_start, i - key_start));
      if (i >= line.size() || line[i] != '=') {
        TEMPO_RETURN_IF_ERROR(add(std::move(key), ""));
        continue;
      }
      if (key.empty()) return unexpected('=', i + 1);
      ++i;  // '='
      std::string value;
      if (i < line.size() && line[i] == '"') {
        size_t j = i + 1;
        bool closed = false;
        while (j < line.size()) {
          char c = line[j];
          if (c == '"') {
            closed = true;
            break;
          }
          if (c != '\\') {
            value += c;
            ++j;
            continue;
          }
          if (j + 1 >= line.size()) break;
          char e = line[j + 1];
          j += 2;
          switch (e) {
            case '"':
            case '\\':
            case '/':
              value += e;
              break;
            case 'b':
              value += '\b';
              break;
            case 'f':
              value += '\f';
              break;
            case 'n':
              value += '\n';
              break;
            case 'r':
              value += '\r';
              break;
            case 't':
              value += '\t';
              break;
            case 'u': {
              unsigned cp = 0;
              if (j + 4 > line.size() ||
                  std::from_chars(line.data() + j, line.data() + j + 4, cp, 16).ptr !=
                      line.data() + j + 4) {
                return syntax("invalid quoted value", j + 1);
              }
              j += 4;
              if (cp < 0x80) {
                value += static_cast<char>(cp);
              } else if (cp < 0x800) {
                value += static_cast<char>(0xc0 | cp >> 6);
                value += static_cast<char>(0x80 | (cp & 0x3f));
              } else {
                value += static_cast<char>(0xe0 | cp >> 12);
                value += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
                value += static_cast<char>(0x80 | (cp & 0x3f));
              }
              break;
            }
            default:
              return syntax("invalid quoted value", j);
          }
        }
        if (!closed) return syntax("unterminated quoted value", line.size() + 1);
        i = j + 1;
      } else {
        size_t value_start = i;
        while (i < line.size() && static_cast<unsigned char>(line[i]) > ' ') {
          if (line[i] == '=' || line[i] == '"') return unexpected(line[i], i + 1);
          ++i;
        }
        value = std::string(line.substr(value_start, i - value_start));
      }
      TEMPO_RETURN_IF_ERROR(add(std::move(key), std::move(value)));
    }
    if (nl == std::string_view::npos) break;
    line_start = nl + 1;
  }
  return Status::ok();
}

// Tempo's legacy search matched tags against span and resource attributes alike (the unscoped
// TraceQL attribute), named a few columns directly (root.name, root.service.name, name,
// status.code, service.name) and filtered on the duration of the whole trace.
std::string legacy_traceql(const std::map<std::string, std::string>& tags, uint32_t min_duration_ms,
                           uint32_t max_duration_ms) {
  std::vector<std::string> conds;
  for (const auto& [k, v] : tags) {
    if (k == "root.service.name") {
      conds.push_back("rootServiceName = " + traceql_string(v));
    } else if (k == "root.name") {
      conds.push_back("rootName = " + traceql_string(v));
    } else if (k == "name") {
      conds.push_back("name = " + traceql_string(v));
    } else if (k == "service.name") {
      conds.push_back("resource.service.name = " + traceql_string(v));
    } else if (k == "status.code" && (v == "unset" || v == "ok" || v == "error")) {
      conds.push_back("status = " + v);
    } else if (k == "http.status_code" && !v.empty() && v.size() < 10 &&
               std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      conds.push_back(".http.status_code = " + v);
    } else {
      conds.push_back(unscoped_attribute(k) + " = " + traceql_string(v));
    }
  }
  if (min_duration_ms)
    conds.push_back("traceDuration >= " + std::to_string(min_duration_ms) + "ms");
  if (max_duration_ms)
    conds.push_back("traceDuration <= " + std::to_string(max_duration_ms) + "ms");
  if (conds.empty()) return "{}";
  std::string q = "{";
  for (size_t i = 0; i < conds.size(); ++i) {
    if (i) q += " && ";
    q += conds[i];
  }
  return q + "}";
}

Status check_query_size(std::string_view query, const SearchLimits& limits) {
  if (limits.max_query_bytes == 0 || query.size() <= limits.max_query_bytes) return Status::ok();
  return Status::invalid_argument(
      "TraceQL expression exceeds the configured maximum size of " +
      std::to_string(limits.max_query_bytes) +
      " bytes (query_frontend.max_query_expression_size_bytes), reduce the query expression "
      "size or contact your system administrator");
}

Status parse_search_params(const QueryParams& params, const SearchLimits& limits,
                           querier::SearchRequest* out) {
  RawSearch raw;
  raw.spans_per_spanset = limits.default_spans_per_span_set;
  TEMPO_RETURN_IF_ERROR(uint32_param(params, "start", &raw.start));
  TEMPO_RETURN_IF_ERROR(uint32_param(params, "end", &raw.end));
  auto q = get(params, "q");
  if (q) raw.query = std::string(*q);
  auto tags = get(params, "tags");
  if (tags) {
    if (q) {
      return Status::invalid_argument(
          "invalid request: can't specify tags and q in the same query");
    }
    TEMPO_RETURN_IF_ERROR(parse_logfmt_tags(*tags, &raw.tags));
  }
  // The first Grafana versions sent tags as bare query parameters; Tempo still reads them when
  // nothing marks the request as a TraceQL, tags= or time-range search.
  if (!q && !tags && raw.start == 0 && raw.end == 0) {
    static constexpr std::string_view kReserved[] = {"q",     "tags", "minDuration", "maxDuration",
                                                     "limit", "spss", "start",       "end"};
    for (const auto& [k, v] : params) {
      if (v.empty() || raw.tags.count(k)) continue;
      if (std::find(std::begin(kReserved), std::end(kReserved), k) != std::end(kReserved)) continue;
      raw.tags.emplace(k, v);
    }
  }
  TEMPO_RETURN_IF_ERROR(duration_ms_param(params, "minDuration", &raw.min_duration_ms));
  bool has_max = false;
  if (get(params, "maxDuration")) has_max = true;
  TEMPO_RETURN_IF_ERROR(duration_ms_param(params, "maxDuration", &raw.max_duration_ms));
  if (has_max) TEMPO_RETURN_IF_ERROR(check_durations(raw));
  bool has_limit = false;
  TEMPO_RETURN_IF_ERROR(uint32_param(params, "limit", &raw.limit, &has_limit));
  if (has_limit && raw.limit == 0) {
    return Status::invalid_argument("invalid limit: must be a positive number");
  }
  TEMPO_RETURN_IF_ERROR(uint32_param(params, "spss", &raw.spans_per_spanset));
  TEMPO_RETURN_IF_ERROR(start_before_end(raw.start, raw.end));
  return finish_search(raw, limits, out);
}

Status parse_search_proto(const tempopb::SearchRequest& req, const SearchLimits& limits,
                          querier::SearchRequest* out) {
  RawSearch raw;
  raw.start = req.start();
  raw.end = req.end();
  raw.limit = req.limit();
  raw.query = req.query();
  raw.min_duration_ms = req.mindurationms();
  raw.max_duration_ms = req.maxdurationms();
  raw.spans_per_spanset = req.spansperspanset();
  if (!raw.query.empty() && !req.tags().empty()) {
    return Status::invalid_argument("invalid request: can't specify tags and q in the same query");
  }
  raw.tags.insert(req.tags().begin(), req.tags().end());
  // Tempo rebuilds the HTTP request with maxDuration only when it is non-zero.
  if (raw.max_duration_ms != 0) TEMPO_RETURN_IF_ERROR(check_durations(raw));
  TEMPO_RETURN_IF_ERROR(start_before_end(raw.start, raw.end));
  return finish_search(raw, limits, out);
}

Status parse_tags_params(const QueryParams& params, TagsParams* out) {
  TagsParams p;
  p.scope = std::string(get(params, "scope").value_or(""));
  TEMPO_RETURN_IF_ERROR(check_scope(p.scope, &p.request.scope));
  uint32_t start = 0, end = 0;
  TEMPO_RETURN_IF_ERROR(seconds_param(params, "start", &start));
  TEMPO_RETURN_IF_ERROR(seconds_param(params, "end", &end));
  TEMPO_RETURN_IF_ERROR(tag_range(start, end, &p.request.start_ns, &p.request.end_ns));
  TEMPO_RETURN_IF_ERROR(uint32_param(params, "limit", &p.request.limit));
  uint32_t stale = 0;
  TEMPO_RETURN_IF_ERROR(uint32_param(params, "maxStaleValues", &stale));
  *out = std::move(p);
  return Status::ok();
}

Status parse_tags_proto(const tempopb::SearchTagsRequest& req, TagsParams* out) {
  TagsParams p;
  p.scope = req.scope();
  TEMPO_RETURN_IF_ERROR(check_scope(p.scope, &p.request.scope));
  TEMPO_RETURN_IF_ERROR(tag_range(req.start(), req.end(), &p.request.start_ns, &p.request.end_ns));
  p.request.limit = req.maxtagsperscope();
  *out = std::move(p);
  return Status::ok();
}

Status parse_tag_values_params(std::string_view tag_name, const QueryParams& params, bool v2,
                               const SearchLimits& limits, querier::TagValuesRequest* out) {
  TEMPO_RETURN_IF_ERROR(tag_name_check(tag_name, v2));
  querier::TagValuesRequest req;
  req.tag = v2 ? std::string(tag_name) : unscoped_attribute(tag_name);
  req.query = std::string(get(params, "q").value_or(""));
  TEMPO_RETURN_IF_ERROR(check_query_size(req.query, limits));
  uint32_t start = 0, end = 0;
  TEMPO_RETURN_IF_ERROR(seconds_param(params, "start", &start));
  TEMPO_RETURN_IF_ERROR(seconds_param(params, "end", &end));
  TEMPO_RETURN_IF_ERROR(tag_range(start, end, &req.start_ns, &req.end_ns));
  TEMPO_RETURN_IF_ERROR(uint32_param(params, "limit", &req.limit));
  uint32_t stale = 0;
  TEMPO_RETURN_IF_ERROR(uint32_param(params, "maxStaleValues", &stale));
  *out = std::move(req);
  return Status::ok();
}

Status parse_tag_values_proto(const tempopb::SearchTagValuesRequest& r, bool v2,
                              const SearchLimits& limits, querier::TagValuesRequest* out) {
  TEMPO_RETURN_IF_ERROR(tag_name_check(r.tagname(), v2));
  querier::TagValuesRequest req;
  req.tag = v2 ? r.tagname() : unscoped_attribute(r.tagname());
  req.query = r.query();
  TEMPO_RETURN_IF_ERROR(check_query_size(req.query, limits));
  TEMPO_RETURN_IF_ERROR(tag_range(r.start(), r.end(), &req.start_ns, &req.end_ns));
  req.limit = r.maxtagvalues();
  *out = std::move(req);
  return Status::ok();
}

}  // namespace tempo::frontend
