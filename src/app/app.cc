#include "app/app.h"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <future>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "app/flags.h"
#include "app/module_list.h"
#include "tempo/backend/backend.h"
#include "tempo/block/block_list.h"
#include "tempo/compactor/compactor.h"
#include "tempo/compactor/retention.h"
#include "tempo/compactor/lease.h"
#include "tempo/compactor/sweeper.h"
#include "tempo/config/config.h"
#include "tempo/config/runtime_overrides.h"
#include "tempo/distributor/distributor.h"
#include "tempo/frontend/api.h"
#include "tempo/frontend/streaming_querier.h"
#include "tempo/generator/exposure.h"
#include "tempo/generator/generator.h"
#include "tempo/generator/remote_write.h"
#include "tempo/ingester/ingester.h"
#include "tempo/observability/log.h"
#include "tempo/observability/metrics.h"
#include "tempo/overrides/overrides.h"
#include "tempo/overrides/runtime_config.h"
#include "tempo/overrides/status.h"
#include "tempo/querier/querier.h"
#include "tempo/receiver/otlp_grpc.h"
#include "tempo/receiver/jaeger.h"
#include "tempo/receiver/otlp_http.h"
#include "tempo/receiver/zipkin.h"
#include "tempo/server/executor.h"
#include "tempo/server/grpc_server.h"
#include "tempo/server/http_server.h"
#include "tempo/util/thread_name.h"
#include "tempo/server/tls.h"

namespace tempo::app {
namespace {

namespace asio = boost::asio;

// Every module of the single binary, built and started in dependency order and stopped in
// the reverse order. This is the only place that knows how the roles fit together.
class App {
 public:
  explicit App(config::Config cfg) : cfg_(std::move(cfg)) {}

  Status start();
  // Blocks until SIGINT/SIGTERM or /shutdown, then stops everything cleanly.
  int wait_and_stop();

 private:
  Status start_grpc();
  struct HttpListener;
  // The listener on `port` (created on first use); endpoints sharing a port must agree on TLS.
  Status http_listener(const std::string& host, int port, const std::string& what,
                       const config::TlsConfig& tls, HttpListener** out);
  Status start_http();
  Status start_serving();  // executors, every listener, the io threads
  void stop_ingest_serving();
  void stop_query_serving();
  Status make_generator();
  frontend::SearchLimits search_limits() const;
  frontend::MetricsLimits metrics_limits() const;
  void request_stop();

  config::Config cfg_;
  // Every tenant's limits: tempo.yaml's overrides, replaced per tenant by the runtime overrides
  // file (runtime_config_, when configured), which every module asks on each request.
  std::unique_ptr<overrides::Overrides> overrides_;
  std::unique_ptr<overrides::RuntimeConfig> runtime_config_;
  std::unique_ptr<backend::Backend> backend_;
  std::unique_ptr<block::BlockList> blocks_;
  std::unique_ptr<compactor::Retention> retention_;
  // One lease owner per process: whatever compacts or sweeps a tenant holds its lease.
  std::unique_ptr<compactor::Lease> lease_;
  std::unique_ptr<compactor::Sweeper> sweeper_;
  std::unique_ptr<ingester::Ingester> ingester_;
  // The metrics generator (when a tenant has processors) and where its series go.
  std::unique_ptr<generator::MetricsExposure> generator_exposure_;
  std::unique_ptr<generator::RemoteWriteSink> remote_write_;  // storage.remote_write, if any
  generator::FanoutSink generator_sinks_;
  std::unique_ptr<generator::Generator> generator_;
  std::unique_ptr<distributor::Distributor> distributor_;
  std::unique_ptr<querier::Querier> querier_;
  std::unique_ptr<frontend::Api> api_;
  std::unique_ptr<frontend::StreamingQuerierService> streaming_querier_;
  // The gRPC server on server.grpc_listen_port; with stream_over_http_enabled it also takes the
  // HTTP/2 connections that arrive on the API port.
  server::GrpcServer* query_grpc_ = nullptr;
  std::unique_ptr<receiver::OtlpGrpcReceiver> otlp_grpc_;
  std::unique_ptr<receiver::OtlpHttpReceiver> otlp_http_;
  std::unique_ptr<receiver::ZipkinReceiver> zipkin_;
  std::unique_ptr<receiver::JaegerThriftHttpReceiver> jaeger_http_;
  std::unique_ptr<receiver::JaegerGrpcReceiver> jaeger_grpc_;

