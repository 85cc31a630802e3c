#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "tempo/config/config.h"
#include "test_helpers.h"

using namespace tempo;
using namespace tempo::config::testing;
using namespace std::chrono_literals;

namespace {

const std::string kFixtures = std::string(TEMPO_SOURCE_DIR) + "/../shared/fixtures/configs";

const char* kLocal = "storage:\n  trace:\n    backend: local\n    local:\n      path: /x\n";

}  // namespace

TEST_CASE("defaults are Tempo 2.x's when keys are absent") {
  auto c = must_load(kLocal);
  CHECK(c.target == "all");
  CHECK_FALSE(c.multitenancy_enabled);
  CHECK(c.http_api_prefix.empty());
  CHECK_FALSE(c.stream_over_http_enabled);
  CHECK(c.query_frontend.search.default_result_limit == 20);
  CHECK(c.query_frontend.search.max_result_limit == 262144);
  CHECK(c.query_frontend.search.default_spans_per_span_set == 3);
  CHECK(c.query_frontend.search.max_spans_per_span_set == 100);
  CHECK(c.querier.search_query_timeout == std::chrono::seconds(30));
  CHECK(c.query_frontend.search.max_duration == 168h);
  CHECK(c.server.http_listen_address.empty());
  CHECK(c.server.http_listen_port == 3200);
  CHECK(c.server.grpc_listen_port == 9095);
  CHECK(c.server.log_level == "info");
  CHECK(c.server.log_format == "logfmt");
  CHECK(c.server.grpc_server_max_recv_msg_size == 16777216);
  CHECK(c.server.grpc_server_max_send_msg_size == 16777216);
  CHECK(c.server.http_server_read_timeout == 30s);
  CHECK(c.server.http_server_write_timeout == 30s);
  CHECK(c.server.http_server_idle_timeout == 120s);
  CHECK(c.server.graceful_shutdown_timeout == 30s);
  CHECK_FALSE(c.distributor.receivers.otlp.enabled);
  CHECK_FALSE(c.distributor.receivers.zipkin.enabled);
  CHECK(c.distributor.max_attribute_bytes == 2048);
  CHECK(c.ingester.trace_idle_period == 10s);
  CHECK(c.ingester.trace_live_period == 30s);
  CHECK(c.ingester.flush_check_period == 10s);
  CHECK(c.ingester.max_block_bytes == 524288000);
  CHECK(c.ingester.max_block_duration == 30min);
  CHECK(c.ingester.complete_block_timeout == 15min);
  CHECK(c.ingester.concurrent_flushes == 4);
  CHECK_FALSE(c.ingester.flush_all_on_shutdown);
  CHECK(c.compactor.block_retention == 336h);
  CHECK(c.compactor.compacted_block_retention == 1h);
  CHECK(c.compactor.compaction_window == 1h);
  CHECK(c.storage.trace.wal.path == "/var/tempo/wal");
  CHECK(c.storage.trace.block.bloom_filter_false_positive == 0.01);
  CHECK(c.storage.trace.block.bloom_filter_shard_size_bytes == 102400);
  CHECK(c.storage.trace.blocklist_poll == 5min);
  CHECK(c.overrides.ingestion_rate_limit_bytes == 15000000);
  CHECK(c.overrides.ingestion_burst_size_bytes == 20000000);
  CHECK(c.overrides.max_traces_per_user == 0);  // off unless set (see config.h)
  CHECK(c.overrides.max_bytes_per_trace == 5000000);
  CHECK(c.usage_report.reporting_enabled);
  CHECK(c.warnings.empty());
  CHECK(c.mapped.empty());
  CHECK(config::validate(c).is_ok());
}

TEST_CASE("querier.search.query_timeout is read") {
  auto c = must_load("querier:\n  search:\n    query_timeout: 1m30s\n");
  CHECK(c.querier.search_query_timeout == std::chrono::seconds(90));
  CHECK(c.warnings.empty());
}

TEST_CASE("query_frontend job size, query size, packet size and tag-values bytes are read") {
  auto d = must_load("");
  CHECK(d.query_frontend.search.target_bytes_per_job == 8 << 20);
  CHECK(d.query_frontend.max_query_expression_size_bytes == 128 * 1024);
  CHECK(d.query_frontend.max_grpc_streaming_packet_size == 1 << 20);
  CHECK(d.overrides.max_bytes_per_tag_values_query == 1000000);
  auto c = must_load(
      "query_frontend:\n  max_query_expression_size_bytes: 1000\n"
      "  max_grpc_streaming_packet_size: 2000\n  search:\n    target_bytes_per_job: 3000\n"
      "overrides:\n  defaults:\n    read:\n      max_bytes_per_tag_values_query: 4000\n");
  CHECK(c.query_frontend.max_query_expression_size_bytes == 1000);
  CHECK(c.query_frontend.max_grpc_streaming_packet_size == 2000);
  CHECK(c.query_frontend.search.target_bytes_per_job == 3000);
  CHECK(c.overrides.max_bytes_per_tag_values_query == 4000);
  CHECK(c.warnings.empty());
  auto legacy = must_load("overrides:\n  max_bytes_per_tag_values_query: 5000\n");
  CHECK(legacy.overrides.max_bytes_per_tag_values_query == 5000);
}

