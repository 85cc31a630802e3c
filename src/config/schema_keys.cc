// Every tempo.yaml key Grafana Tempo knows, 2.1 through 3.x, as one YAML document. Key names
// are facts of Tempo's configuration surface (its generated manifests and config structs); the
// markers are this build's own:
//   known   a key Tempo knows; this build accepts it and warns that it has no effect
//   acted   a key this build reads and acts on
//   any     a key whose value is accepted unchecked (free-form maps such as external_labels,
//           or blocks too wide to enumerate: rings, Prometheus remote_write items)
// The TLS blocks the build serves with (server.*_tls_config, the receivers' `tls`) are acted
// leaves whose keys src/config/tls.cc checks itself: a TLS key it cannot apply stops the start.
//   [x]     a list whose items are x
//   .flags  on a map: "open" accepts keys beyond the listed ones (collector receiver settings),
//           "unit" reports the whole map as one unsupported feature (one warning, not one per
//           key inside), "acted" means the map's presence alone changes behaviour (receivers)
// Blocks Tempo repeats verbatim in several places live once under .templates and are referred
// to by YAML alias. Two keys under `server:` are this build's own, not Tempo's:
// admin_endpoints_enabled and http_max_request_bytes_in_flight (docs/configuration.md); so are
// metrics_generator.storage.remote_write_queue_max_bytes (docs/remote_write.md) and
// metrics_generator.registry.expose_on_metrics_endpoint and metrics_generator.processing_threads
// (docs/metrics_generator.md), ingester.max_unflushed_blocks, and compactor.min_input_blocks
// and max_input_blocks (Tempo 3.x's backend_scheduler.provider.compaction keys in the 2.x
// layout; docs/configuration.md). schema.cc turns this text into the SchemaNode tree; a key
// added here is checked from then on, and the loader reads only the acted ones.

#include "config/schema.h"

