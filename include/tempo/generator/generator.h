#pragma once
// The metrics generator module: takes accepted spans from the distributor into bounded
// queues, runs each tenant's enabled processors (span-metrics, service-graphs) on a few
// threads (shards), and every registry.collection_interval merges the shards and hands each
// tenant's series to a SeriesSink (remote write, the /metrics exposure, or both). A trace goes
// to the shard its ID hashes to, so the two halves of a service-graph edge meet in one shard.
// Processors are enabled per tenant by overrides (metrics_generator.processors); a tenant
// with none costs the ingest path one lookup. See docs/metrics_generator.md.

#include <google/protobuf/arena.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/config/config.h"
#include "tempo/generator/series_sink.h"
#include "tempo/generator/span_consumer.h"
#include "tempo/util/status.h"

namespace tempo::generator {

struct GeneratorOptions {
  config::MetricsGeneratorConfig config;  // config.processing_threads: the shards
  // overrides.defaults.metrics_generator.processors, and per tenant where set.
  std::vector<std::string> default_processors;
  std::map<std::string, std::vector<std::string>, std::less<>> tenant_processors;
  uint64_t max_active_series = 0;  // per tenant, over all shards; 0: no limit
  // When set, each tenant's overrides (the runtime overrides file): its
  // metrics_generator_processors and metrics_generator_max_active_series, asked on every offer
  // and per queued item on the shards (a change of processors or limit rebuilds the tenant's
  // processors there); the three fields above are then unused. Must be cheap and thread-safe.
  std::function<std::shared_ptr<const config::OverridesConfig>(std::string_view tenant)>
      overrides_for;
  // Spans waiting for the shards, over all tenants and shards; beyond it offers are dropped.
  uint64_t queue_spans = 200000;
  std::string instance;  // __metrics_gen_instance; empty: the host name
};

// The shards config.processing_threads asks for: 0 means one per core, at most 4.
size_t generator_shards(const config::MetricsGeneratorConfig& config);

class Generator : public SpanConsumer {
 public:
  // `sink` must outlive the generator.
  Generator(GeneratorOptions options, SeriesSink& sink);
  ~Generator() override;

  // Checks the processor configuration (filter policies) and starts one thread per shard and
  // the collecting thread.
  Status start();
  // Processes what is queued, collects a last time, and stops the threads.
  void stop();

  // Moves each trace's segment to its shard's queue (one item per shard per offer); parsed on
  // the shard's thread. All or nothing: an offer that does not fit is dropped.
  void offer(std::string_view tenant, std::vector<model::TraceSegment> segments) override;
  // The same for a decoded request (split by trace as the distributor does): tests and
  // benchmarks.
  void offer_request(
      std::string_view tenant,
      const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& req);

  // Whether any processor runs for `tenant`.
  bool enabled_for(std::string_view tenant) const;

  // Synchronous use without the threads (tests, benchmarks): process every shard's queue in
  // shard order, tick the processors and, with `collect`, merge the shards and collect every
  // tenant at `now_ms`. Deterministic for a given sequence of offers.
  void run_once(int64_t now_ms, bool collect);

  uint64_t dropped_spans() const { return dropped_.load(std::memory_order_relaxed); }
  size_t shards() const { return shards_.size(); }

 private:
  struct Tenant;
  struct ShardTenant;
  struct Shard;
  struct Item {
    std::string tenant;
    // Whole traces of one shard, each a serialized TracesData as the distributor split it;
    // together (parsed one after the other into one message) an ExportTraceServiceRequest.
    std::vector<std::string> segments;
    uint64_t spans = 0;
  };
  // The tenant's processors and series limit now, from options_.overrides_for.
  std::shared_ptr<const config::OverridesConfig> overrides_for(std::string_view tenant) const;
  Status make_shard_tenant(const std::string& name,
                           std::shared_ptr<const config::OverridesConfig> overrides,
                           std::unique_ptr<ShardTenant>* out);
  Tenant& collected_tenant(const std::string& name);
  // Shard work, under the shard's state lock.
  void process(Shard& shard, Item& item, int64_t now_ms);
  void tick(Shard& shard, int64_t now_ms);
  void shard_loop(Shard& shard);
  // Collection: merges every shard into the tenants' registries, then hands them to the sink.
  void collect(int64_t now_ms);
  void collect_loop();

  GeneratorOptions options_;
  SeriesSink& sink_;
  // The collected registries, made by the first shard that sees a tenant; collect() runs on
  // one thread at a time (the collecting thread, stop() after it, or run_once()). Declared
  // before the shards, whose tenants refer to them.
  std::mutex tenants_mu_;
  std::map<std::string, std::unique_ptr<Tenant>, std::less<>> tenants_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<uint64_t> queued_spans_{0};
  std::atomic<uint64_t> dropped_{0};

  std::mutex mu_;  // guards stopping_ and wakes the collecting thread
  std::condition_variable cv_;
  std::atomic<bool> stopping_{false};  // set under mu_
  bool started_ = false;
  std::thread collector_;
};

}  // namespace tempo::generator