TEST_CASE("query_frontend.metrics limits are read with Tempo's defaults") {
  auto d = must_load("");
  CHECK(d.query_frontend.metrics.max_duration == std::chrono::hours(24));
  CHECK(d.query_frontend.metrics.max_intervals == 10000);
  CHECK(d.query_frontend.metrics.max_exemplars == 100);
  CHECK(d.query_frontend.metrics.max_response_series == 0);
  auto c = must_load(
      "query_frontend:\n  metrics:\n    max_duration: 2h\n    max_intervals: 50\n"
      "    max_exemplars: 7\n    max_response_series: 9\n    query_backend_after: 1m\n"
      "    interval: 2m\n    concurrent_jobs: 4\n");
  CHECK(c.query_frontend.metrics.max_duration == std::chrono::hours(2));
  CHECK(c.query_frontend.metrics.max_intervals == 50);
  CHECK(c.query_frontend.metrics.max_exemplars == 7);
  CHECK(c.query_frontend.metrics.max_response_series == 9);
  CHECK(c.query_frontend.metrics.query_backend_after == std::chrono::minutes(1));
  Status err = load_error("query_frontend:\n  metrics:\n    max_duration: soon\n");
  CHECK(err.message().find("query_frontend.metrics.max_duration") != std::string::npos);
}

TEST_CASE("server connection and stream limits are read with dskit's defaults") {
  auto d = must_load("");
  CHECK(d.server.http_listen_conn_limit == 0);
  CHECK(d.server.grpc_listen_conn_limit == 0);
  CHECK(d.server.grpc_server_max_concurrent_streams == 100);
  auto c = must_load(
      "server:\n  http_listen_conn_limit: 50\n  grpc_server_max_concurrent_streams: 7\n");
  CHECK(c.server.http_listen_conn_limit == 50);
  CHECK(c.server.grpc_server_max_concurrent_streams == 7);
  CHECK(c.warnings.empty());
}

TEST_CASE("an empty file loads as all defaults") {
  for (const char* text : {"", "# only a comment\n", "---\n"}) {
    auto c = must_load(text);
    CHECK(c.server.http_listen_port == 3200);
    CHECK(c.warnings.empty());
  }
}

