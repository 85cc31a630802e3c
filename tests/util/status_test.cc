#include <catch2/catch.hpp>

#include "tempo/util/status.h"

using tempo::Status;

TEST_CASE("status carries code and message") {
  Status s = Status::invalid_argument("bad id");
  CHECK_FALSE(s.is_ok());
  CHECK(s.is(Status::Code::kInvalidArgument));
  CHECK(s.to_string() == "invalid argument: bad id");
  CHECK(Status::ok().to_string() == "ok");
}
