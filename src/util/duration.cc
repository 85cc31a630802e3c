#include "tempo/util/duration.h"

#include <cmath>
#include <cstdint>

namespace tempo {

Status parse_duration(std::string_view text, std::chrono::nanoseconds* out) {
  std::string_view s = text;
  auto bad = [&] { return Status::invalid_argument("invalid duration \"" + std::string(text) + "\""); };
  if (s.empty()) return bad();
  bool neg = false;
  if (s.front() == '-' || s.front() == '+') {
    neg = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    *out = std::chrono::nanoseconds(0);
    return Status::ok();
  }
  if (s.empty()) return bad();
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    bool digits = false;
    long double value = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      value = value * 10 + (s[i] - '0');
      ++i;
      digits = true;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        value += (s[i] - '0') * scale;
        scale /= 10;
        ++i;
        digits = true;
      }
    }
    if (!digits) return bad();
    size_t u = i;
    while (u < s.size() && !(s[u] >= '0' && s[u] <= '9') && s[u] != '.') ++u;
    std::string_view unit = s.substr(i, u - i);
    long double mult;
    if (unit == "ns") mult = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") mult = 1e3L;
    else if (unit == "ms") mult = 1e6L;
    else if (unit == "s") mult = 1e9L;
    else if (unit == "m") mult = 60e9L;
    else if (unit == "h") mult = 3600e9L;
    else if (unit.empty()) return Status::invalid_argument("missing unit in duration \"" + std::string(text) + "\"");
    else return Status::invalid_argument("unknown unit \"" + std::string(unit) + "\" in duration \"" + std::string(text) + "\"");
    total += value * mult;
    s.remove_prefix(u);
  }
  if (total > 9.2e18L) return bad();
  *out = std::chrono::nanoseconds(static_cast<int64_t>(std::llround(neg ? -total : total)));
  return Status::ok();
}

std::string format_duration(std::chrono::nanoseconds d) {
  int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  uint64_t u = static_cast<uint64_t>(ns < 0 ? -ns : ns);
  if (u < 1000000000ULL) {
    if (u % 1000000 == 0) return sign + std::to_string(u / 1000000) + "ms";
    if (u % 1000 == 0) return sign + std::to_string(u / 1000) + "us";
    return sign + std::to_string(u) + "ns";
  }
  uint64_t secs = u / 1000000000ULL, frac = u % 1000000000ULL;
  uint64_t h = secs / 3600, m = (secs % 3600) / 60, s = secs % 60;
  std::string out = sign;
  if (h) out += std::to_string(h) + "h";
  if (h || m) out += std::to_string(m) + "m";
  out += std::to_string(s);
  if (frac) {
    std::string f = std::to_string(frac);
    f = std::string(9 - f.size(), '0') + f;
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out + "s";
}

}  // namespace tempo