TEST_CASE("every shipped fixture config loads with the values it sets") {
  if (!std::filesystem::exists(kFixtures)) {
    WARN("fixtures not found at " << kFixtures << "; skipping");
    return;
  }
  config::LoadOptions o;
  o.expand_env = true;
  ::unsetenv("S3_ACCESS_KEY");
  ::unsetenv("S3_SECRET_KEY");

  SECTION("every file in the folder loads and validates") {
    int files = 0;
    for (const auto& e : std::filesystem::directory_iterator(kFixtures)) {
      INFO(e.path().string());
      config::Config c;
      Status s = config::load_file(e.path().string(), o, &c);
      INFO(s.to_string());
      CHECK(s.is_ok());
      CHECK(config::validate(c).is_ok());
      ++files;
    }
    CHECK(files >= 4);
  }

  SECTION("minimal-local.yaml") {
    config::Config c;
    REQUIRE(config::load_file(kFixtures + "/minimal-local.yaml", o, &c).is_ok());
    CHECK(c.server.http_listen_port == 3200);
    CHECK(c.server.grpc_listen_port == 4317);
    CHECK(c.distributor.receivers.otlp.enabled);
    CHECK(c.distributor.receivers.otlp.grpc.enabled);
    CHECK(c.distributor.receivers.otlp.http.enabled);
    CHECK(c.distributor.receivers.otlp.grpc.endpoint == "0.0.0.0:4317");
    CHECK(c.distributor.receivers.otlp.http.endpoint == "0.0.0.0:4318");
    CHECK_FALSE(c.distributor.receivers.zipkin.enabled);
    CHECK(c.ingester.max_block_duration == 5min);
    CHECK(c.ingester.trace_idle_period == 10s);  // default
    CHECK(c.compactor.block_retention == 1h);
    CHECK(c.storage.trace.backend == "local");
    CHECK(c.storage.trace.local.path == "/var/tempo/traces");
    CHECK(c.storage.trace.wal.path == "/var/tempo/wal");
    CHECK(c.warnings.empty());  // everything it sets is acted on
  }

  SECTION("local-30d.yaml") {
    config::Config c;
    REQUIRE(config::load_file(kFixtures + "/local-30d.yaml", o, &c).is_ok());
    CHECK(c.ingester.trace_idle_period == 10s);
    CHECK(c.ingester.max_block_bytes == 1000000);  // written 1_000_000
    CHECK(c.ingester.max_block_duration == 5min);
    CHECK(c.compactor.block_retention == 720h);
    CHECK(c.server.grpc_listen_port == 9095);
    CHECK(c.warnings.empty());
  }

  SECTION("all-receivers-s3.yaml") {
    config::Config c;
    REQUIRE(config::load_file(kFixtures + "/all-receivers-s3.yaml", o, &c).is_ok());
    const auto& rc = c.distributor.receivers;
    CHECK(c.server.http_listen_port == 3100);
    CHECK(rc.otlp.grpc.endpoint == "0.0.0.0:4317");
    CHECK(rc.zipkin.enabled);
    CHECK(rc.zipkin.endpoint == "0.0.0.0:9411");
    CHECK(rc.jaeger_grpc.endpoint == "0.0.0.0:14250");
    CHECK(rc.jaeger_thrift_http.endpoint == "0.0.0.0:14268");
    CHECK(rc.jaeger_thrift_compact.endpoint == "0.0.0.0:6831");
    CHECK(rc.jaeger_thrift_binary.endpoint == "0.0.0.0:6832");
    CHECK(rc.opencensus.enabled);
    CHECK(rc.opencensus.endpoint == "0.0.0.0:55678");
    CHECK_FALSE(rc.kafka.enabled);
    CHECK(c.ingester.max_block_duration == 5min);
    CHECK(c.compactor.block_retention == 720h);
    CHECK(c.compactor.compaction_window == 2h);
    CHECK(c.querier.max_concurrent_queries == 20);
    CHECK(c.storage.trace.backend == "s3");
    CHECK(c.storage.trace.s3.bucket == "tempo-traces");
    CHECK(c.storage.trace.s3.endpoint == "rook-ceph-rgw.rook-ceph.svc:80");
    CHECK(c.storage.trace.s3.region == "us-east-1");
    CHECK(c.storage.trace.s3.access_key.empty());  // ${S3_ACCESS_KEY} unset
    CHECK(c.storage.trace.s3.insecure);
    CHECK(c.storage.trace.s3.forcepathstyle);
    CHECK(c.overrides.ingestion_rate_limit_bytes == 15000000);
    CHECK(c.overrides.ingestion_burst_size_bytes == 20000000);
    CHECK(c.overrides.max_traces_per_user == 10000);
    CHECK(c.overrides.max_bytes_per_trace == 5000000);
    CHECK(c.overrides.metrics_generator_processors ==
          std::vector<std::string>{"service-graphs", "span-metrics"});
    // Recognised but not run: one warning per receiver, backend block and feature.
    for (const char* key :
         {"distributor.receivers.opencensus", "query_frontend.search.duration_slo",
          "query_frontend.trace_by_id.duration_slo", "querier.max_concurrent_queries"}) {
      INFO(key);
      CHECK(warned(c, key));
    }
    CHECK_FALSE(warned(c, "storage.trace.s3.bucket"));
    // Run by this build: no warning.
    for (const char* key : {"overrides.defaults.global.max_bytes_per_trace",
                            "distributor.receivers.zipkin", "distributor.receivers.zipkin.endpoint",
                            "distributor.receivers.jaeger.protocols.grpc",
                            "distributor.receivers.jaeger.protocols.thrift_compact",
                            "distributor.receivers.otlp", "storage.trace.s3", "storage.trace.backend",
                            "compactor.compaction.compaction_window",
                            "metrics_generator.storage.path",
                            "metrics_generator.storage.remote_write",
                            "metrics_generator.processor.span_metrics",
                            "metrics_generator.processor.service_graphs",
                            "overrides.defaults.metrics_generator.processors"}) {
      INFO(key);
      CHECK_FALSE(warned(c, key));
    }
    CHECK_FALSE(warned(c, "overrides.defaults.ingestion.rate_limit_bytes"));
  }

  SECTION("s3-zipkin-otlp-generator.yaml with the environment set") {
    ::setenv("S3_ENDPOINT", "minio.local:9000", 1);
    ::setenv("S3_ACCESS_KEY", "AKIA", 1);
    config::Config c;
    Status s = config::load_file(kFixtures + "/s3-zipkin-otlp-generator.yaml", o, &c);
    ::unsetenv("S3_ENDPOINT");
    ::unsetenv("S3_ACCESS_KEY");
    REQUIRE(s.is_ok());
    CHECK_FALSE(c.multitenancy_enabled);
    CHECK_FALSE(c.usage_report.reporting_enabled);
    CHECK(c.server.log_level == "info");
    CHECK(c.storage.trace.s3.endpoint == "minio.local:9000");
    CHECK(c.storage.trace.s3.access_key == "AKIA");
    CHECK(c.storage.trace.s3.bucket == "tempo");
    CHECK(c.distributor.receivers.zipkin.enabled);
    CHECK(c.distributor.receivers.otlp.http.enabled);
    CHECK(c.ingester.trace_idle_period == 10s);
    CHECK(c.ingester.max_block_duration == 30min);
    CHECK(c.compactor.block_retention == 336h);
    // The generator's processors and registry run in this build.
    CHECK_FALSE(warned(c, "metrics_generator.registry.external_labels"));
    CHECK_FALSE(warned(c, "metrics_generator.processor.span_metrics"));
    CHECK_FALSE(warned(c, "metrics_generator.processor.span_metrics.dimensions"));
    CHECK(c.metrics_generator.registry.external_labels ==
          std::map<std::string, std::string>{{"cluster", "kubernetes"}, {"source", "tempo"}});
    CHECK(c.metrics_generator.span_metrics.dimensions ==
          std::vector<std::string>{"http.method", "http.status_code"});
    CHECK(c.metrics_generator.service_graphs.dimensions == std::vector<std::string>{"http.method"});
  }
}

