#include "frontend/metrics_params.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>

#include "tempo/traceql/metrics.h"
#include "tempo/traceql/parser.h"
#include "tempo/util/duration.h"
#include "tempopb/tempo.pb.h"

namespace tempo::frontend {
namespace {

constexpr uint64_t kSecond = 1000000000ULL;

// First non-empty value of `name`, as Go's url.Values.Get with extractQueryParam.
std::string_view get(const QueryParams& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return {};
}

// Prometheus durations beyond Go's: "1d", "2w", "1y" (whole numbers, one unit).
bool parse_day_duration(std::string_view s, std::chrono::nanoseconds* out) {
  if (s.size() < 2) return false;
  const char unit = s.back();
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size() - 1, n);
  if (ec != std::errc() || p != s.data() + s.size() - 1) return false;
  uint64_t hours = 0;
  switch (unit) {
    case 'd':
      hours = 24;
      break;
    case 'w':
      hours = 24 * 7;
      break;
    case 'y':
      hours = 24 * 365;
      break;
    default:
      return false;
  }
  if (n > 100000) return false;
  *out = std::chrono::hours(n * hours);
  return true;
}

// RFC 3339 ("2024-01-02T03:04:05Z", "…05.123+02:00") to unix ns.
bool parse_rfc3339(std::string_view s, uint64_t* out) {
  int y, mo, d, h, mi, sec, n = 0;
  std::string str(s);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6) {
    return false;
  }
  size_t i = static_cast<size_t>(n);
  uint64_t frac = 0;
  if (i < str.size() && str[i] == '.') {
    ++i;
    uint64_t scale = 100000000;
    while (i < str.size() && std::isdigit(static_cast<unsigned char>(str[i]))) {
      frac += static_cast<uint64_t>(str[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
  }
  int64_t offset = 0;
  if (i < str.size() && (str[i] == 'Z' || str[i] == 'z')) {
    ++i;
  } else if (i + 6 == str.size() && (str[i] == '+' || str[i] == '-') && str[i + 3] == ':') {
    int oh = 0, om = 0;
    if (std::sscanf(str.c_str() + i + 1, "%2d:%2d", &oh, &om) != 2) return false;
    offset = (str[i] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    i += 6;
  } else {
    return false;
  }
  if (i != str.size()) return false;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  const int64_t secs = static_cast<int64_t>(timegm(&tm)) - offset;
  if (secs < 0) return false;
  *out = static_cast<uint64_t>(secs) * kSecond + frac;
  return true;
}

Status check_range(const querier::MetricsQueryRequest& r, const MetricsLimits& limits) {
  if (r.start_ns >= r.end_ns) return Status::invalid_argument("end must be greater than start");
  const uint64_t range = r.end_ns - r.start_ns;
  if (limits.max_duration.count() > 0 &&
      range > static_cast<uint64_t>(limits.max_duration.count())) {
    return Status::invalid_argument(
        "metrics query time range exceeds the maximum allowed duration of " +
        format_duration(limits.max_duration));
  }
  if (!r.instant && limits.max_intervals != 0 &&
      (r.step_ns == 0 || range / r.step_ns > limits.max_intervals)) {
    return Status::invalid_argument(
        "step of " + format_duration(std::chrono::nanoseconds(r.step_ns)) +
        " is too small, minimum step for given range is " +
        format_duration(std::chrono::nanoseconds(range / limits.max_intervals)));
  }
  if (r.step_ns == 0) return Status::invalid_argument("step must be greater than 0");
  return Status::ok();
}

// The query must parse; its `with(exemplars=…)` hint overrides the parameter, which defaults
// to and is capped at max_exemplars (Tempo's normalizeRequestExemplars).
Status check_query(querier::MetricsQueryRequest* r, const MetricsLimits& limits) {
  SearchLimits size;
  size.max_query_bytes = limits.max_query_bytes;
  TEMPO_RETURN_IF_ERROR(check_query_size(r->query, size));
  if (r->query.empty()) return Status::invalid_argument("query is required (parameter q)");
  traceql::RootExpr root;
  TEMPO_RETURN_IF_ERROR(traceql::parse(r->query, &root));
  if (!root.metrics) {
    return Status::invalid_argument(
        "not a metrics query: add a metrics function, e.g. { } | rate()");
  }
  const traceql::Static* hint = root.hints.find("exemplars");
  if (hint && hint->type == traceql::StaticType::kInt) {
    r->exemplars = static_cast<uint32_t>(std::clamp<int64_t>(hint->i, 0, UINT32_MAX));
  } else if (hint && hint->type == traceql::StaticType::kBool && !hint->b) {
    r->exemplars = 0;
  } else if (r->exemplars == 0) {
    r->exemplars = limits.max_exemplars;
  }
  if (r->exemplars > limits.max_exemplars) r->exemplars = limits.max_exemplars;
  if (r->instant) r->exemplars = 0;  // instant queries carry none, as in Tempo
  r->max_series = limits.max_response_series;
  return Status::ok();
}

Status bounds(const QueryParams& params, uint64_t now_ns, uint64_t* start, uint64_t* end) {
  std::chrono::nanoseconds since = std::chrono::hours(1);
  if (auto s = get(params, "since"); !s.empty()) {
    if (!parse_duration(s, &since).is_ok() && !parse_day_duration(s, &since)) {
      return Status::invalid_argument("could not parse 'since' parameter: invalid duration \"" +
                                      std::string(s) + "\"");
    }
  }
  *end = now_ns;
  if (auto s = get(params, "end"); !s.empty()) {
    Status st = parse_timestamp(s, end);
    if (!st.is_ok())
      return Status::invalid_argument("could not parse 'end' parameter: " + st.message());
  }
  const uint64_t end_or_now = std::min(*end, now_ns);
  const uint64_t back = static_cast<uint64_t>(since.count());
  *start = end_or_now > back ? end_or_now - back : 0;
  if (auto s = get(params, "start"); !s.empty()) {
    Status st = parse_timestamp(s, start);
    if (!st.is_ok()) {
      return Status::invalid_argument("could not parse 'start' parameter: " + st.message());
    }
  }
  return Status::ok();
}

std::string query_param(const QueryParams& params) {
  // `q` wins over `query` (Prometheus' name, which Grafana also sends).
  if (auto q = get(params, "q"); !q.empty()) return std::string(q);
  return std::string(get(params, "query"));
}

}  // namespace

Status parse_timestamp(std::string_view value, uint64_t* out_ns) {
  const std::string v(value);
  if (v.find('.') != std::string::npos) {
    char* end = nullptr;
    const double t = std::strtod(v.c_str(), &end);
    if (end == v.c_str() + v.size() && t >= 0 && t < 9.2e9) {
      double whole = 0;
      double frac = std::modf(t, &whole);
      frac = std::round(frac * 1000) / 1000;  // Tempo keeps milliseconds
      *out_ns = static_cast<uint64_t>(whole) * kSecond + static_cast<uint64_t>(frac * 1e9);
      return Status::ok();
    }
  }
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec == std::errc() && p == v.data() + v.size()) {
    if (n < 0) return Status::invalid_argument("\"" + v + "\" is before 1970");
    if (v.size() <= 10) {
      *out_ns = static_cast<uint64_t>(n) * kSecond;
    } else {
      *out_ns = static_cast<uint64_t>(n);
    }
    return Status::ok();
  }
  if (parse_rfc3339(v, out_ns)) return Status::ok();
  return Status::invalid_argument("\"" + v +
                                  "\" is not unix seconds, unix nanoseconds or RFC 3339");
}

Status parse_step(std::string_view value, uint64_t* out_ns) {
  const std::string v(value);
  char* end = nullptr;
  const double secs = std::strtod(v.c_str(), &end);
  if (!v.empty() && end == v.c_str() + v.size()) {
    if (!(secs >= 0) || secs * 1e9 > 9.2e18) {
      return Status::invalid_argument("cannot parse \"" + v + "\": step must be positive");
    }
    *out_ns = static_cast<uint64_t>(secs * 1e9);
    return Status::ok();
  }
  std::chrono::nanoseconds d{0};
  if (!parse_duration(v, &d).is_ok()) {
    return Status::invalid_argument("cannot parse \"" + v + "\" to a valid duration");
  }
  if (d.count() < 0)
    return Status::invalid_argument("cannot parse \"" + v + "\": step must be positive");
  *out_ns = static_cast<uint64_t>(d.count());
  return Status::ok();
}

Status parse_query_range_params(const QueryParams& params, const MetricsLimits& limits,
                                uint64_t now_ns, querier::MetricsQueryRequest* out) {
  querier::MetricsQueryRequest r;
  r.query = query_param(params);
  TEMPO_RETURN_IF_ERROR(bounds(params, now_ns, &r.start_ns, &r.end_ns));
  if (auto s = get(params, "step"); !s.empty()) {
    TEMPO_RETURN_IF_ERROR(parse_step(s, &r.step_ns));
  } else if (r.end_ns > r.start_ns) {
    r.step_ns = traceql::default_step_ns(r.start_ns, r.end_ns);
  }
  if (auto s = get(params, "exemplars"); !s.empty()) {
    // As Tempo, a value that is not a number is ignored (the default applies).
    uint32_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc() && p == s.data() + s.size()) r.exemplars = n;
  }
  TEMPO_RETURN_IF_ERROR(check_range(r, limits));
  TEMPO_RETURN_IF_ERROR(check_query(&r, limits));
  *out = std::move(r);
  return Status::ok();
}

Status parse_query_instant_params(const QueryParams& params, const MetricsLimits& limits,
                                  uint64_t now_ns, querier::MetricsQueryRequest* out) {
  querier::MetricsQueryRequest r;
  r.query = query_param(params);
  r.instant = true;
  TEMPO_RETURN_IF_ERROR(bounds(params, now_ns, &r.start_ns, &r.end_ns));
  r.step_ns = r.end_ns > r.start_ns ? r.end_ns - r.start_ns : 0;
  TEMPO_RETURN_IF_ERROR(check_range(r, limits));
  TEMPO_RETURN_IF_ERROR(check_query(&r, limits));
  *out = std::move(r);
  return Status::ok();
}

Status parse_query_range_proto(const tempopb::QueryRangeRequest& req, const MetricsLimits& limits,
                               querier::MetricsQueryRequest* out) {
  querier::MetricsQueryRequest r;
  r.query = req.query();
  r.start_ns = req.start();
  r.end_ns = req.end();
  r.instant = req.has_instant() && req.instant();
  r.step_ns = r.instant ? r.end_ns - r.start_ns : req.step();
  if (r.step_ns == 0 && !r.instant && r.end_ns > r.start_ns) {
    r.step_ns = traceql::default_step_ns(r.start_ns, r.end_ns);
  }
  r.exemplars = req.exemplars();
  TEMPO_RETURN_IF_ERROR(check_range(r, limits));
  TEMPO_RETURN_IF_ERROR(check_query(&r, limits));
  if (req.maxseries() > 0 && (r.max_series == 0 || req.maxseries() < r.max_series)) {
    r.max_series = req.maxseries();
  }
  *out = std::move(r);
  return Status::ok();
}

Status parse_query_instant_proto(const tempopb::QueryInstantRequest& req,
                                 const MetricsLimits& limits, querier::MetricsQueryRequest* out) {
  querier::MetricsQueryRequest r;
  r.query = req.query();
  r.start_ns = req.start();
  r.end_ns = req.end();
  r.instant = true;
  r.step_ns = r.end_ns > r.start_ns ? r.end_ns - r.start_ns : 0;
  TEMPO_RETURN_IF_ERROR(check_range(r, limits));
  TEMPO_RETURN_IF_ERROR(check_query(&r, limits));
  *out = std::move(r);
  return Status::ok();
}

}  // namespace tempo::frontend
