#include <catch2/catch.hpp>

#include <cstdlib>

#include "tempo/config/config.h"
#include "test_helpers.h"

using tempo::config::expand_env;

TEST_CASE("expand_env replaces references like Tempo's -config.expand-env") {
  ::setenv("TEMPO_T_PORT", "4000", 1);
  ::setenv("TEMPO_T_EMPTY", "", 1);
  ::unsetenv("TEMPO_T_MISSING");
  struct Case {
    const char* in;
    const char* want;
  };
  const Case cases[] = {
      {"a ${TEMPO_T_PORT} b", "a 4000 b"},
      {"${TEMPO_T_PORT}${TEMPO_T_PORT}", "40004000"},
      {"${TEMPO_T_MISSING}", ""},
      {"x${TEMPO_T_MISSING}y", "xy"},
      {"${TEMPO_T_MISSING:-9}", "9"},
      {"${TEMPO_T_EMPTY:-9}", "9"},            // :- also covers set-but-empty
      {"${TEMPO_T_EMPTY-9}", ""},              // - covers only unset
      {"${TEMPO_T_MISSING-9}", "9"},
      {"${TEMPO_T_PORT:-9}", "4000"},
      {"${TEMPO_T_MISSING:-http://a:1/b}", "http://a:1/b"},
      {"$$HOME and $x", "$HOME and $x"},
      {"regex: ^a.*$", "regex: ^a.*$"},
      {"unclosed ${TEMPO_T_PORT", "unclosed ${TEMPO_T_PORT"},
      {"$", "$"},
      {"", ""},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    CHECK(expand_env(c.in) == c.want);
  }
}

TEST_CASE("expand_env applies only when asked, before YAML parsing") {
  using namespace tempo::config::testing;
  ::setenv("TEMPO_T_PORT", "4000", 1);
  ::setenv("TEMPO_T_LIST", "[span-metrics, service-graphs]", 1);
  auto c = must_load("server:\n  http_listen_port: ${TEMPO_T_PORT}\n"
                     "overrides:\n  metrics_generator_processors: ${TEMPO_T_LIST}\n",
                     true);
  CHECK(c.server.http_listen_port == 4000);
  CHECK(c.overrides.metrics_generator_processors ==
        std::vector<std::string>{"span-metrics", "service-graphs"});
  // Without expansion the reference is the literal value, which is not a port.
  tempo::Status s = load_error("server:\n  http_listen_port: ${TEMPO_T_PORT}\n");
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.message().find("server.http_listen_port") != std::string::npos);
}