TEST_CASE("unknown keys fail with their full dotted path and line") {
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
      {"distributor:\n  receivers:\n    otpl:\n", "distributor.receivers.otpl", 3},
      {"distributor:\n  receivers:\n    jaeger:\n      protocols:\n        thrift_udp:\n",
       "distributor.receivers.jaeger.protocols.thrift_udp", 5},
      {std::string(kLocal) + "    locl:\n      path: /x\n", "storage.trace.locl", 6},
      {"storage:\n  trace:\n    s3:\n      buckt: b\n", "storage.trace.s3.buckt", 4},
      {"storage:\n  traces:\n    backend: local\n", "storage.traces", 2},
      {"ingester:\n  max_block_duraton: 5m\n", "ingester.max_block_duraton", 2},
      {"compactor:\n  compaction:\n    retention: 1h\n", "compactor.compaction.retention", 3},
      {"metrics_generator:\n  procesor:\n    span_metrics: {}\n", "metrics_generator.procesor", 2},
      {"metrics_generator:\n  processor:\n    span_metric: {}\n",
       "metrics_generator.processor.span_metric", 3},
      {"metrics_generator:\n  storage:\n    remote_writes: []\n",
       "metrics_generator.storage.remote_writes", 3},
      {"query_frontend:\n  search:\n    duration_sloo: 5s\n", "query_frontend.search.duration_sloo",
       3},
      {"querier:\n  max_concurent_queries: 5\n", "querier.max_concurent_queries", 2},
      {"overrides:\n  defaults:\n    ingestion:\n      rate_limit: 1\n",
       "overrides.defaults.ingestion.rate_limit", 4},
      {"overrides:\n  ingestion_rate_limit: 1\n", "overrides.ingestion_rate_limit", 2},
      {"overrides:\n  single-tenant:\n    max_bytes_per_trace: 1\n", "overrides.single-tenant", 2},
      {"memberlist:\n  join_member: [a]\n", "memberlist.join_member", 2},
      {"usage_report:\n  enabled: false\n", "usage_report.enabled", 2},
      {"live_store:\n  max_trace_idel: 5s\n", "live_store.max_trace_idel", 2},
      {"backend_worker:\n  compactions: {}\n", "backend_worker.compactions", 2},
      {"cache:\n  caches:\n    - roles: [bloom]\n      memcache: {}\n", "cache.caches[0].memcache",
       4},
      {"# comment\n\nserver:\n  http_listen_port: 1\n\n\ningestor:\n  x: 1\n", "ingestor", 7},
  };
  for (const auto& c : cases) {
    INFO(c.yaml);
    Status s = load_error(c.yaml);
    INFO(s.message());
    REQUIRE(s.is(Status::Code::kInvalidArgument));
    CHECK(s.message().rfind("line " + std::to_string(c.line) + ": unknown key \"" + c.path +
                                "\" in config",
                            0) == 0);
  }
}

TEST_CASE("load_file names the file in an unknown-key error") {
  auto dir = std::filesystem::temp_directory_path() / "tempo_config_loader_test";
  std::filesystem::create_directories(dir);
  auto file = dir / "tempo.yaml";
  std::ofstream(file) << "server:\n  http_listen_port: 3200\n\ndistributor:\n  recievers: {}\n";
  config::Config c;
  Status s = config::load_file(file.string(), {}, &c);
  std::filesystem::remove_all(dir);
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.message().rfind("line 5: unknown key \"distributor.recievers\" in tempo.yaml", 0) == 0);
  CHECK_FALSE(config::load_file("/does/not/exist.yaml", {}, &c).is_ok());
}

