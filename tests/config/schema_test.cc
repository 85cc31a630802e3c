#include <catch2/catch.hpp>

#include <sstream>

#include "config/schema.h"

using tempo::config::SchemaNode;
using tempo::config::tempo_schema;

namespace {

const SchemaNode* find(const std::string& path) {
  const SchemaNode* n = &tempo_schema();
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '.')) {
    if (part == "[]") {
      if (n->kind != SchemaNode::Kind::kList) return nullptr;
      n = n->item.get();
      continue;
    }
    auto it = n->children.find(part);
    if (it == n->children.end()) return nullptr;
    n = &it->second;
  }
  return n;
}

}  // namespace

TEST_CASE("the schema knows Tempo's top-level blocks, 2.x and 3.x") {
  for (const char* key :
       {"target", "multitenancy_enabled", "auth_enabled", "http_api_prefix",
        "stream_over_http_enabled", "shutdown_delay", "enable_go_runtime_metrics", "memory",
        "server", "internal_server", "distributor", "ingester", "ingester_client", "live_store",
        "live_store_client", "compactor", "backend_scheduler", "backend_scheduler_client",
        "backend_worker", "block_builder", "ingest", "metrics_generator",
        "metrics_generator_client", "query_frontend", "querier", "storage", "overrides",
        "memberlist", "usage_report", "cache"}) {
    INFO(key);
    CHECK(find(key) != nullptr);
  }
  CHECK(tempo_schema().kind == SchemaNode::Kind::kMap);
  CHECK(find(".templates") == nullptr);
}

TEST_CASE("every key the server reads is marked acted, and its parents with it") {
  for (const char* key : {"target",
                          "multitenancy_enabled",
                          "auth_enabled",
                          "http_api_prefix",
                          "stream_over_http_enabled",
                          "server.grpc_listen_address",
                          "query_frontend.search.default_result_limit",
                          "query_frontend.search.max_result_limit",
                          "query_frontend.search.default_spans_per_span_set",
                          "query_frontend.search.max_spans_per_span_set",
                          "query_frontend.search.max_duration",
                          "query_frontend.search.target_bytes_per_job",
                          "server.http_listen_conn_limit",
                          "server.grpc_server_max_concurrent_streams",
                          "server.grpc_listen_conn_limit",
                          "query_frontend.max_query_expression_size_bytes",
                          "query_frontend.max_grpc_streaming_packet_size",
                          "overrides.defaults.read.max_bytes_per_tag_values_query",
                          "overrides.max_bytes_per_tag_values_query",
                          "server.http_listen_address",
                          "server.http_listen_port",
                          "server.grpc_listen_port",
                          "server.log_level",
                          "server.log_format",
                          "server.grpc_server_max_recv_msg_size",
                          "server.grpc_server_max_send_msg_size",
                          "server.http_server_read_timeout",
                          "server.http_server_write_timeout",
                          "server.http_server_idle_timeout",
                          "distributor.receivers.otlp",
                          "distributor.receivers.otlp.protocols",
                          "distributor.receivers.otlp.protocols.grpc",
                          "distributor.receivers.otlp.protocols.grpc.endpoint",
                          "distributor.receivers.otlp.protocols.grpc.max_recv_msg_size_mib",
                          "distributor.receivers.otlp.protocols.http.endpoint",
                          "distributor.receivers.otlp.protocols.http.max_request_body_size",
                          "distributor.receivers.zipkin",
                          "distributor.receivers.zipkin.endpoint",
                          "distributor.receivers.jaeger.protocols.grpc.endpoint",
                          "distributor.receivers.jaeger.protocols.thrift_http.endpoint",
                          "distributor.receivers.jaeger.protocols.thrift_compact.endpoint",
                          "distributor.receivers.jaeger.protocols.thrift_binary.endpoint",
                          "ingester.trace_idle_period",
                          "ingester.flush_check_period",
                          "ingester.max_block_bytes",
                          "ingester.max_block_duration",
                          "ingester.concurrent_flushes",
                          "storage",
                          "storage.trace.backend",
                          "storage.trace.local.path",
                          "storage.trace.wal.path",
                          "storage.trace.block.bloom_filter_false_positive",
                          "storage.trace.block.bloom_filter_shard_size_bytes",
                          "compactor.compaction.block_retention",
                          "backend_worker.compaction.block_retention",
                          "overrides.ingestion_rate_limit_bytes",
                          "overrides.defaults.ingestion.burst_size_bytes",
                          "usage_report.reporting_enabled",
                          "live_store.max_trace_idle",
                          "live_store.wal.path",
                          "query_frontend.metrics.max_duration",
                          "query_frontend.metrics.max_exemplars",
                          "metrics_generator.storage.path",
                          "metrics_generator.storage.remote_write",
                          "metrics_generator.storage.remote_write.[].url",
                          "metrics_generator.storage.remote_write_flush_deadline"}) {
    INFO(key);
    const SchemaNode* n = find(key);
    REQUIRE(n != nullptr);
    CHECK(n->acted);
  }
}

TEST_CASE("features this build does not run are not marked acted") {
  for (const char* key :
       {"metrics_generator.processor.local_blocks", "metrics_generator.processor.host_info",
        "metrics_generator.storage.wal",
        "query_frontend.trace_by_id", "query_frontend.metrics.concurrent_jobs",
        "query_frontend.search.concurrent_jobs", "querier.max_concurrent_queries", "memberlist",
        "distributor.receivers.kafka", "distributor.receivers.opencensus", "storage.trace.gcs",
        "storage.trace.azure", "ingester.trace_live_period", "overrides.max_global_traces_per_user",
        "live_store.fail_on_high_lag"}) {
    INFO(key);
    const SchemaNode* n = find(key);
    REQUIRE(n != nullptr);
    CHECK_FALSE(n->acted);
  }
}

TEST_CASE("free-form and too-wide subtrees accept anything, shared blocks are expanded") {
  using Kind = SchemaNode::Kind;
  struct Case {
    const char* path;
    Kind kind;
  };
  const Case cases[] = {
      {"metrics_generator.storage.remote_write", Kind::kList},
      {"metrics_generator.storage.remote_write.[].queue_config", Kind::kAny},
      {"storage.trace.s3.tags", Kind::kAny},
      {"distributor.receivers.opencensus.tls", Kind::kAny},
      {"ingester.lifecycler", Kind::kAny},
      {"distributor.receivers.otlp.protocols.grpc", Kind::kOpenMap},
      {"distributor.receivers.zipkin", Kind::kOpenMap},
      {"cache.caches.[].memcached", Kind::kAny},
      // Blocks written once under .templates and used by alias.
      {"ingester_client.grpc_client_config.backoff_config.max_retries", Kind::kLeaf},
      {"querier.frontend_worker.grpc_client_config.tls_enabled", Kind::kLeaf},
      {"ingest.kafka.topic", Kind::kLeaf},
      {"compactor.compaction.compaction_window", Kind::kLeaf},
      {"live_store.block_config.version", Kind::kLeaf},
  };
  for (const auto& c : cases) {
    INFO(c.path);
    const SchemaNode* n = find(c.path);
    REQUIRE(n != nullptr);
    CHECK(n->kind == c.kind);
  }
  CHECK(find("storage.trace.gcs")->unit);
  CHECK_FALSE(find("storage.trace.s3")->unit);
  CHECK(find("metrics_generator.processor.host_info")->unit);
  CHECK_FALSE(find("metrics_generator.processor.span_metrics")->unit);
  CHECK_FALSE(find("metrics_generator.processor")->unit);
}
