// What a running server needs beyond well-formed keys: a storage backend, its paths, ports,
// and limits that make sense.

#include <array>
#include <string>

#include "config/overrides.h"
#include "tempo/config/config.h"

namespace tempo::config {
namespace {

// Inputs of one merge at most: each holds one row group in memory while the merge runs.
constexpr int kMaxInputBlocks = 32;

Status bad(const std::string& m) { return Status::invalid_argument(m); }

bool one_of(const std::string& v, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed) {
    if (v == a) return true;
  }
  return false;
}

}  // namespace

Status validate(const Config& c) {
  // Tempo's target names, 2.x and 3.x; which of them this build can run is the app's call.
  if (!one_of(c.target, {"all", "distributor", "ingester", "querier", "query-frontend",
                         "compactor", "metrics-generator", "scalable-single-binary",
                         "block-builder", "backend-scheduler", "backend-worker", "live-store"})) {
    return bad("target \"" + c.target + "\" is not a Tempo target (use all)");
  }
  const auto& t = c.storage.trace;
  if (t.backend.empty()) {
    return bad("storage.trace.backend must be set (local, s3, gcs or azure)");
  }
  if (!one_of(t.backend, {"local", "s3", "gcs", "azure"})) {
    return bad("storage.trace.backend \"" + t.backend + "\" is unknown; use local, s3, gcs or azure");
  }
  if (t.backend == "local" && t.local.path.empty()) {
    return bad("storage.trace.local.path must be set for the local backend");
  }
  if (t.backend == "s3" && t.s3.bucket.empty()) {
    return bad("storage.trace.s3.bucket must be set for the s3 backend");
  }
  if (t.wal.path.empty()) return bad("storage.trace.wal.path must be set");
  for (auto [name, port] : {std::pair{"server.http_listen_port", c.server.http_listen_port},
                            std::pair{"server.grpc_listen_port", c.server.grpc_listen_port}}) {
    if (port < 0 || port > 65535) {
      return bad(std::string(name) + " " + std::to_string(port) + " is not a valid port");
    }
  }
  if (!one_of(c.server.log_level, {"debug", "info", "warn", "error"})) {
    return bad("server.log_level \"" + c.server.log_level +
               "\" is not one of debug, info, warn, error");
  }
  if (!one_of(c.server.log_format, {"logfmt", "json"})) {
    return bad("server.log_format \"" + c.server.log_format + "\" is not logfmt or json");
  }
  if (t.block.bloom_filter_false_positive <= 0 || t.block.bloom_filter_false_positive >= 1) {
    return bad("storage.trace.block.bloom_filter_false_positive must be between 0 and 1");
  }
  if (t.block.bloom_filter_shard_size_bytes <= 0) {
    return bad("storage.trace.block.bloom_filter_shard_size_bytes must be positive");
  }
  const auto& qs = c.query_frontend.search;
  for (auto [name, v] : {std::pair{"default_result_limit", qs.default_result_limit},
                         std::pair{"max_result_limit", qs.max_result_limit},
                         std::pair{"default_spans_per_span_set", qs.default_spans_per_span_set},
                         std::pair{"max_spans_per_span_set", qs.max_spans_per_span_set}}) {
    if (v < 0 || v > 4294967295LL) {
      return bad("query_frontend.search." + std::string(name) + " " + std::to_string(v) +
                 " must be between 0 and 4294967295");
    }
  }
  for (auto [name, v] :
       {std::pair{"query_frontend.search.target_bytes_per_job", qs.target_bytes_per_job},
        std::pair{"query_frontend.max_query_expression_size_bytes",
                  c.query_frontend.max_query_expression_size_bytes},
        std::pair{"query_frontend.max_grpc_streaming_packet_size",
                  c.query_frontend.max_grpc_streaming_packet_size}}) {
    if (v < 0) return bad(std::string(name) + " must not be negative");
  }
  if (qs.max_duration < Duration::zero()) {
    return bad("query_frontend.search.max_duration must not be negative");
  }
  const auto& qm = c.query_frontend.metrics;
  if (qm.max_duration < Duration::zero()) {
    return bad("query_frontend.metrics.max_duration must not be negative");
  }
  for (const auto& [name, v] :
       {std::pair{"query_frontend.metrics.max_intervals", qm.max_intervals},
        std::pair{"query_frontend.metrics.max_exemplars", qm.max_exemplars},
        std::pair{"query_frontend.metrics.max_response_series", qm.max_response_series}}) {
    if (v < 0) return bad(std::string(name) + " must not be negative");
  }
  const auto& otlp = c.distributor.receivers.otlp;
  if (otlp.grpc.max_recv_msg_size_mib <= 0 || otlp.grpc.max_recv_msg_size_mib > 2047) {
    return bad("distributor.receivers.otlp.protocols.grpc.max_recv_msg_size_mib must be 1..2047");
  }
  if (otlp.http.max_request_body_size <= 0) {
    return bad("distributor.receivers.otlp.protocols.http.max_request_body_size must be positive");
  }
  const int64_t budget = c.server.http_max_request_bytes_in_flight;
  if (budget < 0) return bad("server.http_max_request_bytes_in_flight must not be negative");
  if (c.server.grpc_listen_conn_limit < 0) {
    return bad("server.grpc_listen_conn_limit must not be negative");
  }
  if (c.server.grpc_listen_conn_limit > 0) {
    // A capped port is accepted by this process and handed to gRPC, which gRPC 1.51 can do
    // only for plaintext connections (see src/server/capped_acceptor.h).
    const auto& rc = c.distributor.receivers;
    for (const TlsConfig* tls : {&c.server.grpc_tls, &rc.otlp.grpc.tls, &rc.jaeger_grpc.tls}) {
      if (tls->enabled) {
        return bad("server.grpc_listen_conn_limit cannot be applied together with " +
                   tls->key_path +
                   ": gRPC 1.51 can take over only plaintext connections accepted elsewhere; "
                   "remove one of the two");
      }
    }
  }
  if (c.server.grpc_server_max_concurrent_streams < 0 ||
      c.server.grpc_server_max_concurrent_streams > 2147483647) {
    return bad("server.grpc_server_max_concurrent_streams must be between 0 and 2147483647");
  }
  if (budget > 0 && budget < otlp.http.max_request_body_size) {
    return bad("server.http_max_request_bytes_in_flight (" + std::to_string(budget) +
               ") must be at least distributor.receivers.otlp.protocols.http."
               "max_request_body_size (" +
               std::to_string(otlp.http.max_request_body_size) +
               "), or no request of the largest allowed size could ever be read");
  }
  if (c.server.graceful_shutdown_timeout <= Duration::zero()) {
    return bad("server.graceful_shutdown_timeout must be positive");
  }
  const auto& i = c.ingester;
  if (i.max_block_bytes <= 0) return bad("ingester.max_block_bytes must be positive");
  if (i.max_block_duration <= Duration::zero()) {
    return bad("ingester.max_block_duration must be positive");
  }
  if (i.flush_check_period <= Duration::zero()) {
    return bad("ingester.flush_check_period must be positive");
  }
  if (i.trace_idle_period <= Duration::zero()) {
    return bad("ingester.trace_idle_period must be positive");
  }
  if (i.concurrent_flushes < 1) return bad("ingester.concurrent_flushes must be at least 1");
  if (c.compactor.block_retention < Duration::zero()) {
    return bad("compactor.compaction.block_retention must not be negative");
  }
  if (c.compactor.compacted_block_retention < Duration::zero()) {
    return bad("compactor.compaction.compacted_block_retention must not be negative");
  }
  if (c.compactor.compaction_window <= Duration::zero()) {
    return bad("compactor.compaction.compaction_window must be positive");
  }
  if (c.compactor.compaction_cycle <= Duration::zero()) {
    return bad("compactor.compaction.compaction_cycle must be positive");
  }
  // A merge holds one row group of each input in memory at once, so the count is bounded.
  if (c.compactor.min_input_blocks < 2 || c.compactor.min_input_blocks > kMaxInputBlocks) {
    return bad("compactor.min_input_blocks (3.x: backend_scheduler.provider.compaction."
               "min_input_blocks) must be between 2 and " + std::to_string(kMaxInputBlocks));
  }
  if (c.compactor.max_input_blocks < c.compactor.min_input_blocks ||
      c.compactor.max_input_blocks > kMaxInputBlocks) {
    return bad("compactor.max_input_blocks (3.x: backend_scheduler.provider.compaction."
               "max_input_blocks) must be between min_input_blocks (" +
               std::to_string(c.compactor.min_input_blocks) + ") and " +
               std::to_string(kMaxInputBlocks));
  }
  if (c.compactor.max_compaction_objects <= 0) {
    return bad("compactor.compaction.max_compaction_objects must be positive");
  }
  if (c.compactor.max_block_bytes <= 0) {
    return bad("compactor.compaction.max_block_bytes must be positive");
  }
  if (c.compactor.retention_concurrency < 1) {
    return bad("compactor.compaction.retention_concurrency must be at least 1");
  }
  TEMPO_RETURN_IF_ERROR(validate_overrides(c.overrides, "overrides"));
  if (c.per_tenant_overrides.period < Duration::zero()) {
    return bad("overrides.per_tenant_override_period must not be negative");
  }
  return Status::ok();
}

}  // namespace tempo::config