TEST_CASE("values of the wrong type fail with key, line and reason") {
  struct Case {
    std::string yaml, needle;
    int line;
  };
  const std::vector<Case> cases = {
      {"server:\n  grpc_listen_port: 1\n\n  http_listen_port: abc\n",
       "config key \"server.http_listen_port\" must be an integer, got \"abc\"", 4},
      {"server:\n  http_listen_port: 80.5\n", "must be an integer", 2},
      {"server:\n  http_listen_port: 99999999999\n", "fits in 32 bits", 2},
      {"server:\n  http_listen_port: {a: 1}\n", "got a map", 2},
      {"server:\n  http_listen_port: [1]\n", "got a list", 2},
      {"server:\n  log_level: [info]\n", "\"server.log_level\" must be a string", 2},
      {"server: [1, 2]\n", "\"server\" must be a map of keys, got a list", 1},
      {"server: 3200\n", "\"server\" must be a map of keys, got a single value", 1},
      {"distributor:\n  receivers:\n    otlp: yes\n", "\"distributor.receivers.otlp\" must be a map",
       3},
      {"ingester:\n  max_block_duration: 5 minutes\n",
       "config key \"ingester.max_block_duration\": unknown unit", 2},
      {"ingester:\n  trace_idle_period: 10\n", "missing unit in duration \"10\"", 2},
      {"ingester:\n  trace_idle_period: 1d\n", "unknown unit \"d\"", 2},
      {"ingester:\n  trace_idle_period: {s: 1}\n", "must be a duration", 2},
      {"compactor:\n  compaction:\n    block_retention: two weeks\n", "block_retention", 3},
      {"ingester:\n  max_block_bytes: 500MB\n", "must be an integer, got \"500MB\"", 2},
      {"multitenancy_enabled: maybe\n", "must be true or false, got \"maybe\"", 1},
      {"storage:\n  trace:\n    block:\n      bloom_filter_false_positive: low\n", "a number", 4},
      {"overrides:\n  metrics_generator_processors: span-metrics\n", "a list of strings", 2},
      {"overrides:\n  block_retention: 14 days\n", "use 336h, 14d or 2w", 2},
      {"cache:\n  caches: {roles: [bloom]}\n", "\"cache.caches\" must be a list", 2},
      {"a: [unclosed\n", "invalid YAML", 2},
      {"server:\n  http_listen_port: 1\n  http_listen_port: 2\n",
       "key \"server.http_listen_port\" is given twice", 3},
  };
  for (const auto& c : cases) {
    INFO(c.yaml);
    Status s = load_error(c.yaml);
    INFO(s.message());
    REQUIRE(s.is(Status::Code::kInvalidArgument));
    CHECK(s.message().find(c.needle) != std::string::npos);
    CHECK(s.message().rfind("line " + std::to_string(c.line) + ":", 0) == 0);
  }
}

TEST_CASE("integers take YAML and Go spellings") {
  struct Case {
    const char* text;
    int64_t want;
  };
  const Case cases[] = {{"1000000", 1000000}, {"1_000_000", 1000000}, {"15e6", 15000000},
                        {"0x10", 16},         {"+5", 5},              {"-1", -1}};
  for (const auto& tc : cases) {
    INFO(tc.text);
    auto c = must_load(std::string("ingester:\n  max_block_bytes: ") + tc.text + "\n");
    CHECK(c.ingester.max_block_bytes == tc.want);
  }
}

TEST_CASE("known keys this build does not act on load with exactly one warning each") {
  auto c = must_load(
      "query_frontend:\n  search:\n    duration_slo: 5s\n    concurrent_jobs: 10\n"
      "metrics_generator:\n  processor:\n    host_info: {}\n"
      "ingester:\n  trace_live_period: 1m\n  max_block_duration: 1m\n  lifecycler:\n"
      "    ring:\n      replication_factor: 1\n"
      "memberlist:\n"
      "server:\n  http_listen_port: 3200\n  grpc_server_keepalive_time: 1m\n"
      "internal_server:\n  http_tls_config:\n    cert_file: /a\n    key_file: /b\n");
  const std::vector<std::string> want = {
      "query_frontend.search.duration_slo", "query_frontend.search.concurrent_jobs",
      "metrics_generator.processor.host_info", "ingester.trace_live_period",
      "ingester.lifecycler", "memberlist", "server.grpc_server_keepalive_time",
      "internal_server.http_tls_config"};
  for (const auto& key : want) {
    INFO(key);
    CHECK(warning_for(c, key) ==
          "config key \"" + key + "\" is accepted but not yet supported; it has no effect");
  }
  CHECK(c.warnings.size() == want.size());
  CHECK(c.ingester.max_block_duration == 1min);
  CHECK(c.ingester.trace_live_period == 1min);  // parsed all the same
}

TEST_CASE("zipkin and jaeger receivers load silently, kafka and other backends with a warning") {
  auto c = must_load(
      "distributor:\n  receivers:\n    zipkin:\n    jaeger:\n      protocols:\n"
      "        thrift_http:\n        grpc:\n          endpoint: 0.0.0.0:14250\n"
      "    kafka:\n      brokers: [k:9092]\n      topic: spans\n"
      "storage:\n  trace:\n    backend: gcs\n    gcs:\n      bucket_name: b\n");
  const auto& rc = c.distributor.receivers;
  CHECK(rc.zipkin.enabled);
  CHECK(rc.zipkin.endpoint == "localhost:9411");
  CHECK(rc.jaeger_thrift_http.enabled);
  CHECK(rc.jaeger_thrift_http.endpoint == "localhost:14268");
  CHECK(rc.jaeger_grpc.endpoint == "0.0.0.0:14250");
  CHECK_FALSE(rc.jaeger_thrift_compact.enabled);
  CHECK(rc.kafka.enabled);
  CHECK_FALSE(rc.otlp.enabled);
  for (const char* key : {"distributor.receivers.kafka", "storage.trace.gcs"}) {
    INFO(key);
    CHECK(warned(c, key));
  }
  for (const char* key : {"distributor.receivers.zipkin", "distributor.receivers.jaeger.protocols.thrift_http",
                          "distributor.receivers.jaeger.protocols.grpc"}) {
    INFO(key);
    CHECK_FALSE(warned(c, key));
  }
  CHECK(warning_for(c, "storage.trace.backend").find("value \"gcs\"") != std::string::npos);
  CHECK(c.warnings.size() == 3);
  // A jaeger key with no protocols is an error, as in the OpenTelemetry Collector.
  tempo::config::Config bare;
  auto s = tempo::config::load_string("distributor:\n  receivers:\n    jaeger:\n", {}, &bare);
  CHECK(s.is(tempo::Status::Code::kInvalidArgument));
  CHECK(s.message() ==
        "distributor.receivers.jaeger must list at least one of protocols.grpc, "
        "protocols.thrift_http, protocols.thrift_compact, protocols.thrift_binary");
}