  // Members are destroyed in reverse order, so everything below holds sockets or handlers
  // of io_ or posts work to the executors, and must go first: the agents' UDP sockets and the
  // servers' acceptors deregister from io_'s reactor when destroyed, which would be a
  // use-after-free once io_ is gone.
  asio::io_context io_;
  // One bounded executor per kind of work, so a flood of one kind is refused (429/503, or a
  // dropped datagram) instead of queueing in front of the others. /ready and /metrics run
  // inline on the network threads and never wait for any of them.
  std::unique_ptr<server::BoundedExecutor> ingest_;  // HTTP receivers
  std::unique_ptr<server::BoundedExecutor> query_;   // API reads
  std::unique_ptr<server::BoundedExecutor> admin_;   // /flush, /shutdown
  // Compaction cycles: one thread, one cycle at a time, apart from the query and ingest pools.
  std::unique_ptr<server::BoundedExecutor> compaction_;
  // After its pool, so it is destroyed (stopped) first.
  std::unique_ptr<compactor::Compactor> compactor_;
  std::unique_ptr<server::BoundedExecutor> udp_;     // Jaeger agent datagrams
  std::shared_ptr<server::BodyBudget> body_budget_;  // shared by every HTTP listener
  std::vector<std::thread> io_threads_;
  std::vector<std::unique_ptr<receiver::JaegerAgentReceiver>> jaeger_agents_;
  std::vector<std::unique_ptr<server::GrpcServer>> grpc_servers_;
  std::vector<std::unique_ptr<server::HttpServer>> http_servers_;  // [0] is the API server
  std::vector<HttpListener> http_listeners_;  // only while starting

