#pragma once
// tempo.yaml as typed structs. Key names and defaults are Grafana Tempo's (2.x), so a
// Tempo config loads unchanged. Keys are checked strictly against everything Tempo knows
// (2.x and 3.x dialects, src/config/schema_keys.cc): an unknown key is an error naming its
// full path and line; a known key this build does not act on loads with one warning naming
// it; a value of the wrong type is an error naming key, line and reason. See
// docs/configuration.md.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tempo/util/status.h"

namespace tempo::config {

using Duration = std::chrono::nanoseconds;
using namespace std::chrono_literals;

// Which client certificates a TLS server asks for and checks; dskit's client_auth_type names.
enum class ClientAuth {
  kNoClientCert,
  kRequestClientCert,           // asked for, not required, not verified
  kRequireAnyClientCert,        // required, not verified
  kVerifyClientCertIfGiven,     // not required; verified against client_ca_file when sent
  kRequireAndVerifyClientCert,  // required and verified against client_ca_file
};

enum class TlsVersion { k1_0, k1_1, k1_2, k1_3 };

// A TLS server setting (server.http_tls_config, server.grpc_tls_config, a receiver's `tls`),
// checked at load: the certificate, key and CA are read into memory then, parsed, and the key
// is proven to match the certificate, so a bad file stops the start before any port listens.
struct TlsConfig {
  bool enabled = false;  // a certificate is configured; otherwise the port is plaintext
  std::string key_path;  // where in tempo.yaml, for messages: "server.http_tls_config"
  std::string cert_pem, key_pem;
  std::string client_ca_pem;  // empty: no CA to verify client certificates with
  ClientAuth client_auth = ClientAuth::kNoClientCert;
  TlsVersion min_version = TlsVersion::k1_2;
  TlsVersion max_version = TlsVersion::k1_3;

