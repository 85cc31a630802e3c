// tempo.yaml -> Config: check every key against the schema, map the 3.x dialect onto 2.x, then
// read the keys this build acts on into the typed structs.

#include <fstream>
#include <sstream>

#include "config/dialect.h"
#include "config/key_check.h"
#include "config/metrics_generator.h"
#include "config/overrides.h"
#include "config/remote_write.h"
#include "config/schema.h"
#include "config/tls.h"
#include "config/yaml_reader.h"
#include "tempo/config/config.h"

namespace tempo::config {
namespace {

Status read_otlp(const YamlReader& r, OtlpReceiverConfig* otlp) {
  const std::string base = "distributor.receivers.otlp";
  if (!r.present(base)) return Status::ok();
  otlp->enabled = true;
  // `otlp:` alone, or `protocols:` with no value, enables both protocols with defaults;
  // otherwise a protocol is on when its key is present, even with a null value.
  YAML::Node protocols = r.at(base + ".protocols");
  bool listed = protocols.IsDefined() && !protocols.IsNull();
  otlp->grpc.enabled = !listed || r.present(base + ".protocols.grpc");
  otlp->http.enabled = !listed || r.present(base + ".protocols.http");
  TEMPO_RETURN_IF_ERROR(r.str(base + ".protocols.grpc.endpoint", &otlp->grpc.endpoint));
  TEMPO_RETURN_IF_ERROR(r.integer(base + ".protocols.grpc.max_recv_msg_size_mib",
                                  &otlp->grpc.max_recv_msg_size_mib));
  TEMPO_RETURN_IF_ERROR(r.str(base + ".protocols.http.endpoint", &otlp->http.endpoint));
  TEMPO_RETURN_IF_ERROR(r.integer(base + ".protocols.http.max_request_body_size",
                                  &otlp->http.max_request_body_size));
  if (otlp->grpc.enabled) {
    TEMPO_RETURN_IF_ERROR(
        read_receiver_tls(r, base + ".protocols.grpc.tls", true, &otlp->grpc.tls));
  }
  if (otlp->http.enabled) {
    TEMPO_RETURN_IF_ERROR(
        read_receiver_tls(r, base + ".protocols.http.tls", false, &otlp->http.tls));
  }
  return Status::ok();
}

// The Zipkin and Jaeger receivers (run by the app) and those this build only recognises
// (opencensus, kafka: warned about): presence and endpoint.
Status read_other_receivers(const YamlReader& r, ReceiversConfig* rc) {
  enum class Transport { kHttp, kGrpc, kUdp, kNotRun };
  struct Other {
    const char* path;
    OtherReceiver* out;
    const char* default_endpoint;
    Transport transport;
  };
  const Other others[] = {
      {"distributor.receivers.zipkin", &rc->zipkin, "localhost:9411", Transport::kHttp},
      {"distributor.receivers.jaeger.protocols.grpc", &rc->jaeger_grpc, "localhost:14250",
       Transport::kGrpc},
      {"distributor.receivers.jaeger.protocols.thrift_http", &rc->jaeger_thrift_http,
       "localhost:14268", Transport::kHttp},
      {"distributor.receivers.jaeger.protocols.thrift_compact", &rc->jaeger_thrift_compact,
       "localhost:6831", Transport::kUdp},
      {"distributor.receivers.jaeger.protocols.thrift_binary", &rc->jaeger_thrift_binary,
       "localhost:6832", Transport::kUdp},
      {"distributor.receivers.opencensus", &rc->opencensus, "localhost:55678", Transport::kNotRun},
      {"distributor.receivers.kafka", &rc->kafka, "", Transport::kNotRun},
  };
  // As the OpenTelemetry Collector does: a jaeger receiver must name what it listens to.
  if (r.present("distributor.receivers.jaeger") &&
      !r.present("distributor.receivers.jaeger.protocols.grpc") &&
      !r.present("distributor.receivers.jaeger.protocols.thrift_http") &&
      !r.present("distributor.receivers.jaeger.protocols.thrift_compact") &&
      !r.present("distributor.receivers.jaeger.protocols.thrift_binary")) {
    return Status::invalid_argument(
        "distributor.receivers.jaeger must list at least one of protocols.grpc, "
        "protocols.thrift_http, protocols.thrift_compact, protocols.thrift_binary");
  }
  for (const auto& o : others) {
    if (!r.present(o.path)) continue;
    o.out->enabled = true;
    o.out->endpoint = o.default_endpoint;
    TEMPO_RETURN_IF_ERROR(r.str(std::string(o.path) + ".endpoint", &o.out->endpoint));
    const std::string tls = std::string(o.path) + ".tls";
    if (o.transport == Transport::kUdp) {
      YAML::Node n = r.at(tls);
      if (n.IsDefined() && !n.IsNull()) {
        return Status::invalid_argument(line_of(n) + ": config key \"" + tls +
                                        "\" cannot be applied: this receiver takes UDP "
                                        "datagrams, which TLS does not cover; remove it");
      }
    } else if (o.transport != Transport::kNotRun) {
      TEMPO_RETURN_IF_ERROR(
          read_receiver_tls(r, tls, o.transport == Transport::kGrpc, &o.out->tls));
    }
  }
  return Status::ok();
}

Status read_server(const YamlReader& r, ServerConfig* s) {
  TEMPO_RETURN_IF_ERROR(r.str("server.http_listen_address", &s->http_listen_address));
  TEMPO_RETURN_IF_ERROR(r.integer("server.http_listen_port", &s->http_listen_port));
  TEMPO_RETURN_IF_ERROR(r.str("server.grpc_listen_address", &s->grpc_listen_address));
  TEMPO_RETURN_IF_ERROR(r.integer("server.grpc_listen_port", &s->grpc_listen_port));
  TEMPO_RETURN_IF_ERROR(r.str("server.log_level", &s->log_level));
  TEMPO_RETURN_IF_ERROR(r.str("server.log_format", &s->log_format));
  TEMPO_RETURN_IF_ERROR(
      r.integer("server.grpc_server_max_recv_msg_size", &s->grpc_server_max_recv_msg_size));
  TEMPO_RETURN_IF_ERROR(
      r.integer("server.grpc_server_max_send_msg_size", &s->grpc_server_max_send_msg_size));
  TEMPO_RETURN_IF_ERROR(r.integer("server.grpc_server_max_concurrent_streams",
                                  &s->grpc_server_max_concurrent_streams));
  TEMPO_RETURN_IF_ERROR(r.integer("server.http_listen_conn_limit", &s->http_listen_conn_limit));
  TEMPO_RETURN_IF_ERROR(r.integer("server.grpc_listen_conn_limit", &s->grpc_listen_conn_limit));
  TEMPO_RETURN_IF_ERROR(r.duration("server.http_server_read_timeout", &s->http_server_read_timeout));
  TEMPO_RETURN_IF_ERROR(
      r.duration("server.http_server_write_timeout", &s->http_server_write_timeout));
  TEMPO_RETURN_IF_ERROR(r.duration("server.http_server_idle_timeout", &s->http_server_idle_timeout));
  TEMPO_RETURN_IF_ERROR(
      r.duration("server.graceful_shutdown_timeout", &s->graceful_shutdown_timeout));
  TEMPO_RETURN_IF_ERROR(r.integer("server.http_max_request_bytes_in_flight",
                                  &s->http_max_request_bytes_in_flight));
  TEMPO_RETURN_IF_ERROR(r.boolean("server.admin_endpoints_enabled", &s->admin_endpoints_enabled));
  std::string ciphers, min_version;
  TEMPO_RETURN_IF_ERROR(r.str("server.tls_cipher_suites", &ciphers));
  if (!ciphers.empty()) {
    return Status::invalid_argument(
        "config key \"server.tls_cipher_suites\" is not supported by this build (OpenSSL's and "
        "gRPC's default suites apply); remove it rather than run with other ciphers than "
        "configured");
  }
  TEMPO_RETURN_IF_ERROR(r.str("server.tls_min_version", &min_version));
  TEMPO_RETURN_IF_ERROR(
      read_server_tls(r, "server.http_tls_config", min_version, false, &s->http_tls));
  TEMPO_RETURN_IF_ERROR(
      read_server_tls(r, "server.grpc_tls_config", min_version, true, &s->grpc_tls));
  return Status::ok();
}

Status read_ingester(const YamlReader& r, IngesterConfig* i) {
  TEMPO_RETURN_IF_ERROR(r.duration("ingester.trace_idle_period", &i->trace_idle_period));
  TEMPO_RETURN_IF_ERROR(r.duration("ingester.trace_live_period", &i->trace_live_period));
  TEMPO_RETURN_IF_ERROR(r.duration("ingester.flush_check_period", &i->flush_check_period));
  TEMPO_RETURN_IF_ERROR(r.integer("ingester.max_block_bytes", &i->max_block_bytes));
  TEMPO_RETURN_IF_ERROR(r.duration("ingester.max_block_duration", &i->max_block_duration));
  TEMPO_RETURN_IF_ERROR(r.duration("ingester.complete_block_timeout", &i->complete_block_timeout));
  TEMPO_RETURN_IF_ERROR(r.integer("ingester.concurrent_flushes", &i->concurrent_flushes));
  TEMPO_RETURN_IF_ERROR(r.boolean("ingester.flush_all_on_shutdown", &i->flush_all_on_shutdown));
  TEMPO_RETURN_IF_ERROR(r.integer("ingester.max_unflushed_blocks", &i->max_unflushed_blocks));
  if (i->max_unflushed_blocks < 0) {
    return Status::invalid_argument("ingester.max_unflushed_blocks must be 0 (no bound) or more");
  }
  return Status::ok();
}

Status read_compactor(const YamlReader& r, CompactorConfig* c) {
  const std::string base = "compactor.compaction.";
  TEMPO_RETURN_IF_ERROR(r.duration(base + "block_retention", &c->block_retention));
  TEMPO_RETURN_IF_ERROR(r.duration(base + "compacted_block_retention", &c->compacted_block_retention));
  TEMPO_RETURN_IF_ERROR(r.duration(base + "compaction_window", &c->compaction_window));
  TEMPO_RETURN_IF_ERROR(r.duration(base + "compaction_cycle", &c->compaction_cycle));
  TEMPO_RETURN_IF_ERROR(r.integer(base + "max_compaction_objects", &c->max_compaction_objects));
  TEMPO_RETURN_IF_ERROR(r.integer(base + "max_block_bytes", &c->max_block_bytes));
  TEMPO_RETURN_IF_ERROR(r.integer(base + "retention_concurrency", &c->retention_concurrency));
  TEMPO_RETURN_IF_ERROR(r.integer("compactor.min_input_blocks", &c->min_input_blocks));
  TEMPO_RETURN_IF_ERROR(r.integer("compactor.max_input_blocks", &c->max_input_blocks));
  return Status::ok();
}

Status read_storage(const YamlReader& r, TraceStorageConfig* t) {
  const std::string base = "storage.trace.";
  TEMPO_RETURN_IF_ERROR(r.str(base + "backend", &t->backend));
  TEMPO_RETURN_IF_ERROR(r.str(base + "local.path", &t->local.path));
  TEMPO_RETURN_IF_ERROR(r.str(base + "wal.path", &t->wal.path));
  TEMPO_RETURN_IF_ERROR(
      r.number(base + "block.bloom_filter_false_positive", &t->block.bloom_filter_false_positive));
  TEMPO_RETURN_IF_ERROR(r.integer(base + "block.bloom_filter_shard_size_bytes",
                                  &t->block.bloom_filter_shard_size_bytes));
  TEMPO_RETURN_IF_ERROR(r.str(base + "block.version", &t->block.version));
  TEMPO_RETURN_IF_ERROR(r.duration(base + "blocklist_poll", &t->blocklist_poll));
  auto& s3 = t->s3;
  TEMPO_RETURN_IF_ERROR(r.str(base + "s3.bucket", &s3.bucket));
  TEMPO_RETURN_IF_ERROR(r.str(base + "s3.prefix", &s3.prefix));
  TEMPO_RETURN_IF_ERROR(r.str(base + "s3.endpoint", &s3.endpoint));
  TEMPO_RETURN_IF_ERROR(r.str(base + "s3.region", &s3.region));
  TEMPO_RETURN_IF_ERROR(r.str(base + "s3.access_key", &s3.access_key));
  TEMPO_RETURN_IF_ERROR(r.str(base + "s3.secret_key", &s3.secret_key));
  TEMPO_RETURN_IF_ERROR(r.str(base + "s3.session_token", &s3.session_token));
  TEMPO_RETURN_IF_ERROR(r.boolean(base + "s3.insecure", &s3.insecure));
  TEMPO_RETURN_IF_ERROR(r.boolean(base + "s3.insecure_skip_verify", &s3.insecure_skip_verify));
  TEMPO_RETURN_IF_ERROR(r.boolean(base + "s3.forcepathstyle", &s3.forcepathstyle));
  TEMPO_RETURN_IF_ERROR(r.integer(base + "s3.part_size", &s3.part_size));
  return Status::ok();
}

Status read_query_frontend_search(const YamlReader& r, QueryFrontendSearchConfig* s) {
  const std::string base = "query_frontend.search.";
  TEMPO_RETURN_IF_ERROR(r.integer(base + "default_result_limit", &s->default_result_limit));
  TEMPO_RETURN_IF_ERROR(r.integer(base + "max_result_limit", &s->max_result_limit));
  TEMPO_RETURN_IF_ERROR(
      r.integer(base + "default_spans_per_span_set", &s->default_spans_per_span_set));
  TEMPO_RETURN_IF_ERROR(r.integer(base + "max_spans_per_span_set", &s->max_spans_per_span_set));
  TEMPO_RETURN_IF_ERROR(r.duration(base + "max_duration", &s->max_duration));
  TEMPO_RETURN_IF_ERROR(r.integer(base + "target_bytes_per_job", &s->target_bytes_per_job));
  return Status::ok();
}

Status read_query_frontend_metrics(const YamlReader& r, QueryFrontendMetricsConfig* m) {
  const std::string base = "query_frontend.metrics.";
  TEMPO_RETURN_IF_ERROR(r.duration(base + "max_duration", &m->max_duration));
  TEMPO_RETURN_IF_ERROR(r.integer(base + "max_intervals", &m->max_intervals));
  TEMPO_RETURN_IF_ERROR(r.integer(base + "max_exemplars", &m->max_exemplars));
  TEMPO_RETURN_IF_ERROR(r.integer(base + "max_response_series", &m->max_response_series));
  TEMPO_RETURN_IF_ERROR(r.duration(base + "query_backend_after", &m->query_backend_after));
  TEMPO_RETURN_IF_ERROR(r.duration(base + "interval", &m->interval));
  return Status::ok();
}

Status read_config(const YamlReader& r, Config* c) {
  TEMPO_RETURN_IF_ERROR(r.str("target", &c->target));
  // `auth_enabled` is the older name; `multitenancy_enabled` wins when both are given.
  TEMPO_RETURN_IF_ERROR(r.boolean("auth_enabled", &c->multitenancy_enabled));
  TEMPO_RETURN_IF_ERROR(r.boolean("multitenancy_enabled", &c->multitenancy_enabled));
  TEMPO_RETURN_IF_ERROR(r.str("http_api_prefix", &c->http_api_prefix));
  TEMPO_RETURN_IF_ERROR(r.boolean("stream_over_http_enabled", &c->stream_over_http_enabled));
  TEMPO_RETURN_IF_ERROR(read_server(r, &c->server));
  if (r.present("server.tls_min_version") && !c->server.http_tls.enabled &&
      !c->server.grpc_tls.enabled) {
    c->warnings.push_back(
        "config key \"server.tls_min_version\" has no effect: neither server.http_tls_config "
        "nor server.grpc_tls_config sets a certificate");
  }
  TEMPO_RETURN_IF_ERROR(read_otlp(r, &c->distributor.receivers.otlp));
  TEMPO_RETURN_IF_ERROR(read_other_receivers(r, &c->distributor.receivers));
  TEMPO_RETURN_IF_ERROR(
      r.integer("distributor.max_attribute_bytes", &c->distributor.max_attribute_bytes));
  TEMPO_RETURN_IF_ERROR(read_ingester(r, &c->ingester));
  TEMPO_RETURN_IF_ERROR(read_compactor(r, &c->compactor));
  TEMPO_RETURN_IF_ERROR(read_storage(r, &c->storage.trace));
  TEMPO_RETURN_IF_ERROR(
      r.integer("querier.max_concurrent_queries", &c->querier.max_concurrent_queries));
  TEMPO_RETURN_IF_ERROR(
      r.duration("querier.search.query_timeout", &c->querier.search_query_timeout));
  TEMPO_RETURN_IF_ERROR(r.integer("query_frontend.max_outstanding_per_tenant",
                                  &c->query_frontend.max_outstanding_per_tenant));
  TEMPO_RETURN_IF_ERROR(r.integer("query_frontend.max_query_expression_size_bytes",
                                  &c->query_frontend.max_query_expression_size_bytes));
  TEMPO_RETURN_IF_ERROR(r.integer("query_frontend.max_grpc_streaming_packet_size",
                                  &c->query_frontend.max_grpc_streaming_packet_size));
  TEMPO_RETURN_IF_ERROR(read_query_frontend_search(r, &c->query_frontend.search));
  TEMPO_RETURN_IF_ERROR(read_query_frontend_metrics(r, &c->query_frontend.metrics));
  TEMPO_RETURN_IF_ERROR(read_overrides(r, "overrides.", "overrides.defaults.", &c->overrides));
  TEMPO_RETURN_IF_ERROR(
      r.str("overrides.per_tenant_override_config", &c->per_tenant_overrides.path));
  TEMPO_RETURN_IF_ERROR(
      r.duration("overrides.per_tenant_override_period", &c->per_tenant_overrides.period));
  TEMPO_RETURN_IF_ERROR(read_metrics_generator(r, &c->metrics_generator));
  TEMPO_RETURN_IF_ERROR(read_generator_storage(r, &c->metrics_generator.storage));
  TEMPO_RETURN_IF_ERROR(
      r.boolean("usage_report.reporting_enabled", &c->usage_report.reporting_enabled));
  return Status::ok();
}

Status load_text(std::string_view yaml, std::string_view source, const LoadOptions& options,
                 Config* out) {
  std::string text = options.expand_env ? expand_env(yaml) : std::string(yaml);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Status::invalid_argument("line " + std::to_string(e.mark.line + 1) +
                                    ": invalid YAML in " + std::string(source) + ": " + e.msg);
  }
  Config c;
  c.per_tenant_overrides.expand_env = options.expand_env;
  if (root.IsDefined() && !root.IsNull()) {
    try {
      TEMPO_RETURN_IF_ERROR(check_keys(root, tempo_schema(), source, &c.warnings));
      TEMPO_RETURN_IF_ERROR(map_dialect(root, &c.mapped));
      TEMPO_RETURN_IF_ERROR(read_config(YamlReader(root), &c));
    } catch (const YAML::Exception& e) {
      return Status::invalid_argument("line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
  }
  const std::string& backend = c.storage.trace.backend;
  if (backend == "gcs" || backend == "azure") {
    c.warnings.push_back("config key \"storage.trace.backend\" value \"" + backend +
                         "\" is accepted but not yet supported; only \"local\" and \"s3\" store "
                         "blocks in this build");
  }
  *out = std::move(c);
  return Status::ok();
}

std::string base_name(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

Status load_string(std::string_view yaml, const LoadOptions& options, Config* out) {
  return load_text(yaml, "config", options, out);
}

Status load_file(const std::string& path, const LoadOptions& options, Config* out) {
  std::ifstream f(path);
  if (!f) return Status::invalid_argument("cannot read config file " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  if (f.bad()) return Status::invalid_argument("cannot read config file " + path);
  return load_text(ss.str(), base_name(path), options, out);
}

}  // namespace tempo::config