  ModuleList modules_;
  std::atomic<bool> ready_{false};
  std::promise<void> stop_requested_;
  std::atomic<bool> stop_once_{false};
};

Status App::start() {
  overrides_ = std::make_unique<overrides::Overrides>(cfg_.overrides);
  if (!cfg_.per_tenant_overrides.path.empty()) {
    runtime_config_ =
        std::make_unique<overrides::RuntimeConfig>(*overrides_, cfg_.per_tenant_overrides);
    TEMPO_RETURN_IF_ERROR(runtime_config_->load());  // a bad file stops the start
  }
  overrides::Overrides* ov = overrides_.get();
  const auto& st = cfg_.storage.trace;
  if (st.backend == "local") {
    backend_ = backend::make_local_backend(st.local.path);
  } else if (st.backend == "s3") {
    backend::S3Options so;
    so.bucket = st.s3.bucket;
    so.endpoint = st.s3.endpoint;
    so.prefix = st.s3.prefix;
    if (!st.s3.region.empty()) so.region = st.s3.region;
    so.access_key = st.s3.access_key;
    so.secret_key = st.s3.secret_key;
    so.session_token = st.s3.session_token;
    so.insecure = st.s3.insecure;
    so.insecure_skip_verify = st.s3.insecure_skip_verify;
    so.forcepathstyle = st.s3.forcepathstyle;
    if (st.s3.part_size > 0) so.part_size = static_cast<size_t>(st.s3.part_size);
    TEMPO_RETURN_IF_ERROR(backend::make_s3_backend(so, &backend_));
    log::info("s3 backend", {{"bucket", so.bucket}, {"endpoint", so.endpoint}, {"prefix", so.prefix}});
  } else {
    return Status::invalid_argument("storage.trace.backend \"" + st.backend +
                                    "\" is not supported yet; use \"local\" or \"s3\"");
  }
  blocks_ = std::make_unique<block::BlockList>(*backend_);
  TEMPO_RETURN_IF_ERROR(blocks_->load());
  size_t block_count = 0;
  for (const auto& t : blocks_->tenants()) block_count += blocks_->metas(t).size();
  log::info("block list loaded", {{"backend", std::string(backend_->name())},
                                  {"tenants", blocks_->tenants().size()},
                                  {"blocks", block_count}});

  ingester::IngesterOptions io;
  io.wal_path = st.wal.path;
  io.trace_idle_period = cfg_.ingester.trace_idle_period;
  io.flush_check_period = cfg_.ingester.flush_check_period;
  io.max_block_bytes = cfg_.ingester.max_block_bytes;
  io.max_block_duration = cfg_.ingester.max_block_duration;
  io.concurrent_flushes = std::clamp(cfg_.ingester.concurrent_flushes, 1, 4);
  io.max_unflushed_blocks = static_cast<uint64_t>(cfg_.ingester.max_unflushed_blocks);
  io.block_options.bloom_false_positive = st.block.bloom_filter_false_positive;
  io.block_options.bloom_shard_size_bytes = st.block.bloom_filter_shard_size_bytes;
  // Per-tenant limits, asked of the overrides on every push (and request, lookup, pass below).
  io.limits_for = [ov](std::string_view tenant) {
    const auto l = ov->for_tenant(tenant);
    return ingester::TraceLimits{
        static_cast<uint64_t>(std::max<int64_t>(l->max_bytes_per_trace, 0)),
        static_cast<uint64_t>(std::max<int64_t>(l->max_traces_per_user, 0))};
  };
  block::BlockList* blocks = blocks_.get();
  ingester_ = std::make_unique<ingester::Ingester>(
      io, *backend_, [blocks](const block::BlockMeta& meta) { blocks->add(meta); });
  TEMPO_RETURN_IF_ERROR(make_generator());

  distributor::DistributorLimits limits;
  limits.for_tenant = [ov](std::string_view tenant) {
    const auto l = ov->for_tenant(tenant);
    return distributor::RateLimit{static_cast<double>(l->ingestion_rate_limit_bytes),
                                  static_cast<double>(l->ingestion_burst_size_bytes)};
  };
  distributor_ =
      std::make_unique<distributor::Distributor>(*ingester_, limits, generator_.get());
  querier_ = std::make_unique<querier::Querier>(*ingester_, *blocks_);
  querier_->set_search_timeout(cfg_.querier.search_query_timeout);
  querier_->set_target_bytes_per_job(
      static_cast<uint64_t>(cfg_.query_frontend.search.target_bytes_per_job));
  querier_->set_max_bytes_per_tag_values_for([ov](std::string_view tenant) {
    return static_cast<uint64_t>(
        std::max<int64_t>(ov->for_tenant(tenant)->max_bytes_per_tag_values_query, 0));
  });

  // One lease owner per process: the sweeper, retention and the compactor work on a tenant only
  // while this process holds its lease, so processes sharing a backend split the tenants.
  compactor::LeaseOptions lease_options;
  // Stable across restarts, so a restart after a crash takes its own lease back at once.
  lease_options.owner = compactor::stable_lease_owner(std::filesystem::absolute(st.wal.path));
  lease_ = std::make_unique<compactor::Lease>(*backend_, lease_options);
  compactor::SweepOptions sweep_options;
  sweep_options.period = std::max<config::Duration>(st.blocklist_poll, std::chrono::seconds(1));
  sweeper_ = std::make_unique<compactor::Sweeper>(*backend_, *blocks_, *lease_, sweep_options);

  compactor::RetentionOptions ro;
  // A tenant override (Tempo's overrides.defaults.compaction.block_retention, or the tenant's
  // in the runtime file) wins when set.
  ro.retention_for = [ov, fallback = cfg_.compactor.block_retention](std::string_view tenant) {
    const config::Duration r = ov->for_tenant(tenant)->block_retention;
    return r > config::Duration::zero() ? r : fallback;
  };
  ro.period = std::max<config::Duration>(st.blocklist_poll, std::chrono::seconds(1));
  ro.compacted_retention = cfg_.compactor.compacted_block_retention;
  ro.concurrency = static_cast<size_t>(std::max(cfg_.compactor.retention_concurrency, 1));
  retention_ = std::make_unique<compactor::Retention>(*backend_, *blocks_, ro, lease_.get());

  compactor::CompactorOptions co;
  co.cycle = cfg_.compactor.compaction_cycle;
  co.selector.window = cfg_.compactor.compaction_window;
  co.selector.max_objects = static_cast<uint64_t>(cfg_.compactor.max_compaction_objects);
  co.selector.max_bytes = static_cast<uint64_t>(cfg_.compactor.max_block_bytes);
  co.selector.min_inputs = static_cast<size_t>(cfg_.compactor.min_input_blocks);
  co.selector.max_inputs = static_cast<size_t>(cfg_.compactor.max_input_blocks);
  co.block = io.block_options;
  compaction_ = std::make_unique<server::BoundedExecutor>("compaction", 1, 1);
  server::BoundedExecutor* pool = compaction_.get();
  compactor_ = std::make_unique<compactor::Compactor>(
      *backend_, *blocks_, co,
      [pool](std::function<void()> task) { return pool->try_post(std::move(task)); }, lease_.get());

  // Started top to bottom, stopped bottom to top: data stops arriving first, the generator
  // then delivers its last collection, the ingester flushes what was accepted into blocks,
  // and queries are answered until the very end.
  modules_.add({"query-serving", nullptr, [this] { stop_query_serving(); }});
  if (runtime_config_) {
    modules_.add({"runtime-config",
                  [this] {
                    runtime_config_->start();
                    return Status::ok();
                  },
                  [this] { runtime_config_->stop(); }});
  }
  // Other processes on the same backend add, compact and delete blocks: re-read the list.
  modules_.add({"blocklist-poll",
                [this, poll = st.blocklist_poll] {
                  blocks_->start_polling(poll);
                  return Status::ok();
                },
                [this] { blocks_->stop_polling(); }});
  modules_.add({"compactor-lease", nullptr, [this] {
                  Status s = lease_->release_all();  // a replica takes over without waiting
                  if (!s.is_ok()) {
                    log::warn("releasing compactor leases failed", {{"err", s.to_string()}});
                  }
                }});
  modules_.add({"sweeper",
                [this] {
                  sweeper_->start();
                  return Status::ok();
                },
                [this] { sweeper_->stop(); }});
  modules_.add({"retention",
                [this] {
                  retention_->start();
                  return Status::ok();
                },
                [this] { retention_->stop(); }});
  modules_.add({"compactor",
                [this] {
                  compactor_->start();
                  return Status::ok();
                },
                [this] {
                  compactor_->stop();  // a merge in progress is abandoned, never visible
                  compaction_->stop();
                }});
  modules_.add({"ingester", [this] { return ingester_->start(); },
                [this] {
                  Status s = ingester_->flush();
                  if (!s.is_ok()) {
                    log::error("flush on shutdown failed; data stays in the wal and is replayed "
                               "on start",
                               {{"err", s.to_string()}});
                  }
                  ingester_->stop();
                }});
  if (remote_write_) {
    modules_.add({"remote-write", nullptr, [this] {
                    remote_write_->shutdown(std::chrono::steady_clock::now() +
                                            cfg_.server.graceful_shutdown_timeout / 2);
                  }});
  }
  if (generator_) {
    modules_.add({"metrics-generator", [this] { return generator_->start(); },
                  [this] { generator_->stop(); }});
  }
  modules_.add({"ingest-serving", [this] { return start_serving(); },
                [this] { stop_ingest_serving(); }});
  TEMPO_RETURN_IF_ERROR(modules_.start_all());
  ready_ = true;
  log::info("Tempo started", {{"version", std::string(metrics::version())},
                              {"target", cfg_.target}});
  return Status::ok();
}

// The metrics generator runs when any tenant has a processor; its series go to every sink
// configured: the /metrics exposure (metrics_generator.registry.expose_on_metrics_endpoint)
// and remote write.
Status App::make_generator() {
  generator::GeneratorOptions go;
  go.config = cfg_.metrics_generator;
  go.default_processors = cfg_.overrides.metrics_generator_processors;
  // Every tenant's processors and series limit come from the overrides (tempo.yaml's defaults
  // and the runtime file); default_processors only decides below whether a generator runs.
  go.overrides_for = [ov = overrides_.get()](std::string_view tenant) {
    return ov->for_tenant(tenant);
  };
  // local-blocks and host-info are accepted and not run: alone they need no generator.
  auto runs = [](const std::vector<std::string>& processors) {
    for (const auto& p : processors) {
      if (p != "local-blocks" && p != "host-info") return true;
    }
    return false;
  };
  bool any = runs(go.default_processors);
  const auto snapshot = overrides_->snapshot();
  for (const auto& [tenant, limits] : snapshot->tenants()) {
    any = any || runs(limits->metrics_generator_processors);
  }
  // With a runtime overrides file, a reload may give a tenant processors later: the generator
  // runs whenever its series have somewhere to go.
  const bool sink_configured = cfg_.metrics_generator.registry.expose_on_metrics_endpoint ||
                               !cfg_.metrics_generator.storage.remote_write.empty();
  if (!any && !(runtime_config_ && sink_configured)) return Status::ok();
  if (cfg_.metrics_generator.registry.expose_on_metrics_endpoint) {
    generator_exposure_ = std::make_unique<generator::MetricsExposure>();
    generator_sinks_.add(generator_exposure_.get());
  }
  // Remote write (metrics_generator.storage.remote_write): stopped after the generator's last
  // collection (its module comes before "metrics-generator" in App::start).
  TEMPO_RETURN_IF_ERROR(generator::make_remote_write_sink(cfg_, &remote_write_));
  if (remote_write_) generator_sinks_.add(remote_write_.get());
  if (any && !generator_exposure_ && !remote_write_) {
    log::warn("metrics generator processors are enabled but its series go nowhere: set "
              "metrics_generator.registry.expose_on_metrics_endpoint or a remote write");
  }
  generator_ = std::make_unique<generator::Generator>(std::move(go), generator_sinks_);
  return Status::ok();
}

Status App::start_serving() {
  ingest_ = std::make_unique<server::BoundedExecutor>("ingest", 4, 128);
  query_ = std::make_unique<server::BoundedExecutor>("query", 4, 64);
  admin_ = std::make_unique<server::BoundedExecutor>("admin", 2, 8);
  udp_ = std::make_unique<server::BoundedExecutor>("udp", 2, 1024);
  if (cfg_.server.http_max_request_bytes_in_flight > 0) {
    body_budget_ = std::make_shared<server::BodyBudget>(
        static_cast<uint64_t>(cfg_.server.http_max_request_bytes_in_flight));
  }
  TEMPO_RETURN_IF_ERROR(start_http());
  TEMPO_RETURN_IF_ERROR(start_grpc());

  const int io_threads = 2;
  for (int i = 0; i < io_threads; ++i) {
    io_threads_.emplace_back([this] {
      set_thread_name("io");
      io_.run();
    });
  }
  return Status::ok();
}

// Stop taking data: every receiver's listener and the pushes already accepted.
void App::stop_ingest_serving() {
  const int grace_ms = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.server.graceful_shutdown_timeout)
          .count());
  for (auto& g : grpc_servers_) g->stop(grace_ms);
  for (auto& a : jaeger_agents_) a->stop();
  for (size_t i = 1; i < http_servers_.size(); ++i) http_servers_[i]->stop();
  if (ingest_) ingest_->stop();  // pushes already accepted finish before the flush
  if (udp_) udp_->stop();
}