TEST_CASE("otlp receiver: presence enables it, protocols select transports") {
  SECTION("otlp alone: both protocols with default endpoints") {
    auto c = must_load("distributor:\n  receivers:\n    otlp:\n");
    const auto& otlp = c.distributor.receivers.otlp;
    CHECK(otlp.enabled);
    CHECK(otlp.grpc.enabled);
    CHECK(otlp.http.enabled);
    CHECK(otlp.grpc.endpoint == "localhost:4317");
    CHECK(otlp.http.endpoint == "localhost:4318");
    CHECK(otlp.grpc.max_recv_msg_size_mib == 4);
    CHECK(otlp.http.max_request_body_size == 20 * 1024 * 1024);
    CHECK(c.warnings.empty());
  }
  SECTION("protocols with null values enable both") {
    auto c = must_load("distributor:\n  receivers:\n    otlp:\n      protocols:\n"
                       "        grpc:\n        http:\n");
    CHECK(c.distributor.receivers.otlp.grpc.enabled);
    CHECK(c.distributor.receivers.otlp.http.enabled);
    CHECK(c.distributor.receivers.otlp.grpc.endpoint == "localhost:4317");
  }
  SECTION("only the listed protocol") {
    auto c = must_load("distributor:\n  receivers:\n    otlp:\n      protocols:\n"
                       "        grpc:\n          endpoint: 0.0.0.0:5317\n"
                       "          max_recv_msg_size_mib: 16\n");
    CHECK(c.distributor.receivers.otlp.grpc.enabled);
    CHECK_FALSE(c.distributor.receivers.otlp.http.enabled);
    CHECK(c.distributor.receivers.otlp.grpc.endpoint == "0.0.0.0:5317");
    CHECK(c.distributor.receivers.otlp.grpc.max_recv_msg_size_mib == 16);
  }
  SECTION("collector settings the receiver does not use are warned about, not refused") {
    auto c = must_load("distributor:\n  receivers:\n    otlp:\n      protocols:\n        http:\n"
                       "          max_request_body_size: 1048576\n"
                       "          cors:\n            allowed_origins: ['*']\n"
                       "          some_future_setting: 1\n");
    CHECK(c.distributor.receivers.otlp.http.max_request_body_size == 1048576);
    CHECK(warned(c, "distributor.receivers.otlp.protocols.http.cors"));
    CHECK(warned(c, "distributor.receivers.otlp.protocols.http.some_future_setting"));
    CHECK(c.warnings.size() == 2);
  }
}

TEST_CASE("legacy flat and scoped overrides map onto the same settings") {
  auto legacy = must_load(
      "overrides:\n  ingestion_rate_limit_bytes: 7\n  ingestion_burst_size_bytes: 8\n"
      "  max_traces_per_user: 9\n  max_bytes_per_trace: 123\n  block_retention: 14d\n"
      "  metrics_generator_processors: [span-metrics]\n"
      "  per_tenant_override_config: /conf/overrides.yaml\n");
  auto scoped = must_load(
      "overrides:\n  defaults:\n    ingestion:\n      rate_limit_bytes: 7\n"
      "      burst_size_bytes: 8\n      max_traces_per_user: 9\n"
      "    global:\n      max_bytes_per_trace: 123\n"
      "    compaction:\n      block_retention: 336h\n"
      "    metrics_generator:\n      processors: [span-metrics]\n"
      "  per_tenant_override_config: /conf/overrides.yaml\n");
  for (const auto* c : {&legacy, &scoped}) {
    CHECK(c->overrides.ingestion_rate_limit_bytes == 7);
    CHECK(c->overrides.ingestion_burst_size_bytes == 8);
    CHECK(c->overrides.max_traces_per_user == 9);
    CHECK(c->overrides.max_bytes_per_trace == 123);
    CHECK(c->overrides.block_retention == 336h);
    CHECK(c->overrides.metrics_generator_processors == std::vector<std::string>{"span-metrics"});
    // Read and acted on (the runtime overrides file, runtime_overrides_test.cc).
    CHECK_FALSE(warned(*c, "overrides.per_tenant_override_config"));
    CHECK(c->per_tenant_overrides.path == "/conf/overrides.yaml");
    CHECK(c->per_tenant_overrides.period == 10s);
  }
  CHECK_FALSE(warned(legacy, "overrides.ingestion_rate_limit_bytes"));
  CHECK_FALSE(warned(legacy, "overrides.max_bytes_per_trace"));
  CHECK_FALSE(warned(scoped, "overrides.defaults.ingestion.rate_limit_bytes"));
  CHECK_FALSE(warned(scoped, "overrides.defaults.ingestion.max_traces_per_user"));

  auto both = must_load("overrides:\n  ingestion_rate_limit_bytes: 1\n"
                        "  defaults:\n    ingestion:\n      rate_limit_bytes: 2\n");
  CHECK(both.overrides.ingestion_rate_limit_bytes == 2);
}

