#include "config/schema.h"

#include <initializer_list>
#include <utility>

namespace tempo::config {
namespace {

using Kind = SchemaNode::Kind;
using Entries = std::initializer_list<std::pair<const char*, SchemaNode>>;

SchemaNode leaf() { return SchemaNode{Kind::kLeaf, false, {}, nullptr}; }
SchemaNode acted() { return SchemaNode{Kind::kLeaf, true, {}, nullptr}; }
SchemaNode any() { return SchemaNode{Kind::kAny, false, {}, nullptr}; }

SchemaNode with_children(Kind kind, Entries entries) {
  SchemaNode n{kind, false, {}, nullptr};
  for (const auto& [k, v] : entries) {
    if (v.acted) n.acted = true;
    n.children.emplace(k, v);
  }
  return n;
}
SchemaNode map(Entries e) { return with_children(Kind::kMap, e); }
SchemaNode open(Entries e) { return with_children(Kind::kOpenMap, e); }
// A map whose own presence is acted on (receivers are enabled by their key being present).
SchemaNode acted_map(SchemaNode n) {
  n.acted = true;
  return n;
}

// TLS settings as dskit/collector spell them.
SchemaNode tls() { return any(); }

SchemaNode server() {
  return map({
      {"http_listen_network", leaf()},
      {"http_listen_address", acted()},
      {"http_listen_port", acted()},
      {"http_listen_conn_limit", leaf()},
      {"grpc_listen_network", leaf()},
      {"grpc_listen_address", leaf()},
      {"grpc_listen_port", acted()},
      {"grpc_listen_conn_limit", leaf()},
      {"tls_cipher_suites", leaf()},
      {"tls_min_version", leaf()},
      {"http_tls_config", tls()},
      {"grpc_tls_config", tls()},
      {"register_instrumentation", leaf()},
      {"report_grpc_codes_in_instrumentation_label_enabled", leaf()},
      {"graceful_shutdown_timeout", leaf()},
      {"http_server_read_timeout", acted()},
      {"http_server_read_header_timeout", leaf()},
      {"http_server_write_timeout", acted()},
      {"http_server_idle_timeout", acted()},
      {"http_log_closed_connections_without_response_enabled", leaf()},
      {"grpc_server_max_recv_msg_size", acted()},
      {"grpc_server_max_send_msg_size", acted()},
      {"grpc_server_max_concurrent_streams", leaf()},
      {"grpc_server_max_connection_idle", leaf()},
      {"grpc_server_max_connection_age", leaf()},
      {"grpc_server_max_connection_age_grace", leaf()},
      {"grpc_server_keepalive_time", leaf()},
      {"grpc_server_keepalive_timeout", leaf()},
      {"grpc_server_min_time_between_pings", leaf()},
      {"grpc_server_ping_without_stream_allowed", leaf()},
      {"grpc_server_num_workers", leaf()},
      {"grpc_server_stats_tracking_enabled", leaf()},
      {"grpc_server_recv_buffer_pools_enabled", leaf()},
      {"log_format", acted()},
      {"log_level", acted()},
      {"log_source_ips_enabled", leaf()},
      {"log_source_ips_header", leaf()},
      {"log_source_ips_regex", leaf()},
      {"log_request_headers", leaf()},
      {"log_request_at_info_level_enabled", leaf()},
      {"log_request_exclude_headers_list", leaf()},
      {"http_path_prefix", leaf()},
  });
}

SchemaNode otlp_receiver() {
  return acted_map(map({
      {"protocols",
       acted_map(map({
           {"grpc", acted_map(open({{"endpoint", acted()},
                                    {"max_recv_msg_size_mib", acted()},
                                    {"transport", leaf()},
                                    {"tls", tls()},
                                    {"keepalive", any()},
                                    {"include_metadata", leaf()},
                                    {"max_concurrent_streams", leaf()},
                                    {"read_buffer_size", leaf()},
                                    {"write_buffer_size", leaf()},
                                    {"auth", any()}}))},
           {"http", acted_map(open({{"endpoint", acted()},
                                    {"max_request_body_size", acted()},
                                    {"tls", tls()},
                                    {"cors", any()},
                                    {"include_metadata", leaf()},
                                    {"traces_url_path", leaf()},
                                    {"auth", any()}}))},
       }))},
  }));
}

SchemaNode collector_endpoint() {
  return open({{"endpoint", leaf()}, {"tls", tls()}, {"transport", leaf()}});
}

SchemaNode receivers() {
  return map({
      {"otlp", otlp_receiver()},
      {"jaeger", map({{"protocols", map({{"grpc", collector_endpoint()},
                                         {"thrift_http", collector_endpoint()},
                                         {"thrift_compact", collector_endpoint()},
                                         {"thrift_binary", collector_endpoint()}})}})},
      {"zipkin", collector_endpoint()},
      {"opencensus", collector_endpoint()},
      {"kafka", any()},
  });
}

SchemaNode distributor() {
  return map({
      {"receivers", receivers()},
      {"ring", any()},
      {"override_ring_key", leaf()},
      {"forwarders", any()},
      {"extend_writes", leaf()},
      {"search_tags_deny_list", leaf()},
      {"log_received_spans", any()},
      {"log_received_traces", any()},
      {"log_discarded_spans", any()},
      {"metric_received_spans", any()},
      {"retry_after_on_resource_exhausted", leaf()},
      {"max_attribute_bytes", leaf()},
      {"usage", any()},
      {"ingester_write_path_enabled", leaf()},
      {"kafka_write_path_enabled", leaf()},
      {"kafka_config", any()},
  });
}

SchemaNode ingester() {
  return map({
      {"lifecycler", any()},
      {"trace_idle_period", acted()},
      {"trace_live_period", leaf()},
      {"flush_check_period", acted()},
      {"flush_op_timeout", leaf()},
      {"max_block_bytes", acted()},
      {"max_block_duration", acted()},
      {"complete_block_timeout", acted()},  // satisfied: flushed blocks are queryable at once
      {"concurrent_flushes", acted()},
      {"override_ring_key", leaf()},
      {"flush_all_on_shutdown", leaf()},
      {"autocomplete_filtering_enabled", leaf()},
      {"dedicated_columns", any()},
      {"flush_object_storage", leaf()},
  });
}

SchemaNode compaction() {
  return map({
      {"block_retention", acted()},
      {"compacted_block_retention", leaf()},
      {"compaction_window", leaf()},
      {"max_compaction_objects", leaf()},
      {"max_block_bytes", leaf()},
      {"retention_concurrency", leaf()},
      {"max_time_per_tenant", leaf()},
      {"compaction_cycle", leaf()},
      {"v2_in_buffer_bytes", leaf()},
      {"v2_out_buffer_bytes", leaf()},
      {"v2_prefetch_traces_count", leaf()},
      {"iterator_buffer_size", leaf()},
      {"flush_size_bytes", leaf()},
      {"chunk_size_bytes", leaf()},
  });
}

SchemaNode compactor() {
  return map({
      {"ring", any()},
      {"compaction", compaction()},
      {"override_ring_key", leaf()},
      {"disabled", leaf()},
  });
}

SchemaNode s3() {
  return map({
      {"bucket", leaf()},           {"prefix", leaf()},
      {"endpoint", leaf()},         {"region", leaf()},
      {"access_key", leaf()},       {"secret_key", leaf()},
      {"session_token", leaf()},    {"insecure", leaf()},
      {"insecure_skip_verify", leaf()},
      {"forcepathstyle", leaf()},   {"bucket_lookup_type", leaf()},
      {"enable_dual_stack", leaf()}, {"signature_v2", leaf()},
      {"part_size", leaf()},        {"hedge_requests_at", leaf()},
      {"hedge_requests_up_to", leaf()}, {"retry_max_attempts", leaf()},
      {"retry_backoff_initial", leaf()}, {"retry_backoff_max", leaf()},
      {"tags", any()},              {"storage_class", leaf()},
      {"metadata", any()},          {"sse", any()},
      {"list_blocks_concurrency", leaf()}, {"native_aws_auth_enabled", leaf()},
      {"tls_cert_path", leaf()},    {"tls_key_path", leaf()},
      {"tls_ca_path", leaf()},      {"tls_server_name", leaf()},
      {"tls_cipher_suites", leaf()}, {"tls_min_version", leaf()},
      {"http_config", any()},       {"object_cache_control", leaf()},
  });
}

SchemaNode trace_storage() {
  return map({
      {"backend", acted()},
      {"local", map({{"path", acted()}})},
      {"wal", map({{"path", acted()},
                   {"v2_encoding", leaf()},
                   {"search_encoding", leaf()},
                   {"ingestion_time_range_slack", leaf()},
                   {"version", leaf()},
                   {"completedfilepath", leaf()},
                   {"blocksfilepath", leaf()}})},
      {"block", map({{"version", leaf()},
                     {"bloom_filter_false_positive", acted()},
                     {"bloom_filter_shard_size_bytes", acted()},
                     {"v2_index_downsample_bytes", leaf()},
                     {"v2_index_page_size_bytes", leaf()},
                     {"v2_encoding", leaf()},
                     {"search_encoding", leaf()},
                     {"search_page_size_bytes", leaf()},
                     {"parquet_row_group_size_bytes", leaf()},
                     {"parquet_dedicated_columns", any()},
                     {"create_index_pages", leaf()}})},
      {"search", any()},
      {"blocklist_poll", leaf()},
      {"blocklist_poll_concurrency", leaf()},
      {"blocklist_poll_fallback", leaf()},
      {"blocklist_poll_tenant_index_builders", leaf()},
      {"blocklist_poll_stale_tenant_index", leaf()},
      {"blocklist_poll_jitter_ms", leaf()},
      {"blocklist_poll_tolerate_consecutive_errors", leaf()},
      {"blocklist_poll_tolerate_tenant_failures", leaf()},
      {"blocklist_poll_tenant_concurrency", leaf()},
      {"empty_tenant_deletion_enabled", leaf()},
      {"empty_tenant_deletion_age", leaf()},
      {"pool", any()},
      {"cache", leaf()},
      {"cache_min_compaction_level", leaf()},
      {"cache_max_block_age", leaf()},
      {"background_cache", any()},
      {"memcached", any()},
      {"redis", any()},
      {"s3", s3()},
      {"gcs", any()},
      {"azure", any()},
  });
}

SchemaNode overrides_scoped() {
  return open({
      {"ingestion", open({{"rate_strategy", leaf()},
                          {"rate_limit_bytes", acted()},
                          {"burst_size_bytes", acted()},
                          {"max_traces_per_user", leaf()},
                          {"max_global_traces_per_user", leaf()},
                          {"tenant_shard_size", leaf()},
                          {"max_attribute_bytes", leaf()},
                          {"artificial_delay", leaf()},
                          {"retry_info_enabled", leaf()}})},
      {"read", any()},
      {"compaction", any()},
      {"metrics_generator", any()},
      {"forwarders", leaf()},
      {"global", open({{"max_bytes_per_trace", leaf()}})},
      {"storage", any()},
      {"cost_attribution", any()},
  });
}

SchemaNode overrides() {
  // The scoped form (defaults / per-tenant files) and the legacy flat keys; flat keys are
  // many and all optional, so the block is open beyond the structural ones.
  return open({
      {"defaults", overrides_scoped()},
      {"ingestion_rate_limit_bytes", acted()},
      {"ingestion_burst_size_bytes", acted()},
      {"per_tenant_override_config", leaf()},
      {"per_tenant_override_period", leaf()},
      {"user_configurable_overrides", any()},
      {"enable_legacy_overrides", leaf()},
  });
}

// Tempo 3.x replaced `ingester` with `live_store` and `compactor` with the backend
// scheduler/worker pair; their settings map onto the same modules (see loader.cc).
SchemaNode live_store() {
  return open({
      {"max_trace_idle", acted()},
      {"max_trace_live", leaf()},
      {"flush_check_period", acted()},
      {"max_block_bytes", acted()},
      {"max_block_duration", acted()},
      {"complete_block_timeout", acted()},
      {"complete_block_concurrency", acted()},
      {"wal", open({{"path", acted()}})},
      {"max_live_traces_bytes", leaf()},
      {"query_block_concurrency", leaf()},
      {"block_reclaim_grace", leaf()},
      {"fail_on_high_lag", leaf()},
      {"ring", any()},
      {"partition_ring", any()},
  });
}

SchemaNode backend_worker() {
  return open({{"compaction", open({{"block_retention", acted()},
                                    {"compacted_block_retention", leaf()},
                                    {"compaction_window", leaf()},
                                    {"max_block_bytes", leaf()}})},
               {"ring", any()}});
}

SchemaNode backend_scheduler() {
  return open({{"provider",
                open({{"compaction",
                       open({{"compaction", open({{"block_retention", acted()},
                                                  {"compacted_block_retention", leaf()},
                                                  {"compaction_window", leaf()}})}})},
                      {"retention", any()}})}});
}

SchemaNode root() {
  return map({
      {"target", acted()},
      {"multitenancy_enabled", acted()},
      {"auth_enabled", acted()},
      {"stream_over_http_enabled", leaf()},
      {"http_api_prefix", acted()},
      {"shutdown_delay", leaf()},
      {"enable_go_runtime_metrics", leaf()},
      {"memory", any()},
      {"server", server()},
      {"internal_server", any()},
      {"distributor", distributor()},
      {"ingester_client", any()},
      {"metrics_generator_client", any()},
      {"querier", any()},
      {"query_frontend", any()},
      {"compactor", compactor()},
      {"ingester", ingester()},
      {"metrics_generator", any()},
      {"storage", map({{"trace", trace_storage()}})},
      {"overrides", overrides()},
      {"memberlist", any()},
      {"usage_report", map({{"reporting_enabled", acted()}, {"backoff", any()}})},
      {"cache", any()},
      {"backend_scheduler", backend_scheduler()},
      {"backend_scheduler_client", any()},
      {"backend_worker", backend_worker()},
      {"live_store", live_store()},
      {"live_store_client", any()},
      {"block_builder", any()},
      {"ingest", any()},
      {"frontend_worker", any()},
  });
}

}  // namespace

const SchemaNode& tempo_schema() {
  static const SchemaNode schema = root();
  return schema;
}

}  // namespace tempo::config
