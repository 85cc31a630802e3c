#include "tempo/generator/generator.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "tempo/generator/registry.h"
#include "tempo/generator/service_graphs.h"
#include "tempo/generator/span_metrics.h"
#include "tempo/observability/log.h"
#include "tempo/observability/metrics.h"

namespace tempo::generator {
namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

prometheus::Family<prometheus::Counter>& received_metric() {
  static auto& f = metrics::counter_family("tempo_metrics_generator_spans_received_total",
                                           "The total number of spans received per tenant");
  return f;
}
prometheus::Family<prometheus::Counter>& discarded_metric() {
  static auto& f =
      metrics::counter_family("tempo_metrics_generator_spans_discarded_total",
                              "The total number of discarded spans received per tenant");
  return f;
}
prometheus::Family<prometheus::Counter>& collections_metric() {
  static auto& f =
      metrics::counter_family("tempo_metrics_generator_registry_collections_total",
                              "The total amount of collections of the registry per tenant");
  return f;
}
prometheus::Family<prometheus::Counter>& collection_failures_metric() {
  static auto& f = metrics::counter_family(
      "tempo_metrics_generator_registry_collections_failed_total",
      "The total amount of collections whose series the sink refused per tenant");
  return f;
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t to_ms(config::Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

uint64_t count_spans(const ExportTraceServiceRequest& req) {
  uint64_t n = 0;
  for (const auto& rs : req.resource_spans())
    for (const auto& ss : rs.scope_spans()) n += static_cast<uint64_t>(ss.spans_size());
  return n;
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

bool has(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

struct Generator::Tenant {
  explicit Tenant(RegistryOptions o)
      : registry(std::move(o)),
        received(&received_metric().Add({{"tenant", registry.options().tenant}})) {}
  Registry registry;
  prometheus::Counter* received;
  std::vector<std::unique_ptr<Processor>> processors;
};

Generator::Generator(GeneratorOptions options, SeriesSink& sink)
    : options_(std::move(options)), sink_(sink) {
  if (options_.instance.empty()) options_.instance = host_name();
  if (!options_.overrides_for) {
    // Fixed overrides: the defaults, and tenant_processors where set.
    auto make = [this](const std::vector<std::string>& processors) {
      auto o = std::make_shared<config::OverridesConfig>();
      o->metrics_generator_processors = processors;
      o->metrics_generator_max_active_series = static_cast<int64_t>(options_.max_active_series);
      return std::shared_ptr<const config::OverridesConfig>(std::move(o));
    };
    std::map<std::string, std::shared_ptr<const config::OverridesConfig>, std::less<>> tenants;
    for (const auto& [t, p] : options_.tenant_processors) tenants.emplace(t, make(p));
    options_.overrides_for = [defaults = make(options_.default_processors),
                              tenants = std::move(tenants)](std::string_view tenant) {
      auto it = tenants.find(tenant);
      return it != tenants.end() ? it->second : defaults;
    };
  }
}

Generator::~Generator() { stop(); }

std::shared_ptr<const config::OverridesConfig> Generator::overrides_for(
    std::string_view tenant) const {
  return options_.overrides_for(tenant);
}

bool Generator::enabled_for(std::string_view tenant) const {
  const auto o = overrides_for(tenant);
  for (const auto& p : o->metrics_generator_processors) {
    if (p == "span-metrics" || p == "service-graphs" || p == "span-metrics-count" ||
        p == "span-metrics-latency" || p == "span-metrics-size") {
      return true;
    }
  }
  return false;
}

Status Generator::make_tenant(const std::string& name, std::unique_ptr<Tenant>* out) {
  const auto& rc = options_.config.registry;
  RegistryOptions ro;
  ro.tenant = name;
  for (const auto& [k, v] : rc.external_labels) ro.external_labels.push_back({k, v});
  if (!rc.inject_tenant_id_as.empty()) ro.external_labels.push_back({rc.inject_tenant_id_as, name});
  ro.instance = options_.instance;
  ro.stale_ms = to_ms(rc.stale_duration);
  const auto o = overrides_for(name);
  ro.max_active_series =
      static_cast<uint64_t>(std::max<int64_t>(0, o->metrics_generator_max_active_series));
  ro.max_label_name_length = static_cast<size_t>(rc.max_label_name_length);
  ro.max_label_value_length = static_cast<size_t>(rc.max_label_value_length);
  auto t = std::make_unique<Tenant>(std::move(ro));
  const auto& procs = o->metrics_generator_processors;
  SpanMetricsParts parts;
  if (has(procs, "span-metrics")) {
    parts = {true, true, true};
  } else {
    parts = {has(procs, "span-metrics-count"), has(procs, "span-metrics-latency"),
             has(procs, "span-metrics-size")};
  }
  if (parts.count || parts.latency || parts.size) {
    std::unique_ptr<SpanMetrics> sm;
    TEMPO_RETURN_IF_ERROR(
        SpanMetrics::create(options_.config.span_metrics, parts, t->registry, &sm));
    t->processors.push_back(std::move(sm));
  }
  if (has(procs, "service-graphs")) {
    t->processors.push_back(
        std::make_unique<ServiceGraphs>(options_.config.service_graphs, t->registry));
  }
  *out = std::move(t);
  return Status::ok();
}

Status Generator::start() {
  // A processor configuration that cannot run stops the start rather than every tenant's
  // first push.
  TEMPO_RETURN_IF_ERROR(SpanMetrics::validate(options_.config.span_metrics));
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { loop(); });
  log::info("metrics generator started",
            {{"collection_interval_ms", to_ms(options_.config.registry.collection_interval)},
             {"processors", std::to_string(options_.default_processors.size())}});
  return Status::ok();
}

void Generator::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Generator::offer(std::string_view tenant, std::span<const std::string_view> pieces,
                      uint64_t spans) {
  if (spans == 0 || !enabled_for(tenant)) return;
  bool full = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    full = stopping_ || queued_spans_ + spans > options_.queue_spans;
    if (full) {
      dropped_ += spans;
    } else {
      queued_spans_ += spans;  // reserved before the copy, so concurrent offers stay bounded
    }
  }
  if (full) {  // counted outside mu_, which the generator thread needs to take its work
    discarded_metric()
        .Add({{"tenant", std::string(tenant)}, {"reason", "queue_full"}})
        .Increment(static_cast<double>(spans));
    return;
  }
  // The copy is made outside the lock: offers from several network threads run in parallel.
  Item item{std::string(tenant), {}, spans};
  size_t total = 0;
  for (auto p : pieces) total += p.size();
  item.bytes.reserve(total);
  for (auto p : pieces) item.bytes.append(p);
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(item));
  }
  cv_.notify_one();
}

void Generator::offer_request(std::string_view tenant, const ExportTraceServiceRequest& req) {
  const std::string bytes = req.SerializeAsString();
  const std::string_view piece(bytes);
  offer(tenant, std::span<const std::string_view>(&piece, 1), count_spans(req));
}

uint64_t Generator::dropped_spans() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

void Generator::process(std::deque<Item>& items, int64_t now_ms) {
  for (auto& item : items) {
    auto it = tenants_.find(item.tenant);
    if (it == tenants_.end()) {
      std::unique_ptr<Tenant> t;
      Status s = make_tenant(item.tenant, &t);
      if (!s.is_ok()) {
        log::error("metrics generator cannot run for tenant",
                   {{"tenant", item.tenant}, {"err", s.to_string()}});
        continue;
      }
      it = tenants_.emplace(item.tenant, std::move(t)).first;
    }
    Tenant& t = *it->second;
    t.received->Increment(static_cast<double>(item.spans));
    arena_.Reset();
    auto* req = google::protobuf::Arena::CreateMessage<ExportTraceServiceRequest>(&arena_);
    if (!req->ParseFromString(item.bytes)) {
      log::error("metrics generator got spans it cannot parse", {{"tenant", item.tenant}});
      continue;
    }
    t.registry.set_now(now_ms);
    for (auto& p : t.processors) p->push(*req);
  }
}

void Generator::tick(int64_t now_ms) {
  for (auto& [name, t] : tenants_) {
    t->registry.set_now(now_ms);
    for (auto& p : t->processors) p->tick(now_ms);
  }
}

void Generator::collect(int64_t now_ms) {
  for (auto& [name, t] : tenants_) {
    std::vector<Sample> samples;
    t->registry.collect(now_ms, &samples);
    collections_metric().Add({{"tenant", name}}).Increment();
    Status s = sink_.append(name, std::move(samples));
    if (!s.is_ok()) {
      collection_failures_metric().Add({{"tenant", name}}).Increment();
      log::warn("generated series not delivered", {{"tenant", name}, {"err", s.to_string()}});
    }
  }
}

void Generator::run_once(int64_t now_ms, bool do_collect) {
  std::deque<Item> items;
  {
    std::lock_guard<std::mutex> lock(mu_);
    items.swap(queue_);
    queued_spans_ = 0;
  }
  process(items, now_ms);
  tick(now_ms);
  if (do_collect) collect(now_ms);
}

void Generator::loop() {
  const int64_t interval =
      std::max<int64_t>(1, to_ms(options_.config.registry.collection_interval));
  int64_t next_collect = wall_ms() + interval;
  int64_t next_tick = wall_ms() + 1000;
  std::deque<Item> items;
  for (;;) {
    bool stopping;
    {
      std::unique_lock<std::mutex> lock(mu_);
      const int64_t wake = std::min(next_collect, next_tick);
      cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(0, wake - wall_ms())),
                   [this] { return stopping_ || !queue_.empty(); });
      items.swap(queue_);
      for (const auto& i : items) queued_spans_ -= std::min(queued_spans_, i.spans);
      stopping = stopping_;
    }
    const int64_t now = wall_ms();
    process(items, now);
    items.clear();
    if (now >= next_tick || stopping) {
      tick(now);
      next_tick = now + 1000;
    }
    if (now >= next_collect || stopping) {
      collect(now);
      // Collections stay on the interval grid; a late one does not shift the next.
      while (next_collect <= now) next_collect += interval;
    }
    if (stopping) return;
  }
}

}  // namespace tempo::generator
