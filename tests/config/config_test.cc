#include <catch2/catch.hpp>

#include <cstdlib>
#include <algorithm>
#include <filesystem>

#include "tempo/config/config.h"
#include "tempo/util/duration.h"

using namespace tempo;
using namespace std::chrono_literals;

namespace {

const std::string kFixtures = std::string(TEMPO_SOURCE_DIR) + "/../shared/fixtures/configs";

config::Config load(const std::string& yaml, bool expand = false) {
  config::Config c;
  config::LoadOptions o;
  o.expand_env = expand;
  Status s = config::load_string(yaml, o, &c);
  INFO(s.to_string());
  REQUIRE(s.is_ok());
  return c;
}

bool has_warning(const config::Config& c, const std::string& key) {
  for (const auto& w : c.warnings)
    if (w.find("\"" + key + "\"") != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("defaults are Tempo's when keys are absent") {
  auto c = load("storage:\n  trace:\n    backend: local\n    local:\n      path: /x\n");
  CHECK(c.server.http_listen_port == 3200);
  CHECK(c.server.grpc_listen_port == 9095);
  CHECK(c.server.grpc_server_max_recv_msg_size == 16 << 20);
  CHECK(c.ingester.max_block_duration == 30min);
  CHECK(c.ingester.max_block_bytes == 524288000);
  CHECK(c.compactor.block_retention == 336h);
  CHECK(c.storage.trace.wal.path == "/var/tempo/wal");
  CHECK_FALSE(c.multitenancy_enabled);
  CHECK_FALSE(c.distributor.receivers.otlp.enabled);
  CHECK(c.warnings.empty());
  CHECK(config::validate(c).is_ok());
}

TEST_CASE("every shipped fixture config loads with the values it sets") {
  if (!std::filesystem::exists(kFixtures)) {
    WARN("fixtures not found at " << kFixtures);
    return;
  }
  config::LoadOptions o;
  o.expand_env = true;
  config::Config c;

  REQUIRE(config::load_file(kFixtures + "/minimal-local.yaml", o, &c).is_ok());
  CHECK(c.server.grpc_listen_port == 4317);
  CHECK(c.distributor.receivers.otlp.grpc.enabled);
  CHECK(c.distributor.receivers.otlp.grpc.endpoint == "0.0.0.0:4317");
  CHECK(c.distributor.receivers.otlp.http.endpoint == "0.0.0.0:4318");
  CHECK(c.ingester.max_block_duration == 5min);
  CHECK(c.compactor.block_retention == 1h);
  CHECK(c.storage.trace.local.path == "/var/tempo/traces");
  CHECK(config::validate(c).is_ok());

  REQUIRE(config::load_file(kFixtures + "/local-30d.yaml", o, &c).is_ok());
  CHECK(c.ingester.trace_idle_period == 10s);
  CHECK(c.ingester.max_block_bytes == 1000000);
  CHECK(c.compactor.block_retention == 720h);

  REQUIRE(config::load_file(kFixtures + "/all-receivers-s3.yaml", o, &c).is_ok());
  CHECK(c.server.http_listen_port == 3100);
  CHECK(c.distributor.receivers.zipkin.enabled);
  CHECK(c.distributor.receivers.zipkin.endpoint == "0.0.0.0:9411");
  CHECK(c.distributor.receivers.jaeger_thrift_compact.endpoint == "0.0.0.0:6831");
  CHECK(c.distributor.receivers.opencensus.enabled);
  CHECK(c.storage.trace.backend == "s3");
  CHECK(c.storage.trace.s3.bucket == "tempo-traces");
  CHECK(c.storage.trace.s3.forcepathstyle);
  CHECK(c.overrides.ingestion_rate_limit_bytes == 15000000);
  CHECK(c.overrides.max_bytes_per_trace == 5000000);
  CHECK(c.overrides.metrics_generator_processors ==
        std::vector<std::string>{"service-graphs", "span-metrics"});
  CHECK(has_warning(c, "distributor.receivers.zipkin"));
  CHECK(has_warning(c, "metrics_generator"));
  CHECK(has_warning(c, "storage.trace.s3"));

  ::setenv("S3_ENDPOINT", "minio.local:9000", 1);
  REQUIRE(config::load_file(kFixtures + "/s3-zipkin-otlp-generator.yaml", o, &c).is_ok());
  CHECK(c.storage.trace.s3.endpoint == "minio.local:9000");
  CHECK_FALSE(c.usage_report.reporting_enabled);
  CHECK(c.ingester.max_block_duration == 30min);
  CHECK(c.compactor.block_retention == 336h);
  ::unsetenv("S3_ENDPOINT");
}

TEST_CASE("unknown keys fail with their full path and line") {
  struct Case {
    std::string yaml, path;
    int line;
  };
  const std::vector<Case> cases = {
      {"servr:\n  http_listen_port: 1\n", "servr", 1},
      {"server:\n  http_listen_prot: 1\n", "server.http_listen_prot", 2},
      {"distributor:\n  recievers:\n    otlp:\n", "distributor.recievers", 2},
      {"distributor:\n  receivers:\n    otlp:\n      protocol:\n        grpc:\n",
       "distributor.receivers.otlp.protocol", 4},
      {"storage:\n  trace:\n    backend: local\n    locl:\n      path: /x\n", "storage.trace.locl", 4},
      {"ingester:\n  max_block_duraton: 5m\n", "ingester.max_block_duraton", 2},
  };
  for (const auto& c : cases) {
    INFO(c.yaml);
    config::Config cfg;
    Status s = config::load_string(c.yaml, {}, &cfg);
    REQUIRE(s.is(Status::Code::kInvalidArgument));
    CHECK(s.message().find("\"" + c.path + "\"") != std::string::npos);
    CHECK(s.message().find("line " + std::to_string(c.line) + ":") == 0);
  }
}

TEST_CASE("wrong types fail with the key, line and reason") {
  struct Case {
    std::string yaml, needle;
    int line;
  };
  const std::vector<Case> cases = {
      {"server:\n  grpc_listen_port: 1\n\n  http_listen_port: abc\n",
       "\"server.http_listen_port\" must be an integer", 4},
      {"ingester:\n  max_block_duration: 5 minutes\n", "ingester.max_block_duration", 2},
      {"ingester:\n  trace_idle_period: 10\n", "missing unit", 2},
      {"multitenancy_enabled: maybe\n", "true or false", 1},
      {"server: [1, 2]\n", "must be a map", 1},
      {"server:\n  http_listen_port: {a: 1}\n", "got a map", 2},
      {"a: [unclosed\n", "invalid YAML", 2},
  };
  for (const auto& c : cases) {
    INFO(c.yaml);
    config::Config cfg;
    Status s = config::load_string(c.yaml, {}, &cfg);
    REQUIRE(s.is(Status::Code::kInvalidArgument));
    CHECK(s.message().find(c.needle) != std::string::npos);
    CHECK(s.message().rfind("line " + std::to_string(c.line) + ":", 0) == 0);
  }
}

TEST_CASE("known but unsupported keys load with one warning each") {
  auto c = load(
      "query_frontend:\n  search:\n    duration_slo: 5s\n"
      "metrics_generator:\n  processor:\n    span_metrics: {}\n"
      "ingester:\n  trace_live_period: 1m\n  max_block_duration: 1m\n");
  CHECK(has_warning(c, "query_frontend"));
  CHECK(has_warning(c, "metrics_generator"));
  CHECK(has_warning(c, "ingester.trace_live_period"));
  CHECK_FALSE(has_warning(c, "ingester.max_block_duration"));
  CHECK_FALSE(has_warning(c, "metrics_generator.processor"));  // one line per top-most key
  CHECK(c.warnings.size() == 3);
}

TEST_CASE("the 3.x dialect maps onto the same modules as 2.x") {
  const std::string v3 =
      "live_store:\n  max_trace_idle: 7s\n  max_block_duration: 30s\n  max_block_bytes: 52428800\n"
      "  complete_block_concurrency: 2\n  wal:\n    path: /data/live-store\n"
      "  fail_on_high_lag: true\n"
      "backend_worker:\n  compaction:\n    block_retention: 48h\n"
      "storage:\n  trace:\n    backend: local\n    local:\n      path: /tmp/x\n";
  const std::string v2 =
      "ingester:\n  trace_idle_period: 7s\n  max_block_duration: 30s\n  max_block_bytes: 52428800\n"
      "  concurrent_flushes: 2\n"
      "compactor:\n  compaction:\n    block_retention: 48h\n"
      "storage:\n  trace:\n    backend: local\n    local:\n      path: /tmp/x\n"
      "    wal:\n      path: /data/live-store\n";
  auto a = load(v3), b = load(v2);
  for (const auto* c : {&a, &b}) {
    CHECK(c->ingester.trace_idle_period == 7s);
    CHECK(c->ingester.max_block_duration == 30s);
    CHECK(c->ingester.max_block_bytes == 52428800);
    CHECK(c->ingester.concurrent_flushes == 2);
    CHECK(c->storage.trace.wal.path == "/data/live-store");
    CHECK(c->compactor.block_retention == 48h);
  }
  CHECK(a.mapped.size() == 6);
  CHECK(std::find(a.mapped.begin(), a.mapped.end(),
                  "live_store.max_trace_idle -> ingester.trace_idle_period") != a.mapped.end());
  CHECK(has_warning(a, "live_store.fail_on_high_lag"));
  CHECK(b.mapped.empty());

  auto sched = load("backend_scheduler:\n  provider:\n    compaction:\n      compaction:\n"
                    "        block_retention: 72h\n");
  CHECK(sched.compactor.block_retention == 72h);

  config::Config cfg;
  Status s = config::load_string(
      "ingester:\n  max_block_duration: 2m\nlive_store:\n  max_block_duration: 1m\n", {}, &cfg);
  REQUIRE(s.is(Status::Code::kInvalidArgument));
  CHECK(s.message().rfind("line 4:", 0) == 0);
  CHECK(s.message().find("conflicts with \"ingester.max_block_duration\" (line 2)") != std::string::npos);
  // The same value in both is not a conflict.
  auto same = load("ingester:\n  max_block_duration: 1m\nlive_store:\n  max_block_duration: 1m\n");
  CHECK(same.ingester.max_block_duration == 1min);
}

TEST_CASE("otlp receiver presence enables protocols") {
  auto c = load("distributor:\n  receivers:\n    otlp:\n");
  CHECK(c.distributor.receivers.otlp.enabled);
  CHECK(c.distributor.receivers.otlp.grpc.enabled);
  CHECK(c.distributor.receivers.otlp.http.enabled);
  CHECK(c.distributor.receivers.otlp.grpc.endpoint == "localhost:4317");
  auto g = load("distributor:\n  receivers:\n    otlp:\n      protocols:\n        grpc:\n");
  CHECK(g.distributor.receivers.otlp.grpc.enabled);
  CHECK_FALSE(g.distributor.receivers.otlp.http.enabled);
}

TEST_CASE("legacy flat and scoped overrides map onto the same settings") {
  auto legacy = load("overrides:\n  max_bytes_per_trace: 123\n  ingestion_rate_limit_bytes: 7\n");
  CHECK(legacy.overrides.max_bytes_per_trace == 123);
  CHECK(legacy.overrides.ingestion_rate_limit_bytes == 7);
  auto scoped = load("overrides:\n  defaults:\n    global:\n      max_bytes_per_trace: 456\n");
  CHECK(scoped.overrides.max_bytes_per_trace == 456);
}

TEST_CASE("environment expansion") {
  ::setenv("TEMPO_T_PORT", "4000", 1);
  ::unsetenv("TEMPO_T_MISSING");
  CHECK(config::expand_env("a ${TEMPO_T_PORT} b") == "a 4000 b");
  CHECK(config::expand_env("${TEMPO_T_MISSING:-9}") == "9");
  CHECK(config::expand_env("${TEMPO_T_MISSING}") == "");
  CHECK(config::expand_env("$$HOME and $x") == "$HOME and $x");
  auto c = load("server:\n  http_listen_port: ${TEMPO_T_PORT}\n", true);
  CHECK(c.server.http_listen_port == 4000);
  config::Config raw;
  CHECK_FALSE(config::load_string("server:\n  http_listen_port: ${TEMPO_T_PORT}\n", {}, &raw).is_ok());
}

TEST_CASE("validation names what a running server lacks") {
  config::Config c;
  CHECK(config::validate(c).message().find("storage.trace.backend") != std::string::npos);
  c.storage.trace.backend = "local";
  CHECK(config::validate(c).message().find("local.path") != std::string::npos);
  c.storage.trace.local.path = "/x";
  CHECK(config::validate(c).is_ok());
  c.server.http_listen_port = 70000;
  CHECK_FALSE(config::validate(c).is_ok());
}

TEST_CASE("Go durations") {
  struct Case {
    const char* in;
    std::chrono::nanoseconds want;
  };
  const Case ok[] = {{"0", 0ns},        {"5s", 5s},         {"300ms", 300ms}, {"1h30m", 90min},
                     {"1.5h", 90min},   {"720h", 720h},     {"10us", 10us},   {"-2s", -2s},
                     {"1m0.5s", 60500ms}, {"100ns", 100ns}};
  for (const auto& c : ok) {
    INFO(c.in);
    std::chrono::nanoseconds d;
    REQUIRE(parse_duration(c.in, &d).is_ok());
    CHECK(d == c.want);
  }
  for (const char* bad : {"", "5", "5x", "s", "1h-5m", "abc"}) {
    INFO(bad);
    std::chrono::nanoseconds d;
    CHECK_FALSE(parse_duration(bad, &d).is_ok());
  }
  CHECK(format_duration(90min) == "1h30m0s");
  CHECK(format_duration(1500ms) == "1.5s");
  CHECK(format_duration(250ms) == "250ms");
}
