#include "tempo/generator/generator.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>

#include "tempo/generator/registry.h"
#include "tempo/generator/service_graphs.h"
#include "tempo/generator/span_metrics.h"
#include "tempo/observability/log.h"
#include "tempo/observability/metrics.h"
#include "tempo/util/thread_name.h"

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

constexpr size_t kMaxShards = 64;

// The shard of a trace: both 64-bit halves of the ID, mixed (murmur3's finalizer), since
// clients with counters or timestamps in their trace IDs exist.
size_t shard_of(const TraceId& id, size_t shards) {
  uint64_t a, b;
  std::memcpy(&a, id.bytes.data(), 8);
  std::memcpy(&b, id.bytes.data() + 8, 8);
  uint64_t h = a ^ (b * 0x9E3779B97F4A7C15ULL);
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDULL;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ULL;
  h ^= h >> 33;
  return static_cast<size_t>(h % shards);
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

bool has(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool same_generator_settings(const config::OverridesConfig& a, const config::OverridesConfig& b) {
  return a.metrics_generator_processors == b.metrics_generator_processors &&
         a.metrics_generator_max_active_series == b.metrics_generator_max_active_series;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

size_t generator_shards(const config::MetricsGeneratorConfig& config) {
  if (config.processing_threads > 0) {
    return std::min<size_t>(static_cast<size_t>(config.processing_threads), kMaxShards);
  }
  const unsigned cores = std::thread::hardware_concurrency();
  return std::clamp<size_t>(cores, 1, 4);
}

// A tenant's collected registry: the sum of what every shard merged into it. Its shards'
// threads ask it about new series (Registry::reserve) and the collection merges into it, both
// under `mu`.
struct Generator::Tenant {
  explicit Tenant(RegistryOptions o) : registry(std::move(o)) {}
  std::mutex mu;
  Registry registry;
};

// A tenant's processors on one shard, writing into the shard's registry (updates since the
// last merge).
struct Generator::ShardTenant {
  ShardTenant(RegistryOptions o, Tenant& t)
      : collected(t),
        registry(std::move(o)),
        received(&received_metric().Add({{"tenant", registry.options().tenant}})) {}
  Tenant& collected;
  // The overrides the processors were built from: when the tenant's processors or series
  // limit change, the shard tenant is rebuilt (Generator::process).
  std::shared_ptr<const config::OverridesConfig> overrides;
  Registry registry;
  prometheus::Counter* received;
  std::vector<std::unique_ptr<Processor>> processors;
};

struct Generator::Shard {
  // The queue: offers push under queue_mu, the shard's thread takes everything at once.
  std::mutex queue_mu;
  std::condition_variable cv;
  std::deque<Item> queue;
  bool stopping = false;
  // The processors' state: the shard's thread holds state_mu per item and per tick, the
  // collection while it merges this shard, so a merge never waits for more than one item.
  std::mutex state_mu;
  std::map<std::string, std::unique_ptr<ShardTenant>, std::less<>> tenants;
  // Every item is parsed into this arena, reset before the next: no per-string malloc/free.
  google::protobuf::Arena arena;
  std::thread thread;
};

Generator::Generator(GeneratorOptions options, SeriesSink& sink)
    : options_(std::move(options)), sink_(sink) {
  if (options_.instance.empty()) options_.instance = host_name();
  const size_t n = generator_shards(options_.config);
  for (size_t i = 0; i < n; ++i) shards_.push_back(std::make_unique<Shard>());
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

namespace {

RegistryOptions registry_options(const GeneratorOptions& options, const std::string& name,
                                 const config::OverridesConfig& overrides) {
  const auto& rc = options.config.registry;
  RegistryOptions ro;
  ro.tenant = name;
  for (const auto& [k, v] : rc.external_labels) ro.external_labels.push_back({k, v});
  if (!rc.inject_tenant_id_as.empty()) ro.external_labels.push_back({rc.inject_tenant_id_as, name});
  ro.instance = options.instance;
  ro.stale_ms = to_ms(rc.stale_duration);
  ro.max_active_series =
      static_cast<uint64_t>(std::max<int64_t>(0, overrides.metrics_generator_max_active_series));
  ro.max_label_name_length = static_cast<size_t>(rc.max_label_name_length);
  ro.max_label_value_length = static_cast<size_t>(rc.max_label_value_length);
  return ro;
}

}  // namespace

Generator::Tenant& Generator::collected_tenant(const std::string& name) {
  std::lock_guard<std::mutex> lock(tenants_mu_);
  auto it = tenants_.find(name);
  if (it == tenants_.end()) {
    const auto o = overrides_for(name);
    it = tenants_.emplace(name, std::make_unique<Tenant>(registry_options(options_, name, *o)))
             .first;
  }
  return *it->second;
}

Status Generator::make_shard_tenant(const std::string& name,
                                    std::shared_ptr<const config::OverridesConfig> o,
                                    std::unique_ptr<ShardTenant>* out) {
  RegistryOptions ro = registry_options(options_, name, *o);
  ro.shard = true;
  Tenant& collected = collected_tenant(name);
  auto t = std::make_unique<ShardTenant>(std::move(ro), collected);
  t->overrides = o;
  if (o->metrics_generator_max_active_series > 0) {
    // The tenant's limit over all shards: a shard asks before each series it has not seen
    // since the last merge (once per series and interval, or per update of a refused one).
    t->registry.set_admission([&collected](const Family& f, std::string_view key, uint64_t cost) {
      std::lock_guard<std::mutex> lock(collected.mu);
      return collected.registry.reserve(f, key, cost);
    });
  }
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
    // max_items bounds the tenant's unpaired halves: each shard holds its share.
    config::ServiceGraphsConfig sg = options_.config.service_graphs;
    const auto n = static_cast<int64_t>(shards_.size());
    sg.max_items = std::max<int64_t>(1, (sg.max_items + n - 1) / n);
    t->processors.push_back(std::make_unique<ServiceGraphs>(sg, t->registry));
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
    if (started_) return Status::ok();
    stopping_ = false;
    started_ = true;
  }
  for (auto& s : shards_) {
    Shard* shard = s.get();
    shard->thread = std::thread([this, shard] {
      set_thread_name("generator");
      shard_loop(*shard);
    });
  }
  collector_ = std::thread([this] { collect_loop(); });
  log::info("metrics generator started",
            {{"collection_interval_ms", to_ms(options_.config.registry.collection_interval)},
             {"processors", std::to_string(options_.default_processors.size())},
             {"threads", std::to_string(shards_.size())}});
  return Status::ok();
}

void Generator::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || !started_) return;
    stopping_ = true;
  }
  // The collecting thread first, so the last collection below is the only one running; then
  // the shards, which process what is queued and tick once more.
  cv_.notify_all();
  collector_.join();
  for (auto& s : shards_) {
    {
      std::lock_guard<std::mutex> lock(s->queue_mu);
      s->stopping = true;
    }
    s->cv.notify_all();
  }
  for (auto& s : shards_) s->thread.join();
  collect(wall_ms());
}