// Stop answering queries: the API server, the network threads and the query workers.
void App::stop_query_serving() {
  if (!http_servers_.empty()) http_servers_[0]->stop();
  io_.stop();
  for (auto& t : io_threads_) t.join();
  io_threads_.clear();
  if (query_) query_->stop();
  if (admin_) admin_->stop();
}

// Several HTTP endpoints (the API, OTLP/HTTP, Zipkin, Jaeger Thrift) may name one port; each
// port gets one server carrying the routes of everything configured on it.
struct App::HttpListener {
  std::string what;  // for the log line
  server::HttpServerOptions options;
  server::Router router;
  config::TlsConfig tls;
};

// One port serves one way: a receiver's `tls` that differs from another endpoint's on the same
// port could only be honoured for one of them, so the start is refused.
static Status tls_conflict(int port, const std::string& first, const config::TlsConfig& a,
                           const std::string& second, const config::TlsConfig& b) {
  if (a.same_as(b)) return Status::ok();
  auto name = [](const std::string& what, const config::TlsConfig& t) {
    return what + " (" + (t.enabled ? t.key_path : std::string("no tls")) + ")";
  };
  return Status::invalid_argument("port " + std::to_string(port) + " is shared by " +
                                  name(first, a) + " and " + name(second, b) +
                                  " with different TLS settings; give them the same tls block "
                                  "or separate ports");
}

