#include "config/yaml_reader.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "tempo/util/duration.h"

namespace tempo::config {
namespace {

// Prometheus model.Duration: integer amounts of y, w, d, h, m, s, ms in that order.
bool parse_prometheus_duration(const std::string& s, std::chrono::nanoseconds* out) {
  struct Unit {
    const char* name;
    int64_t ms;
  };
  static constexpr Unit kUnits[] = {{"y", 365LL * 86400000}, {"w", 7LL * 86400000},
                                    {"d", 86400000},         {"h", 3600000},
                                    {"m", 60000},            {"s", 1000},
                                    {"ms", 1}};
  size_t i = 0, next_unit = 0;
  int64_t total_ms = 0;
  if (s.empty()) return false;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start || i - start > 12) return false;
    int64_t amount = std::stoll(s.substr(start, i - start));
    size_t u = i;
    while (u < s.size() && !(s[u] >= '0' && s[u] <= '9')) ++u;
    std::string unit = s.substr(i, u - i);
    bool found = false;
    for (size_t k = next_unit; k < std::size(kUnits); ++k) {
      if (unit == kUnits[k].name) {
        total_ms += amount * kUnits[k].ms;
        next_unit = k + 1;
        found = true;
        break;
      }
    }
    if (!found) return false;
    i = u;
  }
  *out = std::chrono::milliseconds(total_ms);
  return true;
}

}  // namespace

std::string line_of(const YAML::Node& n) { return "line " + std::to_string(n.Mark().line + 1); }

YAML::Node YamlReader::at(const std::string& path) const {
  // Walks through const handles: a non-const operator[] would insert keys, and a clone would
  // lose the line marks.
  YAML::Node n(root_);
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos
                                                                   : dot - start);
    if (!n.IsDefined() || !n.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node& cn = n;
    YAML::Node next = cn[part];
    if (!next.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
    n.reset(next);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return n;
}

Status YamlReader::type_error(const YAML::Node& n, const std::string& path,
                              const char* want) const {
  std::string got = n.IsScalar()  ? "\"" + n.Scalar() + "\""
                    : n.IsMap()   ? std::string("a map")
                                  : std::string("a list");
  return Status::invalid_argument(line_of(n) + ": config key \"" + prefix_ + path +
                                  "\" must be " + want + ", got " + got);
}

Status YamlReader::str(const std::string& path, std::string* out) const {
  YAML::Node n = at(path);
  if (!n.IsDefined() || n.IsNull()) return Status::ok();
  if (!n.IsScalar()) return type_error(n, path, "a string");
  *out = n.Scalar();
  return Status::ok();
}

Status YamlReader::integer(const std::string& path, int64_t* out) const {
  YAML::Node n = at(path);
  if (!n.IsDefined() || n.IsNull()) return Status::ok();
  if (!n.IsScalar()) return type_error(n, path, "an integer");
  std::string s;
  for (char c : n.Scalar()) {
    if (c != '_') s += c;  // YAML 1.1 digit separators: 1_000_000
  }
  if (s.empty()) return type_error(n, path, "an integer");
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 0);
  if (*end != '\0' || errno == ERANGE) {
    // Integral floats such as 1e6 or 15e6, as Go's YAML decoder accepts for ints.
    errno = 0;
    double d = std::strtod(s.c_str(), &end);
    if (*end != '\0' || errno == ERANGE || !std::isfinite(d) || d != std::floor(d) ||
        std::fabs(d) > 9.2e18) {
      return type_error(n, path, "an integer");
    }
    v = static_cast<long long>(d);
  }
  *out = v;
  return Status::ok();
}

Status YamlReader::integer(const std::string& path, int* out) const {
  int64_t v = *out;
  TEMPO_RETURN_IF_ERROR(integer(path, &v));
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
    return type_error(at(path), path, "an integer that fits in 32 bits");
  }
  *out = static_cast<int>(v);
  return Status::ok();
}

Status YamlReader::number(const std::string& path, double* out) const {
  YAML::Node n = at(path);
  if (!n.IsDefined() || n.IsNull()) return Status::ok();
  if (!n.IsScalar()) return type_error(n, path, "a number");
  const std::string& s = n.Scalar();
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(v)) return type_error(n, path, "a number");
  *out = v;
  return Status::ok();
}

Status YamlReader::boolean(const std::string& path, bool* out) const {
  YAML::Node n = at(path);
  if (!n.IsDefined() || n.IsNull()) return Status::ok();
  if (!n.IsScalar()) return type_error(n, path, "true or false");
  static const char* const kTrue[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"};
  static const char* const kFalse[] = {"false", "False", "FALSE", "no", "No",
                                       "NO",    "off",   "Off",   "OFF"};
  for (const char* t : kTrue) {
    if (n.Scalar() == t) return *out = true, Status::ok();
  }
  for (const char* f : kFalse) {
    if (n.Scalar() == f) return *out = false, Status::ok();
  }
  return type_error(n, path, "true or false");
}

Status YamlReader::duration(const std::string& path, std::chrono::nanoseconds* out) const {
  YAML::Node n = at(path);
  if (!n.IsDefined() || n.IsNull()) return Status::ok();
  if (!n.IsScalar()) return type_error(n, path, "a duration such as 30s or 5m");
  Status s = parse_duration(n.Scalar(), out);
  if (!s.is_ok()) {
    return Status::invalid_argument(line_of(n) + ": config key \"" + prefix_ + path + "\": " +
                                    s.message() + " (use Go syntax such as 300ms, 30s, 5m, 1h)");
  }
  return Status::ok();
}

Status YamlReader::model_duration(const std::string& path, std::chrono::nanoseconds* out) const {
  YAML::Node n = at(path);
  if (!n.IsDefined() || n.IsNull()) return Status::ok();
  if (!n.IsScalar()) return type_error(n, path, "a duration such as 336h or 14d");
  if (parse_duration(n.Scalar(), out).is_ok()) return Status::ok();
  if (parse_prometheus_duration(n.Scalar(), out)) return Status::ok();
  return Status::invalid_argument(line_of(n) + ": config key \"" + prefix_ + path +
                                  "\": invalid duration \"" + n.Scalar() +
                                  "\" (use 336h, 14d or 2w)");
}

Status YamlReader::strings(const std::string& path, std::vector<std::string>* out) const {
  YAML::Node n = at(path);
  if (!n.IsDefined() || n.IsNull()) return Status::ok();
  if (!n.IsSequence()) return type_error(n, path, "a list of strings");
  std::vector<std::string> values;
  for (const auto& v : n) {
    if (!v.IsScalar()) return type_error(v, path, "a list of strings");
    values.push_back(v.Scalar());
  }
  *out = std::move(values);
  return Status::ok();
}

}  // namespace tempo::config