TEST_CASE("auth_enabled is the legacy spelling of multitenancy_enabled") {
  CHECK(must_load("auth_enabled: true\n").multitenancy_enabled);
  CHECK(must_load("multitenancy_enabled: true\n").multitenancy_enabled);
  CHECK_FALSE(must_load("auth_enabled: true\nmultitenancy_enabled: false\n").multitenancy_enabled);
}

TEST_CASE("the Tempo 3.x dialect maps onto the same modules as 2.x") {
  const std::string v3 =
      "live_store:\n  max_trace_idle: 7s\n  max_block_duration: 30s\n  max_block_bytes: 52428800\n"
      "  complete_block_concurrency: 2\n  wal:\n    path: /data/live-store\n"
      "  fail_on_high_lag: true\n"
      "backend_worker:\n  compaction:\n    block_retention: 48h\n"
      "backend_scheduler:\n  provider:\n    retention:\n      interval: 1h\n"
      "memory:\n  automemlimit_enabled: true\n"
      "storage:\n  trace:\n    backend: local\n    local:\n      path: /tmp/x\n";
  const std::string v2 =
      "ingester:\n  trace_idle_period: 7s\n  max_block_duration: 30s\n  max_block_bytes: 52428800\n"
      "  concurrent_flushes: 2\n"
      "compactor:\n  compaction:\n    block_retention: 48h\n"
      "storage:\n  trace:\n    backend: local\n    local:\n      path: /tmp/x\n"
      "    wal:\n      path: /data/live-store\n";
  auto a = must_load(v3), b = must_load(v2);
  for (const auto* c : {&a, &b}) {
    CHECK(c->ingester.trace_idle_period == 7s);
    CHECK(c->ingester.max_block_duration == 30s);
    CHECK(c->ingester.max_block_bytes == 52428800);
    CHECK(c->ingester.concurrent_flushes == 2);
    CHECK(c->storage.trace.wal.path == "/data/live-store");
    CHECK(c->compactor.block_retention == 48h);
    CHECK(config::validate(*c).is_ok());
  }
  CHECK(a.mapped.size() == 6);
  CHECK(std::find(a.mapped.begin(), a.mapped.end(),
                  "live_store.max_trace_idle -> ingester.trace_idle_period") != a.mapped.end());
  CHECK(warned(a, "live_store.fail_on_high_lag"));
  CHECK(warned(a, "backend_scheduler.provider.retention.interval"));
  CHECK(warned(a, "memory.automemlimit_enabled"));
  CHECK(a.warnings.size() == 3);
  CHECK(b.mapped.empty());
  CHECK(b.warnings.empty());

  auto sched = must_load("backend_scheduler:\n  provider:\n    compaction:\n      compaction:\n"
                         "        block_retention: 72h\n");
  CHECK(sched.compactor.block_retention == 72h);

  Status s =
      load_error("ingester:\n  max_block_duration: 2m\nlive_store:\n  max_block_duration: 1m\n");
  REQUIRE(s.is(Status::Code::kInvalidArgument));
  CHECK(s.message().rfind("line 4:", 0) == 0);
  CHECK(s.message().find("conflicts with \"ingester.max_block_duration\" (line 2)") !=
        std::string::npos);
  // The same value under both names is not a conflict.
  auto same = must_load("ingester:\n  max_block_duration: 1m\nlive_store:\n  max_block_duration: 1m\n");
  CHECK(same.ingester.max_block_duration == 1min);
  // A bad value under a 3.x name is reported at its own line.
  Status bad = load_error("live_store:\n  max_trace_idle: soon\n");
  CHECK(bad.message().rfind("line 2:", 0) == 0);
}