Status App::http_listener(const std::string& host, int port, const std::string& what,
                          const config::TlsConfig& tls, HttpListener** out) {
  for (auto& l : http_listeners_) {
    if (l.options.port == port) {
      TEMPO_RETURN_IF_ERROR(tls_conflict(port, l.what, l.tls, what, tls));
      l.what += "," + what;
      *out = &l;
      return Status::ok();
    }
  }
  HttpListener l;
  l.what = what;
  l.options = http_listeners_.empty() ? server::HttpServerOptions{} : http_listeners_[0].options;
  l.options.address = host;
  l.options.port = static_cast<uint16_t>(port);
  l.tls = tls;
  http_listeners_.push_back(std::move(l));
  *out = &http_listeners_.back();
  return Status::ok();
}

Status App::start_http() {
  frontend::ApiOptions ao;
  ao.multitenancy_enabled = cfg_.multitenancy_enabled;
  ao.http_api_prefix = cfg_.http_api_prefix;
  ao.search = search_limits();
  ao.metrics = metrics_limits();
  ao.admin_endpoints = cfg_.server.admin_endpoints_enabled;
  frontend::ApiHooks hooks;
  hooks.ready = [this] { return ready_.load(); };
  hooks.shutdown = [this] { request_stop(); };
  hooks.runtime_config = [ov = overrides_.get()](bool diff) {
    return overrides::runtime_config_yaml(*ov->snapshot(), diff);
  };
  if (generator_exposure_) {
    hooks.extra_metrics = [e = generator_exposure_.get()] { return e->text(); };
  }
  api_ = std::make_unique<frontend::Api>(ao, *querier_, *ingester_, hooks);

  // The API server comes first: the others take its timeouts.
  HttpListener* api_listener = nullptr;
  TEMPO_RETURN_IF_ERROR(http_listener(
      cfg_.server.http_listen_address.empty() ? "0.0.0.0" : cfg_.server.http_listen_address,
      cfg_.server.http_listen_port, "api", cfg_.server.http_tls, &api_listener));
  auto& api = *api_listener;
  auto secs = [](config::Duration d) {
    return std::max(std::chrono::seconds(1), std::chrono::duration_cast<std::chrono::seconds>(d));
  };
  api.options.read_timeout = secs(cfg_.server.http_server_read_timeout);
  api.options.write_timeout = secs(cfg_.server.http_server_write_timeout);
  api.options.idle_timeout = secs(cfg_.server.http_server_idle_timeout);
  api.options.body_budget = body_budget_;  // the other listeners copy the API's options
  api.options.max_connections =
      static_cast<size_t>(std::max<int64_t>(0, cfg_.server.http_listen_conn_limit));
  api_->register_routes(api.router);

  const bool mt = cfg_.multitenancy_enabled;
  const auto& rc = cfg_.distributor.receivers;
  std::string host;
  int port = 0;
  HttpListener* l = nullptr;
  if (rc.otlp.enabled && rc.otlp.http.enabled) {
    TEMPO_RETURN_IF_ERROR(server::parse_endpoint(rc.otlp.http.endpoint, &host, &port));
    otlp_http_ = std::make_unique<receiver::OtlpHttpReceiver>(*distributor_, mt);
    TEMPO_RETURN_IF_ERROR(http_listener(host, port, "otlp_http", rc.otlp.http.tls, &l));
    otlp_http_->register_routes(l->router);
    l->options.max_body_bytes = static_cast<size_t>(rc.otlp.http.max_request_body_size);
  }
  if (rc.zipkin.enabled) {
    TEMPO_RETURN_IF_ERROR(server::parse_endpoint(rc.zipkin.endpoint, &host, &port));
    zipkin_ = std::make_unique<receiver::ZipkinReceiver>(*distributor_, mt);
    TEMPO_RETURN_IF_ERROR(http_listener(host, port, "zipkin", rc.zipkin.tls, &l));
    zipkin_->register_routes(l->router);
  }
  if (rc.jaeger_thrift_http.enabled) {
    TEMPO_RETURN_IF_ERROR(server::parse_endpoint(rc.jaeger_thrift_http.endpoint, &host, &port));
    jaeger_http_ = std::make_unique<receiver::JaegerThriftHttpReceiver>(*distributor_, mt);
    TEMPO_RETURN_IF_ERROR(
        http_listener(host, port, "jaeger_thrift_http", rc.jaeger_thrift_http.tls, &l));
    jaeger_http_->register_routes(l->router);
  }

  if (cfg_.stream_over_http_enabled) {
    // Grafana dials gRPC at its data source URL's host:port (h2c, or h2 negotiated by ALPN
    // when the port has TLS), i.e. this port.
    http_listeners_[0].options.http2_handoff = [this](int fd) {
      if (query_grpc_) {
        Status s = query_grpc_->adopt_connection(fd);  // closes fd on failure
        if (!s.is_ok()) log::warn("streaming grpc connection refused", {{"err", s.to_string()}});
      } else {
        ::close(fd);
      }
    };
    http_listeners_[0].what += ",grpc_streaming";
  }
  // Every TLS context is built before any port listens.
  for (auto& li : http_listeners_) {
    if (li.tls.enabled) {
      TEMPO_RETURN_IF_ERROR(server::make_http_tls_context(li.tls, &li.options.tls));
    }
  }
  for (auto& l : http_listeners_) {
    auto srv = std::make_unique<server::HttpServer>(
        io_, server::HttpExecutors{query_.get(), ingest_.get(), admin_.get()}, l.options,
        std::move(l.router));
    TEMPO_RETURN_IF_ERROR(srv->start());
    log::info("http listening", {{"serves", l.what},
                                 {"addr", l.options.address + ":" + std::to_string(srv->port())},
                                 {"tls", l.tls.enabled ? "true" : "false"}});
    http_servers_.push_back(std::move(srv));
  }
  http_listeners_.clear();

  for (auto [receiver, protocol, name] :
       {std::tuple{&rc.jaeger_thrift_compact, model::ThriftProtocol::kCompact, "thrift_compact"},
        std::tuple{&rc.jaeger_thrift_binary, model::ThriftProtocol::kBinary, "thrift_binary"}}) {
    if (!receiver->enabled) continue;
    TEMPO_RETURN_IF_ERROR(server::parse_endpoint(receiver->endpoint, &host, &port));
    auto agent = std::make_unique<receiver::JaegerAgentReceiver>(io_, *udp_, *distributor_, mt,
                                                                 protocol);
    TEMPO_RETURN_IF_ERROR(agent->start(host, port));
    log::info("jaeger agent udp listening",
              {{"transport", name}, {"addr", host + ":" + std::to_string(agent->port())}});
    jaeger_agents_.push_back(std::move(agent));
  }
  return Status::ok();
}

