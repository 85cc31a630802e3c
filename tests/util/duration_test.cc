#include <catch2/catch.hpp>

#include <limits>

#include "tempo/util/duration.h"

using namespace std::chrono_literals;
using tempo::format_duration;
using tempo::parse_duration;

TEST_CASE("parse_duration accepts Go's syntax") {
  struct Case {
    const char* in;
    std::chrono::nanoseconds want;
  };
  const Case cases[] = {
      {"0", 0ns},
      {"-0", 0ns},
      {"+0", 0ns},
      {"0s", 0ns},
      {"5s", 5s},
      {"300ms", 300ms},
      {"1h30m", 90min},
      {"1.5h", 90min},
      {"720h", 720h},
      {"336h", 336h},
      {"10us", 10us},
      {"10\xC2\xB5s", 10us},  // µ (micro sign)
      {"10\xCE\xBCs", 10us},  // μ (Greek mu)
      {"100ns", 100ns},
      {"-2s", -2s},
      {"+2s", 2s},
      {"1m0.5s", 60500ms},
      {".5s", 500ms},
      {"5.s", 5s},
      {"1h1m1s1ms1us1ns", 1h + 1min + 1s + 1ms + 1us + 1ns},
      {"2h45m", 165min},
      {"0.000000001s", 1ns},
      {"1.0000000001s", 1s},  // below a nanosecond is dropped
      {"9223372036854775807ns", std::chrono::nanoseconds(std::numeric_limits<int64_t>::max())},
      {"-9223372036854775808ns", std::chrono::nanoseconds(std::numeric_limits<int64_t>::min())},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    std::chrono::nanoseconds d(-42);
    tempo::Status s = parse_duration(c.in, &d);
    INFO(s.to_string());
    REQUIRE(s.is_ok());
    CHECK(d == c.want);
  }
}

TEST_CASE("parse_duration rejects what Go rejects and leaves the output alone") {
  struct Case {
    const char* in;
    const char* reason;
  };
  const Case cases[] = {
      {"", "invalid duration"},
      {"-", "invalid duration"},
      {"5", "missing unit"},
      {"10", "missing unit"},
      {"5x", "unknown unit \"x\""},
      {"1d", "unknown unit \"d\""},
      {"5 s", "unknown unit \" s\""},
      {"s", "invalid duration"},
      {".s", "invalid duration"},
      {"1h-5m", "unknown unit \"h-\""},
      {"abc", "invalid duration"},
      {"1.2.3s", "missing unit"},
      {"9223372036854775808ns", "invalid duration"},
      {"3000000h", "invalid duration"},
      {"99999999999999999999s", "invalid duration"},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    std::chrono::nanoseconds d(-42);
    tempo::Status s = parse_duration(c.in, &d);
    REQUIRE(s.is(tempo::Status::Code::kInvalidArgument));
    CHECK(s.message().find(c.reason) != std::string::npos);
    CHECK(s.message().find(std::string("\"") + c.in + "\"") != std::string::npos);
    CHECK(d == std::chrono::nanoseconds(-42));
  }
}

TEST_CASE("format_duration prints what Go's Duration.String prints") {
  struct Case {
    std::chrono::nanoseconds in;
    const char* want;
  };
  const Case cases[] = {
      {0ns, "0s"},
      {1ns, "1ns"},
      {999ns, "999ns"},
      {1us, "1\xC2\xB5s"},
      {1500ns, "1.5\xC2\xB5s"},
      {1ms, "1ms"},
      {250ms, "250ms"},
      {1500us, "1.5ms"},
      {1s, "1s"},
      {1500ms, "1.5s"},
      {60s, "1m0s"},
      {90s, "1m30s"},
      {1h, "1h0m0s"},
      {90min, "1h30m0s"},
      {336h, "336h0m0s"},
      {1h + 1ns, "1h0m0.000000001s"},
      {-2s, "-2s"},
      {-1500us, "-1.5ms"},
      {std::chrono::nanoseconds(std::numeric_limits<int64_t>::max()), "2562047h47m16.854775807s"},
      {std::chrono::nanoseconds(std::numeric_limits<int64_t>::min()), "-2562047h47m16.854775808s"},
  };
  for (const auto& c : cases) {
    INFO(c.want);
    CHECK(format_duration(c.in) == c.want);
  }
}

TEST_CASE("format_duration output parses back to the same value") {
  const std::chrono::nanoseconds values[] = {
      0ns, 1ns, 7us, 1500us, 999ms, 1s, 61s, 90min, 720h, 123456789ns, -5s, 1h + 2min + 3s + 4ms,
      std::chrono::nanoseconds(std::numeric_limits<int64_t>::max()),
      std::chrono::nanoseconds(std::numeric_limits<int64_t>::min())};
  for (auto v : values) {
    std::string text = format_duration(v);
    INFO(text);
    std::chrono::nanoseconds back;
    REQUIRE(parse_duration(text, &back).is_ok());
    CHECK(back == v);
  }
}