// Tempo 3.x (v3.0.3 -config.verify accepts this) has a WAL for the live store and another
// for its other components; both set to different directories is a valid 3.x config.
TEST_CASE("live_store.wal.path and storage.trace.wal.path may differ: the live store's wins") {
  auto c = must_load(
      "storage:\n  trace:\n    backend: local\n    local:\n      path: /tmp/t/blocks\n"
      "    wal:\n      path: /tmp/t/wal\n"
      "live_store:\n  wal:\n    path: /tmp/t/live-store/wal\n");
  CHECK(c.storage.trace.wal.path == "/tmp/t/live-store/wal");
  REQUIRE(c.mapped.size() == 1);
  CHECK(c.mapped[0].rfind("live_store.wal.path -> storage.trace.wal.path (replaces \"/tmp/t/wal\"",
                          0) == 0);
  // Alone, either key sets the ingester's WAL.
  CHECK(must_load("live_store:\n  wal:\n    path: /tmp/t/ls\n").storage.trace.wal.path ==
        "/tmp/t/ls");
  CHECK(must_load("storage:\n  trace:\n    wal:\n      path: /tmp/t/w\n").storage.trace.wal.path ==
        "/tmp/t/w");
}

TEST_CASE("the shipped config/tempo.yaml loads without warnings") {
  config::Config c;
  Status s = config::load_file(std::string(TEMPO_SOURCE_DIR) + "/config/tempo.yaml", {}, &c);
  INFO(s.to_string());
  REQUIRE(s.is_ok());
  CHECK(config::validate(c).is_ok());
  CHECK(c.warnings.empty());
  CHECK(c.distributor.receivers.otlp.grpc.endpoint == "0.0.0.0:4317");
}

TEST_CASE("compactor.compaction keys and their 3.x twins set the compactor") {
  using namespace std::chrono_literals;
  const std::string body =
      "    compaction_window: 2h\n    compaction_cycle: 10s\n    max_compaction_objects: 1000\n"
      "    max_block_bytes: 5000000\n    block_retention: 48h\n"
      "    compacted_block_retention: 5m\n    retention_concurrency: 3\n";
  const std::string spellings[] = {
      "compactor:\n  compaction:\n" + body,
      "backend_worker:\n  compaction:\n" + body,
      "backend_scheduler:\n  provider:\n    compaction:\n      compaction:\n" +
          [&] {
            std::string indented;
            size_t start = 0;
            while (start < body.size()) {
              size_t nl = body.find('\n', start);
              indented += "    " + body.substr(start, nl - start + 1);
              start = nl + 1;
            }
            return indented;
          }(),
  };
  for (const auto& yaml : spellings) {
    INFO(yaml);
    auto c = must_load(yaml + "storage:\n  trace:\n    backend: local\n    local:\n      path: /x\n");
    CHECK(c.compactor.compaction_window == 2h);
    CHECK(c.compactor.compaction_cycle == 10s);
    CHECK(c.compactor.max_compaction_objects == 1000);
    CHECK(c.compactor.max_block_bytes == 5000000);
    CHECK(c.compactor.block_retention == 48h);
    CHECK(c.compactor.compacted_block_retention == 5min);
    CHECK(c.compactor.retention_concurrency == 3);
    CHECK(c.warnings.empty());
    CHECK(config::validate(c).is_ok());
  }
  auto d = must_load("");
  CHECK(d.compactor.compaction_cycle == 30s);
  CHECK(d.compactor.max_compaction_objects == 6000000);
  CHECK(d.compactor.retention_concurrency == 10);
  auto zero = must_load(
      "compactor:\n  compaction:\n    compaction_cycle: 0s\n"
      "storage:\n  trace:\n    backend: local\n    local:\n      path: /x\n");
  CHECK(config::validate(zero).message().find("compaction_cycle must be positive") !=
        std::string::npos);
}

TEST_CASE("min_input_blocks and max_input_blocks: Tempo 3.x's keys and this build's 2.x spelling") {
  const std::string storage = "storage:\n  trace:\n    backend: local\n    local:\n      path: /x\n";
  auto d = must_load("");
  CHECK(d.compactor.min_input_blocks == 2);  // Tempo's defaultMinInputBlocks
  CHECK(d.compactor.max_input_blocks == 8);  // and defaultMaxInputBlocks
  const std::string spellings[] = {
      "compactor:\n  min_input_blocks: 4\n  max_input_blocks: 16\n",
      "backend_scheduler:\n  provider:\n    compaction:\n      min_input_blocks: 4\n"
      "      max_input_blocks: 16\n",
  };
  for (const auto& yaml : spellings) {
    INFO(yaml);
    auto c = must_load(yaml + storage);
    CHECK(c.compactor.min_input_blocks == 4);
    CHECK(c.compactor.max_input_blocks == 16);
    CHECK(c.warnings.empty());
    CHECK(config::validate(c).is_ok());
  }
  // Out of range: fewer than two, more than 32 (one row group each in memory), max below min.
  const std::pair<std::string, std::string> bad[] = {
      {"compactor:\n  min_input_blocks: 1\n", "min_input_blocks"},
      {"compactor:\n  max_input_blocks: 33\n", "max_input_blocks"},
      {"compactor:\n  min_input_blocks: 6\n  max_input_blocks: 4\n", "max_input_blocks"},
  };
  for (const auto& [yaml, key] : bad) {
    INFO(yaml);
    auto c = must_load(yaml + storage);
    const Status s = config::validate(c);
    CHECK(s.is(Status::Code::kInvalidArgument));
    CHECK(s.message().find(key) != std::string::npos);
  }
}
