#include <catch2/catch.hpp>

#include "tempo/observability/log.h"
#include "tempo/observability/metrics.h"

using namespace tempo;

TEST_CASE("logfmt lines quote only what must be quoted") {
  std::string line = log::format_logfmt(log::Level::kWarn, "2026-01-01T00:00:00.000000Z",
                                        "wal.cc:12", "truncating torn wal tail",
                                        {{"path", "/var/tempo/wal/a b.wal"},
                                         {"bytes", 27},
                                         {"ok", true},
                                         {"empty", ""},
                                         {"quote", "say \"hi\"\n"}});
  CHECK(line ==
        "level=warn ts=2026-01-01T00:00:00.000000Z caller=wal.cc:12 "
        "msg=\"truncating torn wal tail\" path=\"/var/tempo/wal/a b.wal\" bytes=27 ok=true "
        "empty=\"\" quote=\"say \\\"hi\\\"\\n\"");
  CHECK(log::format_logfmt(log::Level::kInfo, "t", "c.cc:1", "started", {}) ==
        "level=info ts=t caller=c.cc:1 msg=started");
}

TEST_CASE("log levels parse and filter") {
  log::Level l;
  REQUIRE(log::parse_level("debug", &l));
  CHECK(l == log::Level::kDebug);
  CHECK_FALSE(log::parse_level("verbose", &l));
  log::set_level(log::Level::kWarn);
  CHECK_FALSE(log::enabled(log::Level::kInfo));
  CHECK(log::enabled(log::Level::kError));
  log::set_level(log::Level::kInfo);
}

TEST_CASE("the metrics registry renders Prometheus text with build info") {
  metrics::counter_family("tempo_test_things_total", "Things.").Add({{"tenant", "t1"}}).Increment(3);
  std::string text = metrics::serialize_text();
  CHECK(text.find("# TYPE tempo_test_things_total counter") != std::string::npos);
  CHECK(text.find("tempo_test_things_total{tenant=\"t1\"} 3") != std::string::npos);
  CHECK(text.find("tempo_build_info{") != std::string::npos);
  // Same name twice returns the same family.
  CHECK(&metrics::counter_family("tempo_test_things_total", "Things.") ==
        &metrics::counter_family("tempo_test_things_total", "Things."));
}