Status App::start_grpc() {
  // Tempo's own gRPC port, the OTLP receiver and the Jaeger collector API may share ports;
  // each port gets one server with the services configured on it. Only the OTLP receiver on
  // a port of its own keeps its receiver message limit; on a shared port the server's applies.
  struct Listener {
    server::GrpcServerOptions options;
    // Registers the receivers' methods once the listener's limits are final.
    std::vector<std::function<void(server::GrpcServer&)>> methods;
    std::string what;
    config::TlsConfig tls;
  };
  std::vector<Listener> listeners;
  auto listener = [&](const std::string& endpoint, const std::string& what,
                      const config::TlsConfig& tls, Listener** out) -> Status {
    std::string host;
    int port = 0;
    TEMPO_RETURN_IF_ERROR(server::parse_endpoint(endpoint, &host, &port));
    for (auto& l : listeners) {
      if (l.options.port == port) {
        TEMPO_RETURN_IF_ERROR(tls_conflict(port, l.what, l.tls, what, tls));
        l.what += "," + what;
        l.options.max_recv_msg_size = static_cast<int>(cfg_.server.grpc_server_max_recv_msg_size);
        *out = &l;
        return Status::ok();
      }
    }
    Listener l;
    l.options.address = host;
    l.options.port = port;
    l.options.max_recv_msg_size = static_cast<int>(cfg_.server.grpc_server_max_recv_msg_size);
    l.options.max_send_msg_size = static_cast<int>(cfg_.server.grpc_server_max_send_msg_size);
    l.options.max_concurrent_streams =
        static_cast<int>(cfg_.server.grpc_server_max_concurrent_streams);
    // dskit applies the limit to Tempo's own gRPC port; here every gRPC port has it, so a
    // flood of connections to the OTLP receiver is bounded too.
    l.options.body_budget = body_budget_;
    l.options.max_connections =
        static_cast<size_t>(std::max<int64_t>(0, cfg_.server.grpc_listen_conn_limit));
    l.what = what;
    l.tls = tls;
    listeners.push_back(std::move(l));
    *out = &listeners.back();
    return Status::ok();
  };
  listeners.reserve(4);
  const bool mt = cfg_.multitenancy_enabled;
  const auto& rc = cfg_.distributor.receivers;
  Listener* l = nullptr;
  if (rc.otlp.enabled && rc.otlp.grpc.enabled) {
    otlp_grpc_ = std::make_unique<receiver::OtlpGrpcReceiver>(*distributor_, mt);
    TEMPO_RETURN_IF_ERROR(listener(rc.otlp.grpc.endpoint, "otlp_grpc", rc.otlp.grpc.tls, &l));
    auto* r = otlp_grpc_.get();
    l->methods.push_back([r](server::GrpcServer& srv) {
      srv.add_bounded_unary<opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse>(
          "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
          [r](grpc::ServerContext* ctx, std::string_view req, auto* rsp) {
            return r->export_bytes(ctx, req, rsp);
          });
    });
    const int server_port = cfg_.server.grpc_listen_port;
    if (l->options.port != server_port) {
      l->options.max_recv_msg_size = static_cast<int>(rc.otlp.grpc.max_recv_msg_size_mib << 20);
    }
  }
  if (rc.jaeger_grpc.enabled) {
    jaeger_grpc_ = std::make_unique<receiver::JaegerGrpcReceiver>(*distributor_, mt);
    TEMPO_RETURN_IF_ERROR(listener(rc.jaeger_grpc.endpoint, "jaeger_grpc", rc.jaeger_grpc.tls, &l));
    auto* r = jaeger_grpc_.get();
    l->methods.push_back([r](server::GrpcServer& srv) {
      srv.add_bounded_unary<jaeger::api_v2::PostSpansResponse>(
          "/jaeger.api_v2.CollectorService/PostSpans",
          [r](grpc::ServerContext* ctx, std::string_view req, auto*) {
            return r->post_spans_bytes(ctx, req);
          });
    });
  }
  // The query frontend's streaming API lives on Tempo's own gRPC port.
  streaming_querier_ = std::make_unique<frontend::StreamingQuerierService>(
      *querier_, mt, search_limits(), metrics_limits());
  const std::string& grpc_host = cfg_.server.grpc_listen_address;
  TEMPO_RETURN_IF_ERROR(listener((grpc_host.empty() ? "0.0.0.0" : grpc_host) + ":" +
                                     std::to_string(cfg_.server.grpc_listen_port),
                                 "streaming_querier", cfg_.server.grpc_tls, &l));
  auto* sq = streaming_querier_.get();
  l->methods.push_back([sq](server::GrpcServer& srv) { srv.add_service(sq); });
  const int query_port = l->options.port;
  for (auto& li : listeners) {
    if (li.tls.enabled) li.options.credentials = server::make_grpc_tls_credentials(li.tls);
  }
  for (auto& li : listeners) {
    auto srv = std::make_unique<server::GrpcServer>(li.options);
    // Compressed requests are inflated by our handlers, bounded by the listener's limit
    // (gRPC 1.51 core inflates whole messages before checking their size).
    for (auto& add : li.methods) add(*srv);
    TEMPO_RETURN_IF_ERROR(srv->start());
    if (li.options.port == query_port) query_grpc_ = srv.get();
    log::info("grpc listening", {{"serves", li.what},
                                 {"addr", li.options.address + ":" + std::to_string(srv->port())},
                                 {"tls", li.tls.enabled ? "true" : "false"}});
    grpc_servers_.push_back(std::move(srv));
  }
  return Status::ok();
}