namespace tempo::config {

const std::string_view kTempoKeys = R"yaml(
.templates:
  backoff: &backoff
    max_period: known
    max_retries: known
    min_period: known
  block: &block
    bloom_filter_false_positive: known
    bloom_filter_shard_size_bytes: known
    max_block_bytes: known
    parquet_dedicated_columns: any
    parquet_row_group_size_bytes: known
    search_encoding: known
    search_page_size_bytes: known
    v2_encoding: known
    v2_index_downsample_bytes: known
    v2_index_page_size_bytes: known
    version: known
  client_pool: &client_pool
    checkinterval: known
    healthcheckenabled: known
    healthcheckgraceperiod: known
    healthchecktimeout: known
    maxconcurrenthealthchecks: known
  compaction: &compaction
    block_retention: acted
    compacted_block_retention: acted
    compaction_cycle: acted
    compaction_window: acted
    max_block_bytes: acted
    max_compaction_objects: acted
    max_time_per_tenant: known
    retention_concurrency: acted
    v2_in_buffer_bytes: known
    v2_out_buffer_bytes: known
    v2_prefetch_traces_count: known
  grpc_client: &grpc_client
    backoff_config:
      max_period: known
      max_retries: known
      min_period: known
    backoff_on_ratelimits: known
    cluster_validation:
      label: known
    connect_backoff_base_delay: known
    connect_backoff_max_delay: known
    connect_timeout: known
    grpc_compression: known
    initial_connection_window_size: known
    initial_stream_window_size: known
    max_recv_msg_size: known
    max_send_msg_size: known
    rate_limit: known
    rate_limit_burst: known
    tls_ca_path: known
    tls_cert_path: known
    tls_cipher_suites: known
    tls_enabled: known
    tls_insecure_skip_verify: known
    tls_key_path: known
    tls_min_version: known
    tls_server_name: known
  kafka: &kafka
    address: known
    auto_create_topic_default_partitions: known
    auto_create_topic_enabled: known
    client_id: known
    client_rack: known
    consumer_group: known
    consumer_group_lag_metric_update_interval: known
    consumer_group_offset_commit_interval: known
    dial_timeout: known
    disable_kafka_telemetry: known
    last_produced_offset_retry_timeout: known
    max_consumer_lag_at_startup: known
    producer_compression: known
    producer_max_buffered_bytes: known
    producer_max_record_size_bytes: known
    sasl_mechanism: known
    sasl_msk_iam_access_key: known
    sasl_msk_iam_file_path: known
    sasl_msk_iam_http_socket_path: known
    sasl_msk_iam_http_socket_timeout: known
    sasl_msk_iam_secret_key: known
    sasl_msk_iam_session_token: known
    sasl_msk_iam_user_agent: known
    sasl_oauthbearer_extensions: any
    sasl_oauthbearer_file_path: known
    sasl_oauthbearer_http_socket_path: known
    sasl_oauthbearer_http_socket_timeout: known
    sasl_oauthbearer_token: known
    sasl_oauthbearer_zid: known
    sasl_password: known
    sasl_username: known
    target_consumer_lag_at_startup: known
    tls_ca_path: known
    tls_cert_path: known
    tls_cipher_suites: known
    tls_enabled: known
    tls_insecure_skip_verify: known
    tls_key_path: known
    tls_min_version: known
    tls_server_name: known
    topic: known
    write_timeout: known
  search: &search
    cache_control:
      column_index: known
      footer: known
      offset_index: known
    chunk_size_bytes: known
    prefetch_trace_count: known
    read_buffer_count: known
    read_buffer_size_bytes: known
  wal: &wal
    blocksfilepath: known
    completedfilepath: known
    ingestion_time_range_slack: known
    path: known
    search_encoding: known
    v2_encoding: known
    version: known
auth_enabled: acted
autocomplete_filtering_enabled: known
backend_scheduler:
  backend_flush_interval: known
  job_timeout: known
  local_work_path: known
  maintenance_interval: known
  provider:
    compaction:
      backoff: *backoff
      compaction: *compaction
      max_compaction_level: known
      max_input_blocks: acted
      max_jobs_per_tenant: known
      measure_interval: known
      min_cycle_interval: known
      min_input_blocks: acted
    redaction:
      max_rescan_generations: known
      poll_interval: known
      rescan_delay: known
    retention:
      interval: known
  tenant_measurement_interval: known
  work:
    dead_job_timeout: known
    prune_age: known
backend_scheduler_client:
  grpc_client_config: *grpc_client
backend_worker:
  backend_scheduler_addr: known
  backoff: *backoff
  compaction: *compaction
  finish_on_shutdown_timeout: known
  override_ring_key: known
  ring: any
block_builder:
  assigned_partitions: known
  block: *block
  consume_cycle_duration: known
  instance_id: known
  max_consuming_bytes: known
  partitions_per_instance: known
  wal: *wal
cache:
  background:
    writeback_buffer: known
    writeback_goroutines: known
  caches:
    - memcached: any
      redis: any
      roles: known
compactor:
  compaction: *compaction
  max_input_blocks: acted
  min_input_blocks: acted
  override_ring_key: known
  ring: any
distributor:
  artificial_delay: known
  extend_writes: known
  forwarders: any
  ingester_write_path_enabled: known
  kafka_config: *kafka
  kafka_write_path_enabled: known
  log_discarded_spans:
    enabled: known
    filter_by_status_error: known
    include_all_attributes: known
  log_received_spans:
    enabled: known
    filter_by_status_error: known
    include_all_attributes: known
  log_received_traces: any
  max_attribute_bytes: known
  max_span_attr_byte: known
  metric_received_spans:
    enabled: known
    root_only: known
  override_ring_key: known
  receivers:
    jaeger:
      protocols:
        grpc:
          .flags: open acted
          endpoint: acted
          tls: acted
        thrift_binary:
          .flags: open acted
          endpoint: acted
          tls: acted
        thrift_compact:
          .flags: open acted
          endpoint: acted
          tls: acted
        thrift_http:
          .flags: open acted
          endpoint: acted
          tls: acted
    kafka:
      .flags: open unit
    opencensus:
      .flags: open unit
      endpoint: known
      tls: any
    otlp:
      .flags: acted
      protocols:
        .flags: acted
        grpc:
          .flags: open acted
          auth: any
          endpoint: acted
          include_metadata: known
          keepalive: any
          max_concurrent_streams: known
          max_recv_msg_size_mib: acted
          read_buffer_size: known
          tls: acted
          transport: known
          write_buffer_size: known
        http:
          .flags: open acted
          auth: any
          compression_algorithms: known
          cors: any
          endpoint: acted
          include_metadata: known
          logs_url_path: known
          max_request_body_size: acted
          metrics_url_path: known
          response_headers: any
          tls: acted
          traces_url_path: known
    zipkin:
      .flags: open acted
      endpoint: acted
      parse_string_tags: known
      tls: acted
  retry_after_on_resource_exhausted: known
  ring: any
  usage:
    cost_attribution:
      enabled: known
      max_cardinality: known
      stale_duration: known
enable_go_runtime_metrics: known
http_api_prefix: acted
ingest:
  enabled: known
  kafka: *kafka
ingester:
  complete_block_timeout: acted
  concurrent_flushes: acted
  flush_all_on_shutdown: known
  flush_check_period: acted
  flush_object_storage: known
  flush_op_timeout: known
  lifecycler: any
  max_block_bytes: acted
  max_block_duration: acted
  max_unflushed_blocks: acted
  override_ring_key: known
  partition_ring: any
  trace_idle_period: acted
  trace_live_period: known
ingester_client:
  grpc_client_config: *grpc_client
  pool_config: *client_pool
  remote_timeout: known
internal_server:
  cluster_validation:
    additional_labels: known
    grpc:
      enabled: known
      soft_validation: known
    http:
      enabled: known
      excluded_paths: known
      excluded_user_agents: known
      soft_validation: known
    label: known
  create_new_traces: known
  enable: known
  graceful_shutdown_timeout: known
  grpc_collect_max_streams_by_conn: known
  grpc_listen_address: known
  grpc_listen_conn_limit: known
  grpc_listen_network: known
  grpc_listen_port: known
  grpc_server_keepalive_time: known
  grpc_server_keepalive_timeout: known
  grpc_server_max_concurrent_streams: known
  grpc_server_max_connection_age: known
  grpc_server_max_connection_age_grace: known
  grpc_server_max_connection_idle: known
  grpc_server_max_recv_msg_size: known
  grpc_server_max_send_msg_size: known
  grpc_server_min_time_between_pings: known
  grpc_server_num_workers: known
  grpc_server_ping_without_stream_allowed: known
  grpc_server_read_buffer_size: known
  grpc_server_recv_buffer_pools_enabled: known
  grpc_server_stats_tracking_enabled: known
  grpc_server_write_buffer_size: known
  grpc_tls_config: known
  http_listen_address: known
  http_listen_conn_limit: known
  http_listen_network: known
  http_listen_port: known
  http_log_closed_connections_without_response_enabled: known
  http_path_prefix: known
  http_server_idle_timeout: known
  http_server_read_header_timeout: known
  http_server_read_timeout: known
  http_server_write_timeout: known
  http_tls_config: known
  log_format: known
  log_level: known
  log_request_at_info_level_enabled: known
  log_request_exclude_headers_list: known
  log_request_headers: known
  log_source_ips_enabled: known
  log_source_ips_full: known
  log_source_ips_header: known
  log_source_ips_regex: known
  proxy_protocol_enabled: known
  register_instrumentation: known
  report_grpc_codes_in_instrumentation_label_enabled: known
  tls_cipher_suites: known
  tls_min_version: known
  trace_request_exclude_headers_list: known
  trace_request_headers: known
live_store:
  block_config: *block
  block_reclaim_grace: known
  commit_interval: known
  complete_block_concurrency: acted
  complete_block_timeout: acted
  fail_on_high_lag: known
  flush_check_period: acted
  flush_op_timeout: known
  max_block_bytes: acted
  max_block_duration: acted
  max_live_traces_bytes: known
  max_trace_idle: acted
  max_trace_live: known
  metrics:
    time_overlap_cutoff: known
  partition_ring: any
  query_block_concurrency: known
  readiness_max_wait: known
  readiness_target_lag: known
  remove_owner_on_shutdown: known
  ring: any
  shutdown_marker_dir: known
  wal:
    ingestion_time_range_slack: known
    path: acted
    search_encoding: known
    v2_encoding: known
    version: known
live_store_client:
  grpc_client_config: *grpc_client
  pool_config: *client_pool
  remote_timeout: known
memberlist:
  abort_if_cluster_fast_join_fails: known
  abort_if_cluster_fast_join_fails_min_nodes: known
  abort_if_cluster_join_fails: known
  acquire_writer_timeout: known
  advertise_addr: known
  advertise_port: known
  bind_addr: known
  bind_port: known
  broadcast_timeout_for_local_updates_on_shutdown: known
  cluster_label: known
  cluster_label_verification_disabled: known
  compression_algorithm: known
  compression_enabled: known
  dead_node_reclaim_time: known
  gossip_interval: known
  gossip_nodes: known
  gossip_to_dead_nodes_time: known
  join_members: known
  leave_timeout: known
  left_ingesters_timeout: known
  max_concurrent_writes: known
  max_join_backoff: known
  max_join_retries: known
  message_history_buffer_bytes: known
  min_join_backoff: known
  node_name: known
  notify_interval: known
  obsolete_entries_timeout: known
  packet_dial_timeout: known
  packet_write_timeout: known
  processed_messages_queue_size: known
  propagation_delay_tracker:
    beacon_interval: known
    beacon_lifetime: known
    enabled: known
    log_beacons_latency_longer_than: known
  pull_push_interval: known
  randomize_node_name: known
  received_messages_queue_size: known
  rejoin_interval: known
  rejoin_seed_nodes: known
  retransmit_factor: known
  stream_timeout: known
  tls_ca_path: known
  tls_cert_path: known
  tls_cipher_suites: known
  tls_enabled: known
  tls_insecure_skip_verify: known
  tls_key_path: known
  tls_min_version: known
  tls_server_name: known
  watch_prefix_buffer_size: known
  zone_aware_routing:
    enabled: known
    instance_availability_zone: known
    role: known
memory:
  automemlimit_enabled: known
  automemlimit_ratio: known
metrics_generator:
  codec: known
  disable_grpc: known
  disable_local_blocks: known
  ingest_concurrency: known
  instance_id: known
  leave_consumer_group_on_shutdown: known
  limiter_type: known
  metrics_ingestion_time_range_slack: known
  override_ring_key: known
  processing_threads: acted
  processor:
    host_info:
      .flags: unit
      host_identifiers: known
      metric_name: known
    local_blocks:
      .flags: unit
      block: *block
      complete_block_timeout: known
      concurrency: known
      concurrent_blocks: known
      filter_server_spans: known
      flush_check_period: known
      flush_to_storage: known
      max_block_bytes: known
      max_block_duration: known
      max_live_traces: known
      max_live_traces_bytes: known
      search: *search
      time_overlap_cutoff: known
      trace_idle_period: known
      trace_live_period: known
    service_graphs:
      database_name_attributes: known
      dimensions: acted
      enable_client_server_prefix: acted
      enable_messaging_system_latency_histogram: acted
      enable_tracestate_span_multiplier: known
      enable_virtual_node_label: acted
      filter_policies: any
      histogram_buckets: acted
      max_items: acted
      peer_attributes: acted
      span_multiplier_key: known
      wait: acted
      workers: acted
    span_metrics:
      dimension_mappings: acted
      dimensions: acted
      enable_instance_label: known
      enable_target_info: acted
      enable_tracestate_span_multiplier: known
      filter_policies: acted
      histogram_buckets: acted
      intrinsic_dimensions:
        service: acted
        span_kind: acted
        span_name: acted
        status_code: acted
        status_message: acted
      span_multiplier_key: known
      subprocessors: any
      target_info_excluded_dimensions: acted
  query_timeout: known
  registry:
    collection_interval: acted
    expose_on_metrics_endpoint: acted
    external_labels: acted
    inject_tenant_id_as: acted
    max_label_name_length: acted
    max_label_value_length: acted
    stale_duration: acted
  ring: any
  ring_mode: known
  skip_stale_backlog_on_startup: known
  storage:
    path: acted
    remote_write:
      - authorization: acted
        azuread: acted
        basic_auth:
          password: acted
          password_file: acted
          username: acted
          username_file: acted
        bearer_token: acted
        bearer_token_file: acted
        enable_http2: known
        follow_redirects: known
        google_iam: acted
        headers: acted
        http_headers: acted
        metadata_config: any
        name: acted
        no_proxy: acted
        oauth2: acted
        protobuf_message: known
        proxy_connect_header: acted
        proxy_from_environment: acted
        proxy_url: acted
        queue_config: any
        remote_timeout: acted
        round_robin_dns: known
        send_exemplars: acted
        send_native_histograms: known
        sigv4: acted
        tls_config:
          ca: acted
          ca_file: acted
          cert: acted
          cert_file: acted
          insecure_skip_verify: acted
          key: acted
          key_file: acted
          max_version: acted
          min_version: acted
          server_name: acted
        url: acted
        write_relabel_configs: any
    remote_write_add_org_id_header: acted
    remote_write_flush_deadline: acted
    remote_write_queue_max_bytes: acted
    wal:
      max_wal_time: known
      min_wal_time: known
      no_lockfile: known
      stripe_size: known
      truncate_frequency: known
      wal_compression: known
      wal_segment_size: known
  traces_query_storage: *wal
  traces_storage: *wal
metrics_generator_client:
  grpc_client_config: *grpc_client
  pool_config: *client_pool
  remote_timeout: known
multitenancy_enabled: acted
overrides:
  block_retention: acted
  compaction_disabled: known
  compaction_window: known
  cost_attribution: any
  defaults:
    compaction:
      block_retention: acted
      compaction_disabled: known
      compaction_window: known
    cost_attribution:
      dimensions: any
      max_cardinality: known
    forwarders: known
    global:
      max_bytes_per_trace: acted
    ingestion:
      artificial_delay: known
      burst_size_bytes: acted
      max_attribute_bytes: known
      max_global_traces_per_user: known
      max_traces_per_user: acted
      rate_limit_bytes: acted
      rate_strategy: known
      retry_info_enabled: known
      tenant_shard_size: known
    metrics_generator:
      collection_interval: known
      disable_collection: known
      forwarder:
        queue_size: known
        workers: known
      generate_native_histograms: known
      ingestion_time_range_slack: known
      max_active_entities: known
      max_active_series: acted
      max_cardinality_per_label: known
      native_histogram_bucket_factor: known
      native_histogram_max_bucket_number: known
      native_histogram_min_reset_duration: known
      processor:
        host_info:
          host_identifiers: known
          metric_name: known
        local_blocks:
          complete_block_timeout: known
          flush_check_period: known
          max_block_bytes: known
          max_block_duration: known
          max_live_traces: known
          trace_idle_period: known
        service_graphs:
          dimensions: known
          enable_client_server_prefix: known
          enable_messaging_system_latency_histogram: known
          enable_tracestate_span_multiplier: known
          enable_virtual_node_label: known
          filter_policies: any
          histogram_buckets: known
          peer_attributes: known
          span_multiplier_key: known
        span_metrics:
          dimension_mappings: any
          dimensions: known
          enable_instance_label: known
          enable_target_info: known
          enable_tracestate_span_multiplier: known
          filter_policies: any
          histogram_buckets: known
          intrinsic_dimensions: any
          span_multiplier_key: known
          target_info_excluded_dimensions: known
      processors: acted
      remote_write_headers: any
      ring_size: known
      span_name_sanitization: known
      trace_id_label_name: known
    read:
      engine_bytes_tracking: known
      left_pad_trace_ids: known
      max_blocks_per_tag_values_query: known
      max_bytes_per_tag_values_query: acted
      max_condition_groups_per_tag_query: known
      max_metrics_duration: known
      max_search_duration: known
      metrics_spanonly_fetch: known
      span_pruning_awareness: known
      span_pruning_enabled: known
      unsafe_query_hints: known
    storage:
      parquet_dedicated_columns: any
  enable_legacy_overrides: known
  engine_bytes_tracking: known
  forwarders: known
  ingestion_artificial_delay: known
  ingestion_burst_size_bytes: acted
  ingestion_max_attribute_bytes: known
  ingestion_rate_limit_bytes: acted
  ingestion_rate_strategy: known
  ingestion_retry_info_enabled: known
  ingestion_tenant_shard_size: known
  left_pad_trace_ids: known
  max_blocks_per_tag_values_query: known
  max_bytes_per_tag_values_query: acted
  max_bytes_per_trace: acted
  max_condition_groups_per_tag_query: known
  max_global_traces_per_user: known
  max_metrics_duration: known
  max_search_duration: known
  max_traces_per_user: acted
  metrics_generator_collection_interval: known
  metrics_generator_disable_collection: known
  metrics_generator_forwarder_queue_size: known
  metrics_generator_forwarder_workers: known
  metrics_generator_generate_native_histograms: known
  metrics_generator_ingestion_time_range_slack: known
  metrics_generator_max_active_entities: known
  metrics_generator_max_active_series: acted
  metrics_generator_max_cardinality_per_label: known
  metrics_generator_native_histogram_bucket_factor: known
  metrics_generator_native_histogram_max_bucket_number: known
  metrics_generator_native_histogram_min_reset_duration: known
  metrics_generator_processor_host_info_host_identifiers: known
  metrics_generator_processor_host_info_metric_name: known
  metrics_generator_processor_local_blocks_complete_block_timeout: known
  metrics_generator_processor_local_blocks_flush_check_period: known
  metrics_generator_processor_local_blocks_max_block_bytes: known
  metrics_generator_processor_local_blocks_max_block_duration: known
  metrics_generator_processor_local_blocks_max_live_traces: known
  metrics_generator_processor_local_blocks_trace_idle_period: known
  metrics_generator_processor_service_graphs_dimensions: known
  metrics_generator_processor_service_graphs_enable_client_server_prefix: known
  metrics_generator_processor_service_graphs_enable_messaging_system_latency_histogram: known
  metrics_generator_processor_service_graphs_enable_tracestate_span_multiplier: known
  metrics_generator_processor_service_graphs_enable_virtual_node_label: known
  metrics_generator_processor_service_graphs_filter_policies: any
  metrics_generator_processor_service_graphs_histogram_buckets: known
  metrics_generator_processor_service_graphs_peer_attributes: known
  metrics_generator_processor_service_graphs_span_multiplier_key: known
  metrics_generator_processor_span_metrics_dimension_mappings: known
  metrics_generator_processor_span_metrics_dimensions: known
  metrics_generator_processor_span_metrics_enable_instance_label: known
  metrics_generator_processor_span_metrics_enable_target_info: known
  metrics_generator_processor_span_metrics_enable_tracestate_span_multiplier: known
  metrics_generator_processor_span_metrics_filter_policies: any
  metrics_generator_processor_span_metrics_histogram_buckets: known
  metrics_generator_processor_span_metrics_intrinsic_dimensions: any
  metrics_generator_processor_span_metrics_span_multiplier_key: known
  metrics_generator_processor_span_metrics_target_info_excluded_dimensions: known
  metrics_generator_processors: acted
  metrics_generator_remote_write_headers: any
  metrics_generator_ring_size: known
  metrics_generator_span_name_sanitization: known
  metrics_generator_trace_id_label_name: known
  metrics_spanonly_fetch: known
  parquet_dedicated_columns: any
  per_tenant_override_config: acted
  per_tenant_override_period: acted
  span_pruning_awareness: known
  span_pruning_enabled: known
  unsafe_query_hints: known
  user_configurable_overrides:
    api:
      check_for_conflicting_runtime_overrides: known
    client:
      azure: any
      backend: known
      confirm_versioning: known
      gcs: any
      local: any
      s3: any
    enabled: known
    poll_interval: known
partition_ring_live_store: any
querier:
  extra_query_delay: known
  frontend_worker:
    dns_lookup_duration: known
    frontend_address: known
    grpc_client_config: *grpc_client
    id: known
    match_max_concurrent: known
    parallelism: known
  max_concurrent_queries: known
  metrics:
    concurrent_blocks: known
    time_overlap_cutoff: known
  partition_ring:
    hedging_delay: known
    minimize_requests: known
    preferred_zone: known
  query_live_store: known
  query_relevant_ingesters: known
  search:
    external_backend: known
    external_endpoints: known
    external_hedge_requests_at: known
    external_hedge_requests_up_to: known
    google_cloud_run: known
    prefer_self: known
    query_timeout: acted
  secondary_ingester_ring: known
  shuffle_sharding_ingesters_enabled: known
  shuffle_sharding_ingesters_lookback_period: known
  trace_by_id:
    external:
      endpoint: known
      timeout: known
    query_timeout: known
query_frontend:
  allowed_headers: known
  api_timeout: known
  log_query_request_headers: known
  max_batch_size: known
  max_grpc_streaming_packet_size: acted
  max_outstanding_per_tenant: known
  max_query_expression_size_bytes: acted
  max_retries: known
  mcp_server:
    enabled: known
  metrics:
    concurrent_jobs: known
    duration_slo: known
    interval: known
    max_duration: acted
    max_exemplars: acted
    max_intervals: acted
    max_response_series: acted
    query_backend_after: known
    streaming_shards: known
    target_bytes_per_job: known
    throughput_bytes_slo: known
  multi_tenant_queries_enabled: known
  querier_forget_delay: known
  query_end_cutoff: known
  response_consumers: known
  rf1_after: known
  search:
    concurrent_jobs: known
    default_result_limit: acted
    default_spans_per_span_set: acted
    duration_slo: known
    ingester_shards: known
    max_duration: acted
    max_result_limit: acted
    max_spans_per_span_set: acted
    metadata_slo:
      duration_slo: known
      throughput_bytes_slo: known
    most_recent_shards: known
    query_backend_after: known
    query_ingesters_until: known
    target_bytes_per_job: acted
    throughput_bytes_slo: known
    timeout: known
  skip_ast_transformations: known
  trace_by_id:
    blocks_per_shard: known
    concurrent_shards: known
    duration_slo: known
    external_enabled: known
    hedge_requests_at: known
    hedge_requests_up_to: known
    query_shards: known
    span_pruning_enabled: known
    span_pruning_enabled_by_default: known
    throughput_bytes_slo: known
  url_deny_list: known
  weights:
    max_regex_conditions: known
    max_traceql_conditions: known
    request_with_weights: known
    retry_with_weights: known
server:
  admin_endpoints_enabled: acted
  cluster_validation:
    additional_labels: known
    grpc:
      enabled: known
      soft_validation: known
    http:
      enabled: known
      excluded_paths: known
      excluded_user_agents: known
      soft_validation: known
    label: known
  create_new_traces: known
  graceful_shutdown_timeout: acted
  grpc_collect_max_streams_by_conn: known
  grpc_listen_address: acted
  grpc_listen_conn_limit: acted
  grpc_listen_network: known
  grpc_listen_port: acted
  grpc_server_keepalive_time: known
  grpc_server_keepalive_timeout: known
  grpc_server_max_concurrent_streams: acted
  grpc_server_max_connection_age: known
  grpc_server_max_connection_age_grace: known
  grpc_server_max_connection_idle: known
  grpc_server_max_recv_msg_size: acted
  grpc_server_max_send_msg_size: acted
  grpc_server_min_time_between_pings: known
  grpc_server_num_workers: known
  grpc_server_ping_without_stream_allowed: known
  grpc_server_read_buffer_size: known
  grpc_server_recv_buffer_pools_enabled: known
  grpc_server_stats_tracking_enabled: known
  grpc_server_write_buffer_size: known
  grpc_tls_config: acted
  http_listen_address: acted
  http_listen_conn_limit: acted
  http_listen_network: known
  http_listen_port: acted
  http_log_closed_connections_without_response_enabled: known
  http_max_request_bytes_in_flight: acted
  http_path_prefix: known
  http_server_idle_timeout: acted
  http_server_read_header_timeout: known
  http_server_read_timeout: acted
  http_server_write_timeout: acted
  http_tls_config: acted
  log_format: acted
  log_level: acted
  log_request_at_info_level_enabled: known
  log_request_exclude_headers_list: known
  log_request_headers: known
  log_source_ips_enabled: known
  log_source_ips_full: known
  log_source_ips_header: known
  log_source_ips_regex: known
  proxy_protocol_enabled: known
  register_instrumentation: known
  report_grpc_codes_in_instrumentation_label_enabled: known
  tls_cipher_suites: acted
  tls_min_version: acted
  trace_request_exclude_headers_list: known
  trace_request_headers: known
shutdown_delay: known
span_profiling: known
storage:
  trace:
    azure:
      .flags: unit
      buffer_size: known
      container_name: known
      endpoint_suffix: known
      hedge_requests_at: known
      hedge_requests_up_to: known
      max_buffers: known
      prefix: known
      storage_account_key: known
      storage_account_name: known
      use_federated_token: known
      use_managed_identity: known
      use_v2_sdk: known
      user_assigned_id: known
    backend: acted
    background_cache:
      writeback_buffer: known
      writeback_goroutines: known
    block:
      bloom_filter_false_positive: acted
      bloom_filter_shard_size_bytes: acted
      parquet_dedicated_columns: any
      parquet_row_group_size_bytes: known
      search_encoding: known
      search_page_size_bytes: known
      v2_encoding: known
      v2_index_downsample_bytes: known
      v2_index_page_size_bytes: known
      version: known
    blocklist_poll: acted
    blocklist_poll_concurrency: known
    blocklist_poll_fallback: known
    blocklist_poll_jitter_ms: known
    blocklist_poll_stale_tenant_index: known
    blocklist_poll_tenant_concurrency: known
    blocklist_poll_tenant_index_builders: known
    blocklist_poll_tolerate_consecutive_errors: known
    blocklist_poll_tolerate_tenant_failures: known
    cache: known
    cache_max_block_age: known
    cache_min_compaction_level: known
    empty_tenant_deletion_age: known
    empty_tenant_deletion_enabled: known
    gcs:
      .flags: unit
      bucket_name: known
      chunk_buffer_size: known
      endpoint: known
      hedge_requests_at: known
      hedge_requests_up_to: known
      insecure: known
      list_blocks_concurrency: known
      max_retries: known
      object_cache_control: known
      object_metadata: any
      prefix: known
    local:
      path: acted
    memcached: any
    pool:
      max_workers: known
      queue_depth: known
    redis: any
    s3:
      access_key: acted
      bucket: acted
      bucket_lookup_type: known
      enable_dual_stack: known
      endpoint: acted
      forcepathstyle: acted
      hedge_requests_at: known
      hedge_requests_up_to: known
      insecure: acted
      insecure_skip_verify: acted
      list_blocks_concurrency: known
      metadata: any
      native_aws_auth_enabled: known
      part_size: acted
      prefix: acted
      region: acted
      retry_backoff_initial: known
      retry_backoff_max: known
      retry_max_attempts: known
      secret_key: acted
      session_token: acted
      signature_v2: known
      sse:
        encryption_key: known
        kms_encryption_context: known
        kms_key_id: known
        type: known
      storage_class: known
      tags: any
      tls_ca_path: known
      tls_cert_path: known
      tls_cipher_suites: known
      tls_insecure_skip_verify: known
      tls_key_path: known
      tls_min_version: known
      tls_server_name: known
    search: *search
    wal:
      blocksfilepath: known
      completedfilepath: known
      ingestion_time_range_slack: known
      path: acted
      search_encoding: known
      v2_encoding: known
      version: known
stream_over_http_enabled: acted
target: acted
usage_report:
  backoff: *backoff
  reporting_enabled: acted
use_otel_tracer: known
)yaml";

}  // namespace tempo::config
