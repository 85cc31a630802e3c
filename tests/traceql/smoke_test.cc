#include <catch2/catch.hpp>

#include "tempo/traceql/parser.h"

TEST_CASE("smoke") {
  tempo::traceql::RootExpr r;
  auto st = tempo::traceql::parse("{ span.foo = \"bar\" && duration > 1s }", &r);
  INFO(st.message());
  REQUIRE(st.is_ok());
  CHECK(tempo::traceql::to_string(r) == "{ (span.foo = \"bar\") && (duration > 1s) }");
}