frontend::SearchLimits App::search_limits() const {
  const auto& c = cfg_.query_frontend.search;
  auto u32 = [](int64_t v) {
    return static_cast<uint32_t>(std::clamp<int64_t>(v, 0, std::numeric_limits<uint32_t>::max()));
  };
  frontend::SearchLimits l;
  l.default_result_limit = u32(c.default_result_limit);
  l.max_result_limit = u32(c.max_result_limit);
  l.default_spans_per_span_set = u32(c.default_spans_per_span_set);
  l.max_spans_per_span_set = u32(c.max_spans_per_span_set);
  l.max_duration = c.max_duration;
  l.max_query_bytes = static_cast<uint64_t>(cfg_.query_frontend.max_query_expression_size_bytes);
  l.max_packet_bytes = static_cast<uint64_t>(cfg_.query_frontend.max_grpc_streaming_packet_size);
  return l;
}

frontend::MetricsLimits App::metrics_limits() const {
  const auto& c = cfg_.query_frontend.metrics;
  auto u32 = [](int64_t v) {
    return static_cast<uint32_t>(std::clamp<int64_t>(v, 0, std::numeric_limits<uint32_t>::max()));
  };
  frontend::MetricsLimits l;
  l.max_duration = c.max_duration;
  l.max_intervals = static_cast<uint64_t>(std::max<int64_t>(c.max_intervals, 0));
  l.max_exemplars = u32(c.max_exemplars);
  l.max_response_series = u32(c.max_response_series);
  l.max_query_bytes = static_cast<uint64_t>(cfg_.query_frontend.max_query_expression_size_bytes);
  return l;
}

