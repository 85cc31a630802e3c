#include <catch2/catch.hpp>

#include <functional>

#include "tempo/config/config.h"

using namespace std::chrono_literals;
using tempo::config::Config;
using tempo::config::validate;

namespace {

Config valid_local() {
  Config c;
  c.storage.trace.backend = "local";
  c.storage.trace.local.path = "/var/tempo/traces";
  return c;
}

}  // namespace

TEST_CASE("validate accepts a complete local config and each known backend") {
  CHECK(validate(valid_local()).is_ok());
  Config s3 = valid_local();
  s3.storage.trace.backend = "s3";
  s3.storage.trace.s3.bucket = "b";
  CHECK(validate(s3).is_ok());
  Config gcs = valid_local();
  gcs.storage.trace.backend = "gcs";
  CHECK(validate(gcs).is_ok());
}

TEST_CASE("validate names the setting a running server lacks") {
  struct Case {
    const char* name;
    std::function<void(Config&)> breakit;
    const char* needle;
  };
  const std::vector<Case> cases = {
      {"no backend", [](Config& c) { c.storage.trace.backend.clear(); }, "storage.trace.backend"},
      {"unknown backend", [](Config& c) { c.storage.trace.backend = "ftp"; }, "\"ftp\" is unknown"},
      {"local without path", [](Config& c) { c.storage.trace.local.path.clear(); },
       "storage.trace.local.path"},
      {"s3 without bucket",
       [](Config& c) { c.storage.trace.backend = "s3"; }, "storage.trace.s3.bucket"},
      {"no wal path", [](Config& c) { c.storage.trace.wal.path.clear(); }, "wal.path"},
      {"http port too large", [](Config& c) { c.server.http_listen_port = 70000; },
       "server.http_listen_port 70000"},
      {"grpc port negative", [](Config& c) { c.server.grpc_listen_port = -1; },
       "server.grpc_listen_port -1"},
      {"log level", [](Config& c) { c.server.log_level = "verbose"; }, "server.log_level"},
      {"grpc conn limit negative", [](Config& c) { c.server.grpc_listen_conn_limit = -1; },
       "server.grpc_listen_conn_limit must not be negative"},
      {"grpc conn limit with tls",
       [](Config& c) {
         c.server.grpc_listen_conn_limit = 100;
         c.distributor.receivers.otlp.grpc.tls.enabled = true;
         c.distributor.receivers.otlp.grpc.tls.key_path =
             "distributor.receivers.otlp.protocols.grpc.tls";
       },
       "grpc_listen_conn_limit cannot be applied together with "
       "distributor.receivers.otlp.protocols.grpc.tls"},
      {"grpc streams", [](Config& c) { c.server.grpc_server_max_concurrent_streams = -1; },
       "grpc_server_max_concurrent_streams"},
      {"job size", [](Config& c) { c.query_frontend.search.target_bytes_per_job = -1; },
       "target_bytes_per_job must not be negative"},
      {"query size", [](Config& c) { c.query_frontend.max_query_expression_size_bytes = -1; },
       "max_query_expression_size_bytes"},
      {"packet size", [](Config& c) { c.query_frontend.max_grpc_streaming_packet_size = -5; },
       "max_grpc_streaming_packet_size"},
      {"tag values bytes", [](Config& c) { c.overrides.max_bytes_per_tag_values_query = -1; },
       "max_bytes_per_tag_values_query"},
      {"log format", [](Config& c) { c.server.log_format = "xml"; }, "server.log_format"},
      {"bloom fp", [](Config& c) { c.storage.trace.block.bloom_filter_false_positive = 1.5; },
       "bloom_filter_false_positive"},
      {"bloom shard", [](Config& c) { c.storage.trace.block.bloom_filter_shard_size_bytes = 0; },
       "bloom_filter_shard_size_bytes"},
      {"otlp grpc size",
       [](Config& c) { c.distributor.receivers.otlp.grpc.max_recv_msg_size_mib = 0; },
       "max_recv_msg_size_mib"},
      {"otlp http size",
       [](Config& c) { c.distributor.receivers.otlp.http.max_request_body_size = -1; },
       "max_request_body_size"},
      {"block bytes", [](Config& c) { c.ingester.max_block_bytes = 0; }, "ingester.max_block_bytes"},
      {"block duration", [](Config& c) { c.ingester.max_block_duration = 0s; },
       "ingester.max_block_duration"},
      {"flush period", [](Config& c) { c.ingester.flush_check_period = -1s; },
       "ingester.flush_check_period"},
      {"idle period", [](Config& c) { c.ingester.trace_idle_period = 0s; },
       "ingester.trace_idle_period"},
      {"flushes", [](Config& c) { c.ingester.concurrent_flushes = 0; }, "concurrent_flushes"},
      {"retention", [](Config& c) { c.compactor.block_retention = -1h; }, "block_retention"},
      {"rate limit", [](Config& c) { c.overrides.ingestion_rate_limit_bytes = 0; },
       "rate_limit_bytes"},
      {"target", [](Config& c) { c.target = "everything"; }, "target \"everything\""},
  };
  for (const auto& tc : cases) {
    INFO(tc.name);
    Config c = valid_local();
    tc.breakit(c);
    tempo::Status s = validate(c);
    REQUIRE(s.is(tempo::Status::Code::kInvalidArgument));
    CHECK(s.message().find(tc.needle) != std::string::npos);
  }
}
