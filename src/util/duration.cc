#include "tempo/util/duration.h"

#include <cstdint>
#include <limits>

namespace tempo {
namespace {

constexpr uint64_t kMaxMagnitude = uint64_t{1} << 63;  // |INT64_MIN|

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The nanoseconds in one `unit`, or 0 when the unit is unknown.
uint64_t unit_ns(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1000;  // µ, μ
  if (unit == "ms") return 1000 * 1000;
  if (unit == "s") return 1000 * 1000 * 1000;
  if (unit == "m") return uint64_t{60} * 1000 * 1000 * 1000;
  if (unit == "h") return uint64_t{3600} * 1000 * 1000 * 1000;
  return 0;
}

// Appends the last `digits` decimal places of v as a fraction (".5", nothing when zero) and
// returns v with them removed.
uint64_t append_fraction(std::string* out, uint64_t v, int digits) {
  char buf[16];
  int n = 0;
  bool printing = false;
  for (int i = 0; i < digits; ++i) {
    int digit = static_cast<int>(v % 10);
    printing = printing || digit != 0;
    if (printing) buf[n++] = static_cast<char>('0' + digit);
    v /= 10;
  }
  if (printing) {
    *out += '.';
    while (n > 0) *out += buf[--n];
  }
  return v;
}

}  // namespace

Status parse_duration(std::string_view text, std::chrono::nanoseconds* out) {
  auto invalid = [&](std::string why) {
    return Status::invalid_argument(why + " \"" + std::string(text) + "\"");
  };
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    *out = std::chrono::nanoseconds(0);
    return Status::ok();
  }
  if (s.empty()) return invalid("invalid duration");
  uint64_t total = 0;
  while (!s.empty()) {
    if (!is_digit(s.front()) && s.front() != '.') return invalid("invalid duration");
    // The integer part, exactly; the fraction, as Go does, in floating point.
    uint64_t whole = 0;
    bool any_digits = false;
    size_t i = 0;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      uint64_t digit = static_cast<uint64_t>(s[i] - '0');
      if (whole > (kMaxMagnitude - digit) / 10) return invalid("invalid duration");
      whole = whole * 10 + digit;
      any_digits = true;
    }
    uint64_t frac = 0;
    double scale = 1;
    if (i < s.size() && s[i] == '.') {
      ++i;
      bool overflow = false;
      for (; i < s.size() && is_digit(s[i]); ++i) {
        any_digits = true;
        if (overflow || frac > (std::numeric_limits<uint64_t>::max() / 10) - 9) {
          overflow = true;  // further digits are below any unit's resolution
          continue;
        }
        frac = frac * 10 + static_cast<uint64_t>(s[i] - '0');
        scale *= 10;
      }
    }
    if (!any_digits) return invalid("invalid duration");
    size_t u = i;
    while (u < s.size() && !is_digit(s[u]) && s[u] != '.') ++u;
    std::string_view unit = s.substr(i, u - i);
    if (unit.empty()) return invalid("missing unit in duration");
    uint64_t mult = unit_ns(unit);
    if (mult == 0) {
      return invalid("unknown unit \"" + std::string(unit) + "\" in duration");
    }
    if (whole > kMaxMagnitude / mult) return invalid("invalid duration");
    uint64_t v = whole * mult;
    if (frac > 0) {
      v += static_cast<uint64_t>(static_cast<double>(frac) * (static_cast<double>(mult) / scale));
      if (v > kMaxMagnitude) return invalid("invalid duration");
    }
    total += v;
    if (total > kMaxMagnitude) return invalid("invalid duration");
    s.remove_prefix(u);
  }
  if (!negative && total == kMaxMagnitude) return invalid("invalid duration");
  int64_t signed_total = negative ? static_cast<int64_t>(~total + 1) : static_cast<int64_t>(total);
  *out = std::chrono::nanoseconds(signed_total);
  return Status::ok();
}

std::string format_duration(std::chrono::nanoseconds d) {
  int64_t ns = d.count();
  if (ns == 0) return "0s";
  bool negative = ns < 0;
  // Magnitude via unsigned negation, so INT64_MIN is representable.
  uint64_t u = negative ? ~static_cast<uint64_t>(ns) + 1 : static_cast<uint64_t>(ns);
  std::string body;
  if (u < 1000000000ULL) {
    // Below one second: the largest of ns, µs, ms that keeps an integer part.
    if (u < 1000) return (negative ? "-" : "") + std::to_string(u) + "ns";
    std::string frac;
    const char* unit;
    if (u < 1000000) {
      u = append_fraction(&frac, u, 3);
      unit = "\xC2\xB5s";
    } else {
      u = append_fraction(&frac, u, 6);
      unit = "ms";
    }
    return (negative ? "-" : "") + std::to_string(u) + frac + unit;
  }
  std::string frac;
  uint64_t secs = append_fraction(&frac, u, 9);
  std::string out = negative ? "-" : "";
  uint64_t mins = secs / 60, hours = mins / 60;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (mins > 0) out += std::to_string(mins % 60) + "m";
  out += std::to_string(secs % 60) + frac + "s";
  return out;
}

}  // namespace tempo