  // Same behaviour (where it came from aside): two endpoints sharing a port must agree.
  bool same_as(const TlsConfig& o) const {
    return enabled == o.enabled && cert_pem == o.cert_pem && key_pem == o.key_pem &&
           client_ca_pem == o.client_ca_pem && client_auth == o.client_auth &&
           min_version == o.min_version && max_version == o.max_version;
  }
};

struct ServerConfig {
  std::string http_listen_address;
  int http_listen_port = 3200;
  std::string grpc_listen_address;
  int grpc_listen_port = 9095;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  int64_t grpc_server_max_recv_msg_size = 16 << 20;
  int64_t grpc_server_max_send_msg_size = 16 << 20;
  // Streams (calls) one client connection may have open at once, on every gRPC port.
  int64_t grpc_server_max_concurrent_streams = 100;
  // Simultaneous connections to each HTTP port; beyond it new connections wait in the
  // kernel's accept queue until one closes. 0 = no limit (Tempo's default).
  int64_t http_listen_conn_limit = 0;  // <= 0: no limit, as in Tempo
  // Tempo's cap on gRPC connections. gRPC 1.51 (Debian 12) cannot cap connections, so a
  // positive value stops the start rather than being ignored.
  int64_t grpc_listen_conn_limit = 0;
  Duration http_server_read_timeout = 30s;
  Duration http_server_write_timeout = 30s;
  Duration http_server_idle_timeout = 120s;
  Duration graceful_shutdown_timeout = 30s;
  TlsConfig http_tls;  // server.http_tls_config, with server.tls_min_version
  TlsConfig grpc_tls;  // server.grpc_tls_config, with server.tls_min_version
  // This build's own keys (not Tempo's):
  // Request-body bytes held in memory at once across every HTTP listener; beyond it requests
  // are refused unread with 429/503 + Retry-After. 0 = no limit.
  int64_t http_max_request_bytes_in_flight = 64 << 20;
  // Serve POST /flush and POST /shutdown on the HTTP API port.
  bool admin_endpoints_enabled = true;
};

struct OtlpGrpcProtocol {
  bool enabled = false;
  std::string endpoint = "localhost:4317";
  int64_t max_recv_msg_size_mib = 4;
  TlsConfig tls;
};

struct OtlpHttpProtocol {
  bool enabled = false;
  std::string endpoint = "localhost:4318";
  int64_t max_request_body_size = 20 << 20;
  TlsConfig tls;
};

struct OtlpReceiverConfig {
  bool enabled = false;  // the `otlp` key is present
  OtlpGrpcProtocol grpc;
  OtlpHttpProtocol http;
};

// A receiver enabled by the presence of its key, and where it listens.
struct OtherReceiver {
  bool enabled = false;
  std::string endpoint;
  TlsConfig tls;
};

struct ReceiversConfig {
  OtlpReceiverConfig otlp;
  OtherReceiver zipkin;               // default localhost:9411
  OtherReceiver jaeger_grpc;          // 14250
  OtherReceiver jaeger_thrift_http;   // 14268
  OtherReceiver jaeger_thrift_compact;  // 6831/udp
  OtherReceiver jaeger_thrift_binary;   // 6832/udp
  OtherReceiver opencensus;           // 55678
  OtherReceiver kafka;
};

struct DistributorConfig {
  ReceiversConfig receivers;
  int64_t max_attribute_bytes = 2048;
};

struct IngesterConfig {
  // Tempo's documentation states 10s (its code says 5s); the documented value is what
  // operators read and expect.
  Duration trace_idle_period = 10s;
  Duration trace_live_period = 30s;
  Duration flush_check_period = 10s;
  int64_t max_block_bytes = 524288000;
  Duration max_block_duration = 30min;
  Duration complete_block_timeout = 15min;
  int concurrent_flushes = 4;
  bool flush_all_on_shutdown = false;
  // This build's own key: sealed WAL blocks of one tenant that may wait for their flush before
  // pushes are refused (UNAVAILABLE / 503, which clients retry), so ingest faster than blocks
  // can be built holds neither memory nor disk without bound. 0 = no bound.
  int64_t max_unflushed_blocks = 4;
};

// compactor.compaction (Tempo's defaults; docs/compaction.md).
struct CompactorConfig {
  Duration block_retention = 336h;
  Duration compacted_block_retention = 1h;
  Duration compaction_window = 1h;
  Duration compaction_cycle = 30s;
  int64_t max_compaction_objects = 6000000;
  int64_t max_block_bytes = 107374182400LL;
  int retention_concurrency = 10;
  // Blocks one merge takes: Tempo 3.x's backend_scheduler.provider.compaction.min_input_blocks
  // and max_input_blocks (compactor.min_input_blocks / max_input_blocks here, this build's own
  // 2.x spelling); Tempo 2.x's fixed defaultMinInputBlocks and defaultMaxInputBlocks.
  int min_input_blocks = 2;
  int max_input_blocks = 8;
};

struct S3Config {
  std::string bucket, prefix, endpoint, region, access_key, secret_key, session_token;
  bool insecure = false;
  bool insecure_skip_verify = false;
  bool forcepathstyle = false;
  int64_t part_size = 0;
};

struct TraceStorageConfig {
  std::string backend;  // local | s3 | gcs | azure
  struct {
    std::string path;
  } local;
  struct {
    std::string path = "/var/tempo/wal";
  } wal;
  struct {
    double bloom_filter_false_positive = 0.01;
    int64_t bloom_filter_shard_size_bytes = 100 * 1024;
    std::string version;
  } block;
  Duration blocklist_poll = 5min;
  S3Config s3;
};

struct StorageConfig {
  TraceStorageConfig trace;
};

struct QuerierConfig {
  int max_concurrent_queries = 20;
  // querier.search.query_timeout: a search or tag lookup still running after this fails
  // with 503 rather than holding its workers. 0 = no limit.
  Duration search_query_timeout = std::chrono::seconds(30);
};

// query_frontend.search: how /api/search and the streaming Search treat limit, spss and the
// time range. Tempo's defaults; 0 in a max_* key means unlimited.
struct QueryFrontendSearchConfig {
  int64_t default_result_limit = 20;
  int64_t max_result_limit = 256 * 1024;
  int64_t default_spans_per_span_set = 3;
  int64_t max_spans_per_span_set = 100;
  Duration max_duration = 168h;
  // Bytes of block per search job: a larger block is searched as several jobs over shares of
  // its row groups. Tempo's default is 100 MiB of vParquet; this format holds ~2.6x the spans
  // per byte, and a job here is a local scan rather than a network round trip, so the default
  // is smaller: one 1.2M-span block becomes ~8 jobs and keeps every core busy. 0: a job per
  // block.
  int64_t target_bytes_per_job = 8 << 20;
};

// query_frontend.metrics: how the TraceQL metrics API (/api/metrics/query_range, /query and
// their streaming calls) limits requests. Tempo's defaults; 0 in a max_* key means unlimited.
struct QueryFrontendMetricsConfig {
  Duration max_duration = 24h;      // longest range; a longer one is refused (400)
  int64_t max_intervals = 10000;    // most steps in a range; fewer, larger steps are asked for
  int64_t max_exemplars = 100;      // exemplars per series by default and at most
  int64_t max_response_series = 0;  // series beyond which the answer is partial
  // Tempo reads recent data from its generators and older data from blocks past this age.
  // Here live data, the WAL and blocks are always all read (nothing is in a generator only),
  // so the key is accepted and has no effect.
  Duration query_backend_after = 15min;
  Duration interval = 5min;  // Tempo's shard interval for recent data; no effect here
};

struct QueryFrontendConfig {
  int max_outstanding_per_tenant = 2000;
  // A TraceQL query (q) longer than this is refused with 400 before it is parsed.
  int64_t max_query_expression_size_bytes = 128 * 1024;
  // A streamed search or tag reply larger than this is split into several messages.
  int64_t max_grpc_streaming_packet_size = 1 << 20;
  QueryFrontendSearchConfig search;
  QueryFrontendMetricsConfig metrics;
};

// One value of a filter policy attribute, as YAML typed it: a quoted or non-numeric scalar is a
// string, as Tempo's YAML decoder sees it.
struct FilterValue {
  enum class Kind { kString, kInt, kDouble, kBool };
  Kind kind = Kind::kString;
  std::string s;
  int64_t i = 0;
  double d = 0;
  bool b = false;
};

// metrics_generator.processor.*.filter_policies[].include / .exclude.
struct FilterPolicyMatch {
  bool present = false;
  std::string match_type = "strict";  // strict | regex
  // key: a TraceQL identifier (resource.x, span.x, name, status, kind).
  std::vector<std::pair<std::string, FilterValue>> attributes;
};

struct FilterPolicy {
  FilterPolicyMatch include, exclude;
};

// metrics_generator.processor.span_metrics. Tempo's defaults.
struct SpanMetricsConfig {
  // prometheus.ExponentialBuckets(0.002, 2, 14): 2ms .. 16.384s.
  std::vector<double> histogram_buckets = {0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128,
                                           0.256, 0.512, 1.024, 2.048, 4.096, 8.192, 16.384};
  std::vector<std::string> dimensions;
  struct DimensionMapping {
    std::string name;
    std::vector<std::string> source_labels;
    std::string join;
  };
  std::vector<DimensionMapping> dimension_mappings;
  struct {
    bool service = true, span_name = true, span_kind = true, status_code = true,
         status_message = false;
  } intrinsic_dimensions;
  std::vector<FilterPolicy> filter_policies;
  bool enable_target_info = false;
  std::vector<std::string> target_info_excluded_dimensions;
};

// metrics_generator.processor.service_graphs. Tempo's defaults.
struct ServiceGraphsConfig {
  Duration wait = 10s;
  int64_t max_items = 10000;
  int64_t workers = 10;  // accepted; pairing runs on the generator's threads here
  // prometheus.ExponentialBuckets(0.1, 2, 8): 0.1s .. 12.8s.
  std::vector<double> histogram_buckets = {0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8};
  std::vector<std::string> dimensions;
  std::vector<std::string> peer_attributes = {"peer.service", "db.name", "db.system"};
  bool enable_client_server_prefix = false;
  bool enable_virtual_node_label = false;
  bool enable_messaging_system_latency_histogram = false;
};

// metrics_generator.registry.
struct GeneratorRegistryConfig {
  Duration collection_interval = 15s;
  Duration stale_duration = 15min;
  std::map<std::string, std::string> external_labels;
  std::string inject_tenant_id_as;  // empty: no tenant label on the series
  int64_t max_label_name_length = 1024;
  int64_t max_label_value_length = 2048;
  // This build's own key (not Tempo's): also serve the generated series on GET /metrics, each
  // with a `tenant` label, so a plain Prometheus scrape works without remote write.
  bool expose_on_metrics_endpoint = false;
};

// The defaults for every tenant. Tempo spells them two ways, both read here: the scoped form
// (overrides.defaults.ingestion.rate_limit_bytes, .global.max_bytes_per_trace, ...) and the
// legacy flat form (overrides.ingestion_rate_limit_bytes, max_bytes_per_trace, ...); the
// scoped spelling wins when both are given.
struct OverridesConfig {
  int64_t ingestion_rate_limit_bytes = 15000000;
  int64_t ingestion_burst_size_bytes = 20000000;
  // Tempo's default is 10000 live traces, a guard for the memory its ingesters hold per live
  // trace. A live trace costs this server one index entry (its spans are on disk), so the
  // limit is off unless set: Tempo's default would refuse ~1000 new traces/s per tenant.
  int64_t max_traces_per_user = 0;
  int64_t max_bytes_per_trace = 5000000;
  // read.max_bytes_per_tag_values_query: a tag-values lookup stops collecting once its
  // values reach this many bytes (0 = no limit).
  int64_t max_bytes_per_tag_values_query = 1000000;
  Duration block_retention = 0s;  // 0: the compactor's block_retention applies
  std::vector<std::string> metrics_generator_processors;
  // overrides.defaults.metrics_generator.max_active_series: series a tenant's registry holds
  // at once; a new series beyond it is refused and counted. 0 = no limit.
  int64_t metrics_generator_max_active_series = 0;
};

// overrides.per_tenant_override_config and per_tenant_override_period: Tempo's runtime
// overrides file, per-tenant values over OverridesConfig, re-read while running
// (include/tempo/config/runtime_overrides.h, docs/overrides.md).
struct PerTenantOverridesFile {
  std::string path;       // empty: no file, every tenant has the defaults
  Duration period = 10s;  // between reads; 0 reads it once, at start
  bool expand_env = false;  // -config.expand-env applies to this file too, as in Tempo
};

// One metrics_generator.storage.remote_write[] item: Prometheus's remote_write block, of which
// this build applies the keys below; an authentication or proxy setting it cannot apply
// (authorization, oauth2, sigv4, proxy_url, ...) stops the start (docs/remote_write.md).
struct RemoteWriteConfig {
  std::string url;  // as written; split into the fields below at load
  bool https = false;
  std::string host;  // without brackets for IPv6
  int port = 0;
  std::string target;  // path and query, "/" at least
  // Prometheus's remote_name label: `name`, or the first 6 hex digits of the URL's SHA-256.
  std::string name;
  std::vector<std::pair<std::string, std::string>> headers;
  bool basic_auth = false;
  std::string basic_auth_username, basic_auth_password;  // password_file is read at load
  bool send_exemplars = false;
  Duration remote_timeout = 30s;
  // tls_config (https only): files are checked to be readable at load.
  std::string tls_ca_file, tls_cert_file, tls_key_file, tls_server_name;
  bool tls_insecure_skip_verify = false;
};

// metrics_generator.storage: where remote write queues live and where they send.
struct MetricsGeneratorStorageConfig {
  std::string path;  // one queue directory per tenant and endpoint below it
  std::vector<RemoteWriteConfig> remote_write;
  // X-Scope-OrgID: <tenant> on every request (unless the tenant is single-tenant or the
  // item's headers set it already).
  bool remote_write_add_org_id_header = true;
  // On shutdown, how long queued batches keep being sent before the rest is left on disk.
  Duration remote_write_flush_deadline = 1min;
  // This build's own key: bytes of queued batches per tenant and endpoint; beyond it the
  // oldest are dropped (counted in prometheus_remote_storage_samples_dropped_total).
  int64_t remote_write_queue_max_bytes = 256 << 20;
};

struct MetricsGeneratorConfig {
  SpanMetricsConfig span_metrics;
  ServiceGraphsConfig service_graphs;
  GeneratorRegistryConfig registry;
  MetricsGeneratorStorageConfig storage;
  // This build's own key (not Tempo's): threads running the processors, each on the traces
  // whose ID hashes to it. 0: one per core, at most 4.
  int64_t processing_threads = 0;
};

struct UsageReportConfig {
  bool reporting_enabled = true;
};

struct Config {
  std::string target = "all";
  bool multitenancy_enabled = false;
  std::string http_api_prefix;
  bool stream_over_http_enabled = false;
  ServerConfig server;
  DistributorConfig distributor;
  IngesterConfig ingester;
  CompactorConfig compactor;
  StorageConfig storage;
  QuerierConfig querier;
  QueryFrontendConfig query_frontend;
  OverridesConfig overrides;
  PerTenantOverridesFile per_tenant_overrides;
  MetricsGeneratorConfig metrics_generator;
  UsageReportConfig usage_report;
  // One line per key that Tempo knows and this build accepts without acting on it.
  std::vector<std::string> warnings;
  // One line per Tempo 3.x key mapped onto this build's modules, e.g.
  // "live_store.max_trace_idle -> ingester.trace_idle_period".
  std::vector<std::string> mapped;
};

struct LoadOptions {
  bool expand_env = false;  // -config.expand-env: run expand_env() over the file first
};

// Parses and checks a whole tempo.yaml. On success *out holds Tempo's defaults overlaid with
// the file, plus warnings/mapped; on error *out is unchanged and the message starts with
// "line N: " wherever the problem has a line. load_file names the file in unknown-key errors.
Status load_file(const std::string& path, const LoadOptions& options, Config* out);
Status load_string(std::string_view yaml, const LoadOptions& options, Config* out);
// Checks what a running server needs: a known target and backend, the backend's paths and
// bucket, valid ports, log level/format, and positive sizes and periods. Run after loading.
Status validate(const Config& config);
// ${VAR} and ${VAR:-default} (default when unset or empty), ${VAR-default} (when unset) from
// the environment; an undefined variable without default becomes empty; $$ is a literal $;
// a bare $ not followed by { stays as written.
std::string expand_env(std::string_view text);

}  // namespace tempo::config