void Generator::offer(std::string_view tenant, std::vector<model::TraceSegment> segments) {
  uint64_t spans = 0;
  for (const auto& seg : segments) spans += seg.spans;
  if (spans == 0 || !enabled_for(tenant)) return;
  // Reserved before the copies, so concurrent offers stay within the bound.
  bool full = stopping_.load(std::memory_order_relaxed);
  uint64_t queued = queued_spans_.load(std::memory_order_relaxed);
  while (!full) {
    if (queued + spans > options_.queue_spans) {
      full = true;
    } else if (queued_spans_.compare_exchange_weak(queued, queued + spans,
                                                   std::memory_order_relaxed)) {
      break;
    }
  }
  if (full) {
    dropped_.fetch_add(spans, std::memory_order_relaxed);
    discarded_metric()
        .Add({{"tenant", std::string(tenant)}, {"reason", "queue_full"}})
        .Increment(static_cast<double>(spans));
    return;
  }
  // The segments' bytes move to their shard's item: the network thread routes traces and
  // copies no span. Each list is sized first so it is allocated once.
  const size_t n = shards_.size();
  std::array<size_t, kMaxShards> count{};
  std::array<uint64_t, kMaxShards> shard_spans{};
  for (const auto& seg : segments) {
    const size_t i = n == 1 ? 0 : shard_of(seg.id, n);
    ++count[i];
    shard_spans[i] += seg.spans;
  }
  std::array<std::vector<std::string>, kMaxShards> parts;
  for (size_t i = 0; i < n; ++i) {
    if (count[i]) parts[i].reserve(count[i]);
  }
  for (auto& seg : segments) {
    parts[n == 1 ? 0 : shard_of(seg.id, n)].push_back(std::move(seg.bytes));
  }
  for (size_t i = 0; i < n; ++i) {
    if (!shard_spans[i]) continue;
    Shard& shard = *shards_[i];
    {
      std::lock_guard<std::mutex> lock(shard.queue_mu);
      shard.queue.push_back(Item{std::string(tenant), std::move(parts[i]), shard_spans[i]});
    }
    shard.cv.notify_one();
  }
}

void Generator::offer_request(std::string_view tenant, const ExportTraceServiceRequest& req) {
  model::SplitResult split;
  // A refused request leaves no segments: nothing is offered, as the distributor stores none.
  ignore_error(model::split_by_trace(req, &split), "refused requests are not generated from");
  offer(tenant, std::move(split.segments));
}

