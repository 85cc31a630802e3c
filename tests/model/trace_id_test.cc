#include "tempo/model/trace_id.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using tempo::Status;
using tempo::TraceId;

TEST_CASE("trace ID parsing follows Tempo's rules") {
  struct Case {
    std::string in;
    std::string hex;    // expected when ok
    std::string error;  // expected message otherwise
  };
  const std::vector<Case> cases = {
      {"0123456789abcdef0123456789ABCDEF", "0123456789abcdef0123456789abcdef", ""},
      {"abcdef", "00000000000000000000000000abcdef", ""},
      {"abc", "00000000000000000000000000000abc", ""},
      {"1", "00000000000000000000000000000001", ""},
      {"0", "00000000000000000000000000000000", ""},
      // 31 digits: odd, gets a leading zero and fills 16 bytes exactly.
      {"123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef", ""},
      {"0123456789abcdef0123456789abcdef0", "", "trace IDs can't be larger than 128 bits"},
      {"0123456789abcdef0123456789abcdef01", "", "trace IDs can't be larger than 128 bits"},
      {"12x4", "",
       "trace IDs can only contain hex characters: invalid character 'x' at position 3"},
      {"g", "", "trace IDs can only contain hex characters: invalid character 'g' at position 1"},
      {"ab-cd", "",
       "trace IDs can only contain hex characters: invalid character '-' at position 3"},
      {"ab\xc3\xa9", "",
       "trace IDs can only contain hex characters: invalid character '\xc3\xa9' at position 3"},
      // Non-hex wins over length, as in Tempo (characters are checked first).
      {"0123456789abcdef0123456789abcdef0z", "",
       "trace IDs can only contain hex characters: invalid character 'z' at position 34"},
      {"", "", "trace ID cannot be empty"},
  };
  for (const auto& c : cases) {
    INFO("input: " << c.in);
    TraceId id;
    id.bytes.fill(0xee);
    Status s = TraceId::parse_hex(c.in, &id);
    if (c.error.empty()) {
      REQUIRE(s.is_ok());
      CHECK(id.hex() == c.hex);
    } else {
      CHECK(s.is(Status::Code::kInvalidArgument));
      CHECK(s.message() == c.error);
    }
  }
}

TEST_CASE("trace ID from raw bytes left-pads short IDs") {
  TraceId id;
  REQUIRE(TraceId::from_bytes(std::string("\x01\x02", 2), &id).is_ok());
  CHECK(id.hex() == "00000000000000000000000000000102");
  CHECK_FALSE(id.is_zero());
  Status s = TraceId::from_bytes(std::string(17, 'a'), &id);
  CHECK(s.is(Status::Code::kInvalidArgument));
  CHECK(s.message() == "trace ids must be 128 bit, received 136 bits");
  REQUIRE(TraceId::from_bytes("", &id).is_ok());
  CHECK(id.is_zero());
}

TEST_CASE("trace IDs order bytewise and hash consistently") {
  TraceId a, b;
  REQUIRE(TraceId::parse_hex("01", &a).is_ok());
  REQUIRE(TraceId::parse_hex("0100", &b).is_ok());
  CHECK(a < b);
  TraceId a2;
  REQUIRE(TraceId::parse_hex("00000000000000000000000000000001", &a2).is_ok());
  CHECK(a == a2);
  CHECK(tempo::TraceIdHash{}(a) == tempo::TraceIdHash{}(a2));
  CHECK(a.view().size() == 16);
}