void App::request_stop() {
  if (stop_once_.exchange(true)) return;
  stop_requested_.set_value();
}

int App::wait_and_stop() {
  asio::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (!ec) {
      log::info("received signal, shutting down", {{"signal", sig}});
      request_stop();
    }
  });
  stop_requested_.get_future().wait();
  ready_ = false;

  // Everything below is bounded by server.graceful_shutdown_timeout, whatever the backend
  // does: past it the process exits. Nothing acknowledged is lost by that, since every
  // accepted span is already in the WAL, which is replayed on start.
  const auto timeout = cfg_.server.graceful_shutdown_timeout;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool done = false;
  std::thread watchdog([&] {
    std::unique_lock<std::mutex> lock(done_mu);
    if (done_cv.wait_until(lock, deadline, [&] { return done; })) return;
    log::error("graceful shutdown did not finish within server.graceful_shutdown_timeout; "
               "exiting now (unflushed data stays in the wal and is replayed on start)",
               {{"timeout", std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               timeout).count()) + "ms"}});
    std::_Exit(1);
  });
  // The modules stop in the reverse of their start order (App::start).
  signals.cancel();
  modules_.stop_all();
  int code = 0;
  {
    std::lock_guard<std::mutex> lock(done_mu);
    done = true;
  }
  done_cv.notify_all();
  watchdog.join();
  log::info("Tempo stopped");
  return code;
}

}  // namespace

int run(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  Flags flags;
  Status s = parse_flags(args, &flags);
  if (!s.is_ok()) {
    std::fprintf(stderr, "%s\n%s", s.message().c_str(), usage().c_str());
    return 2;
  }
  if (flags.help) {
    std::fputs(usage().c_str(), stdout);
    return 0;
  }
  if (flags.version) {
    std::printf("tempo, version %s (revision: %s)\n", std::string(metrics::version()).c_str(),
                std::string(metrics::revision()).c_str());
    return 0;
  }
  if (flags.config_file.empty()) {
    log::error("no configuration file given; use -config.file=PATH");
    return 1;
  }
  config::Config cfg;
  config::LoadOptions lo;
  lo.expand_env = flags.config_expand_env;
  s = config::load_file(flags.config_file, lo, &cfg);
  if (s.is_ok()) s = config::validate(cfg);
  if (!s.is_ok()) {
    log::error("failed to load config", {{"file", flags.config_file}, {"err", s.message()}});
    return 1;
  }
  std::string level = flags.log_level.empty() ? cfg.server.log_level : flags.log_level;
  log::Level lvl;
  if (!log::parse_level(level, &lvl)) {
    log::error("invalid log level", {{"level", level}});
    return 1;
  }
  log::set_level(lvl);
  log::set_format(cfg.server.log_format == "json" ? log::Format::kJson : log::Format::kLogfmt);
  if (flags.target != "all") {
    log::error("only -target=all is supported by this build",
               {{"target", flags.target}});
    return 1;
  }
  for (const auto& m : cfg.mapped) {
    auto arrow = m.find(" -> ");
    log::info("Tempo 3.x config key mapped",
              {{"key", m.substr(0, arrow)}, {"as", m.substr(arrow + 4)}});
  }
  if (flags.config_verify) {
    for (const auto& w : cfg.warnings) log::warn(w);
    // The runtime overrides file is part of what a start needs: checked too.
    if (const std::string& path = cfg.per_tenant_overrides.path; !path.empty()) {
      std::string text;
      config::RuntimeOverrides runtime;
      s = config::read_runtime_overrides_file(path, &text);
      if (s.is_ok()) {
        s = config::parse_runtime_overrides(text, path, cfg.overrides,
                                            cfg.per_tenant_overrides.expand_env, &runtime);
      }
      if (!s.is_ok()) {
        log::error("failed to load config", {{"file", path}, {"err", s.message()}});
        return 1;
      }
      for (const auto& w : runtime.warnings) log::warn(w, {{"file", path}});
    }
    log::info("config is valid", {{"file", flags.config_file},
                                  {"mapped_keys", cfg.mapped.size()},
                                  {"ignored_keys", cfg.warnings.size()}});
    return 0;
  }

  for (const auto& w : cfg.warnings) log::warn(w);
  App app(std::move(cfg));
  s = app.start();
  if (!s.is_ok()) {
    log::error("error starting tempo", {{"err", s.to_string()}});
    return 1;
  }
  return app.wait_and_stop();
}

}  // namespace tempo::app