void Generator::process(Shard& shard, Item& item, int64_t now_ms) {
  shard.arena.Reset();
  auto* req = google::protobuf::Arena::CreateMessage<ExportTraceServiceRequest>(&shard.arena);
  // Each segment is a whole TracesData; merged one after the other they make the request their
  // concatenation would parse as (protobuf appends repeated fields on merge).
  bool parsed = true;
  for (const auto& seg : item.segments) {
    if (!req->MergeFromString(seg)) {
      parsed = false;
      break;
    }
  }
  std::lock_guard<std::mutex> lock(shard.state_mu);
  auto it = shard.tenants.find(item.tenant);
  auto overrides = overrides_for(item.tenant);
  if (it != shard.tenants.end() && it->second->overrides != overrides) {
    ShardTenant& old = *it->second;
    if (same_generator_settings(*old.overrides, *overrides)) {
      old.overrides = std::move(overrides);  // a reload that left this tenant as it was
    } else {
      // A reload changed the tenant's processors or series limit: what this shard counted
      // since the last merge is merged now, then its processors are built anew. Unpaired
      // service-graph halves held here are given up (as at a restart).
      {
        std::lock_guard<std::mutex> tenant_lock(old.collected.mu);
        old.collected.registry.merge(old.registry);
        old.collected.registry.set_max_active_series(static_cast<uint64_t>(
            std::max<int64_t>(0, overrides->metrics_generator_max_active_series)));
      }
      log::info("metrics generator processors changed for tenant",
                {{"tenant", item.tenant},
                 {"processors", join(overrides->metrics_generator_processors)},
                 {"max_active_series", overrides->metrics_generator_max_active_series}});
      shard.tenants.erase(it);
      it = shard.tenants.end();
    }
  }
  if (it == shard.tenants.end()) {
    std::unique_ptr<ShardTenant> t;
    Status s = make_shard_tenant(item.tenant, std::move(overrides), &t);
    if (!s.is_ok()) {
      log::error("metrics generator cannot run for tenant",
                 {{"tenant", item.tenant}, {"err", s.to_string()}});
      return;
    }
    it = shard.tenants.emplace(item.tenant, std::move(t)).first;
  }
  ShardTenant& t = *it->second;
  t.received->Increment(static_cast<double>(item.spans));
  if (!parsed) {
    log::error("metrics generator got spans it cannot parse", {{"tenant", item.tenant}});
    return;
  }
  t.registry.set_now(now_ms);
  for (auto& p : t.processors) p->push(*req);
}

void Generator::tick(Shard& shard, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(shard.state_mu);
  for (auto& [name, t] : shard.tenants) {
    t->registry.set_now(now_ms);
    for (auto& p : t->processors) p->tick(now_ms);
  }
}

void Generator::collect(int64_t now_ms) {
  for (auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard->state_mu);
    for (auto& [name, st] : shard->tenants) {
      std::lock_guard<std::mutex> tenant_lock(st->collected.mu);
      st->collected.registry.merge(st->registry);
    }
  }
  std::vector<std::pair<std::string, Tenant*>> tenants;
  {
    std::lock_guard<std::mutex> lock(tenants_mu_);
    for (auto& [name, t] : tenants_) tenants.emplace_back(name, t.get());
  }
  for (auto& [name, t] : tenants) {
    std::vector<Sample> samples;
    {
      std::lock_guard<std::mutex> lock(t->mu);
      t->registry.collect(now_ms, &samples);
    }
    collections_metric().Add({{"tenant", name}}).Increment();
    Status s = sink_.append(name, std::move(samples));
    if (!s.is_ok()) {
      collection_failures_metric().Add({{"tenant", name}}).Increment();
      log::warn("generated series not delivered", {{"tenant", name}, {"err", s.to_string()}});
    }
  }
}

void Generator::run_once(int64_t now_ms, bool do_collect) {
  for (auto& s : shards_) {
    std::deque<Item> items;
    {
      std::lock_guard<std::mutex> lock(s->queue_mu);
      items.swap(s->queue);
    }
    for (auto& item : items) {
      queued_spans_.fetch_sub(item.spans, std::memory_order_relaxed);
      process(*s, item, now_ms);
    }
    tick(*s, now_ms);
  }
  if (do_collect) collect(now_ms);
}

void Generator::shard_loop(Shard& shard) {
  int64_t next_tick = wall_ms() + 1000;
  std::deque<Item> items;
  for (;;) {
    bool stopping;
    {
      std::unique_lock<std::mutex> lock(shard.queue_mu);
      shard.cv.wait_for(lock,
                        std::chrono::milliseconds(std::max<int64_t>(0, next_tick - wall_ms())),
                        [&shard] { return shard.stopping || !shard.queue.empty(); });
      items.swap(shard.queue);
      stopping = shard.stopping;
    }
    // Taken items leave the bound at once, as a single queue did: the bound is on what waits.
    for (const auto& i : items) queued_spans_.fetch_sub(i.spans, std::memory_order_relaxed);
    const int64_t now = wall_ms();
    for (auto& item : items) process(shard, item, now);
    items.clear();
    if (now >= next_tick || stopping) {
      tick(shard, now);
      next_tick = now + 1000;
    }
    if (stopping) return;
  }
}

void Generator::collect_loop() {
  const int64_t interval =
      std::max<int64_t>(1, to_ms(options_.config.registry.collection_interval));
  int64_t next_collect = wall_ms() + interval;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(0, next_collect - wall_ms())),
                   [this] { return stopping_.load(); });
      if (stopping_) return;  // stop() collects last, after the shards have drained
    }
    const int64_t now = wall_ms();
    if (now < next_collect) continue;
    collect(now);
    // Collections stay on the interval grid; a late one does not shift the next.
    while (next_collect <= now) next_collect += interval;
  }
}

}  // namespace tempo::generator
