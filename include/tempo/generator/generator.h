#pragma once
// The metrics generator module: takes accepted spans from the distributor into a bounded
// queue, runs each tenant's enabled processors (span-metrics, service-graphs) on its own
// thread, and every registry.collection_interval hands each tenant's series to a SeriesSink
// (remote write, the /metrics exposure, or both). Processors are enabled per tenant by
// overrides (metrics_generator.processors); a tenant with none costs the ingest path one
// lookup. See docs/metrics_generator.md.

#include <google/protobuf/arena.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
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
  config::MetricsGeneratorConfig config;
  // overrides.defaults.metrics_generator.processors, and per tenant where set.
  std::vector<std::string> default_processors;
  std::map<std::string, std::vector<std::string>, std::less<>> tenant_processors;
  uint64_t max_active_series = 0;  // per tenant; 0: no limit
  // When set, each tenant's overrides (the runtime overrides file): its
  // metrics_generator_processors and metrics_generator_max_active_series, asked on every offer
  // and when the tenant's first spans arrive; the three fields above are then unused. Must be
  // cheap and thread-safe.
  std::function<std::shared_ptr<const config::OverridesConfig>(std::string_view tenant)>
      overrides_for;
  // Spans waiting for the generator thread, over all tenants; beyond it offers are dropped.
  uint64_t queue_spans = 200000;
  std::string instance;  // __metrics_gen_instance; empty: the host name
};

class Generator : public SpanConsumer {
 public:
  // `sink` must outlive the generator.
  Generator(GeneratorOptions options, SeriesSink& sink);
  ~Generator() override;

  // Checks the processor configuration (filter policies) and starts the generator thread.
  Status start();
  // Processes what is queued, collects a last time, and stops the thread.
  void stop();

  // Copies the pieces into one buffer in the queue; parsed on the generator thread.
  void offer(std::string_view tenant, std::span<const std::string_view> pieces,
             uint64_t spans) override;
  // The same for a decoded request (serialized first): tests and benchmarks.
  void offer_request(
      std::string_view tenant,
      const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& req);

  // Whether any processor runs for `tenant`.
  bool enabled_for(std::string_view tenant) const;

  // Synchronous use without the thread (tests, benchmarks): process the queue, tick the
  // processors and collect every tenant at `now_ms`.
  void run_once(int64_t now_ms, bool collect);

  uint64_t dropped_spans() const;

 private:
  struct Tenant;
  struct Item {
    std::string tenant;
    std::string bytes;  // serialized ExportTraceServiceRequest
    uint64_t spans = 0;
  };
  // The tenant's processors and series limit now, from options_.overrides_for.
  std::shared_ptr<const config::OverridesConfig> overrides_for(std::string_view tenant) const;
  Status make_tenant(const std::string& name, std::unique_ptr<Tenant>* out);
  void process(std::deque<Item>& items, int64_t now_ms);
  void tick(int64_t now_ms);
  void collect(int64_t now_ms);
  void loop();

  GeneratorOptions options_;
  SeriesSink& sink_;
  std::map<std::string, std::unique_ptr<Tenant>, std::less<>> tenants_;  // generator thread only
  // Every item is parsed into this arena, reset before the next: no per-string malloc/free.
  google::protobuf::Arena arena_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  uint64_t queued_spans_ = 0;
  uint64_t dropped_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tempo::generator
