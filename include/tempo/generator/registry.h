#pragma once
// A tenant's registry of generated series: counters, histograms and gauges keyed by their label
// values, collected every registry.collection_interval into Samples for a SeriesSink. Series
// not updated within stale_duration are removed; beyond max_active_series a new series is
// refused and counted. Not thread-safe.
//
// The generator runs a tenant's processors on several shards (threads), each writing into a
// registry of its own made with `shard` set: it holds only the updates since the last merge
// (Registry::merge), never exports metrics of its own and is never collected. The tenant's
// collected registry owns the cumulative series, staleness and the max_active_series limit,
// which a shard asks (Registry::reserve, through its Admission) before it creates a series;
// see docs/metrics_generator.md "Threads".

#include <prometheus/counter.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tempo/generator/series_sink.h"

namespace tempo::generator {

struct RegistryOptions {
  std::string tenant;                  // names the tenant in this process's own metrics
  std::vector<Label> external_labels;  // registry.external_labels (+ inject_tenant_id_as)
  std::string instance;  // __metrics_gen_instance, as Tempo labels every series; empty: none
  int64_t stale_ms = 15 * 60 * 1000;
  uint64_t max_active_series = 0;  // 0: no limit
  size_t max_label_name_length = 1024;
  size_t max_label_value_length = 2048;
  // A shard's registry: updates since the last merge. Without an Admission, max_active_series
  // bounds it alone; series_added and the active series gauges are left to the collected
  // registry.
  bool shard = false;
};

class Registry;

// One metric family. Label values are passed in the order of the names it was created with;
// an empty value leaves the label off the series, as Prometheus treats it.
class Family {
 public:
  enum class Type { kCounter, kGauge, kHistogram };

  // Counter: adds `v`. Gauge: sets `v`. Returns false when the series was refused.
  bool inc(std::span<const std::string_view> values, double v);
  bool set(std::span<const std::string_view> values, double v);
  // Histogram: one observation of `v` weighed `weight`, remembering `trace_id` (hex) as the
  // exemplar of the bucket it falls in.
  bool observe(std::span<const std::string_view> values, double v, std::string_view trace_id,
               double weight = 1);
  // A gauge whose label names vary by series (traces_target_info): names and values paired.
  bool set_labeled(std::span<const std::string_view> names,
                   std::span<const std::string_view> values, double v);

  const std::string& name() const { return name_; }
  size_t series_count() const { return series_.size(); }

 private:
  friend class Registry;
  struct Series;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  Family(Registry& r, std::string name, Type type, std::vector<std::string> label_names,
         std::vector<double> buckets);
  Series* lookup(std::span<const std::string_view> names, std::span<const std::string_view> values);
  void collect(int64_t now_ms, std::vector<Sample>* out);
  size_t remove_stale(int64_t cutoff_ms);
  void merge(Family& shard);
  uint64_t cost() const;  // series a Prometheus would count per entry

  Registry& registry_;
  std::string name_;
  Type type_;
  std::vector<std::string> label_names_;
  std::vector<double> buckets_;
  std::vector<std::string> bucket_le_;  // formatted bounds, "+Inf" last
  std::unordered_map<std::string, std::unique_ptr<Series>, Hash, std::equal_to<>> series_;
  std::string key_;  // reused lookup buffer
};

class Registry {
 public:
  explicit Registry(RegistryOptions options);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Families live as long as the registry. Label names are sanitized as Prometheus requires.
  Family& counter(std::string name, std::vector<std::string> label_names);
  Family& gauge(std::string name, std::vector<std::string> label_names);
  Family& histogram(std::string name, std::vector<std::string> label_names,
                    std::vector<double> buckets);

  // The time updates are stamped with (ms since the epoch); the caller sets it per batch.
  void set_now(int64_t now_ms) { now_ms_ = now_ms; }
  int64_t now() const { return now_ms_; }

  // Removes series idle for stale_duration, then appends one sample per series part, sorted
  // labels including __name__. A series collected for the first time is preceded by a zero
  // sample 1ms earlier, so a rate over its first increment is not lost (as Tempo does).
  void collect(int64_t now_ms, std::vector<Sample>* out);

  // Moves every series of `shard` (built by the same processors, so with the same families)
  // into this registry and leaves `shard` empty: counters, histogram buckets, sums and counts
  // add up, a gauge takes the later value, a histogram the later exemplar. A series new here
  // is admitted against max_active_series (its reservation, if any, turns into the series);
  // one refused is counted and its updates dropped.
  void merge(Registry& shard);

  // For a shard's registry: decides each new series instead of the shard's own limit.
  using Admission = std::function<bool(const Family&, std::string_view key, uint64_t cost)>;
  void set_admission(Admission admission) { admission_ = std::move(admission); }
  // On the tenant's collected registry, for a shard about to create series `key` of `family`:
  // true for a series collected here or already reserved by a shard, and for a new one that
  // fits max_active_series beside every series and reservation (then reserved until a merge
  // brings it); false (counted as limited) otherwise. So shards together never exceed the
  // limit, and no shard refuses a series the tenant has room for.
  bool reserve(const Family& family, std::string_view key, uint64_t cost);

  // A tenant's limit changed (runtime overrides): series already held stay; new ones are
  // admitted against the new limit.
  void set_max_active_series(uint64_t limit);

  uint64_t active_series() const { return active_; }
  uint64_t refused_series() const { return refused_; }
  const RegistryOptions& options() const { return options_; }

 private:
  friend class Family;
  bool admit(uint64_t cost);  // counts a new series against max_active_series
  bool admit_new(const Family& family, std::string_view key);  // a shard's lookup miss
  bool admit_merged(const Family& family, std::string_view key);
  void release(uint64_t cost);
  const std::string& pending_key(const Family& family, std::string_view key);  // in a scratch
  Family& add(std::string name, Family::Type type, std::vector<std::string> label_names,
              std::vector<double> buckets);
  Family& family_like(const Family& other);  // this registry's family of that name, or a copy

  RegistryOptions options_;
  std::vector<std::unique_ptr<Family>> families_;
  int64_t now_ms_ = 0;
  uint64_t active_ = 0;
  uint64_t refused_ = 0;
  Admission admission_;
  // Series shards reserved and have not merged yet (family name and key -> cost).
  std::unordered_map<std::string, uint64_t> pending_;
  uint64_t pending_cost_ = 0;
  std::string pending_scratch_;
  prometheus::Counter* added_counter_;    // tempo_metrics_generator_registry_series_added_total
  prometheus::Counter* limited_counter_;  // ..._series_limited_total
};

// Prometheus label name rules: every character outside [a-zA-Z0-9_] becomes '_' (as
// Prometheus' strutil.SanitizeLabelName, which Tempo applies to dimensions).
std::string sanitize_label_name(std::string_view name);

// A bucket bound as Prometheus prints `le`: shortest round-trip form, "+Inf" for infinity.
std::string format_le(double bound);

}  // namespace tempo::generator
