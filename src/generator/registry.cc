#include "tempo/generator/registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "tempo/observability/metrics.h"

namespace tempo::generator {
namespace {

prometheus::Family<prometheus::Gauge>& active_series_metric() {
  static auto& f = metrics::gauge_family("tempo_metrics_generator_registry_active_series",
                                         "The active series per tenant.");
  return f;
}
prometheus::Family<prometheus::Gauge>& max_active_series_metric() {
  static auto& f = metrics::gauge_family("tempo_metrics_generator_registry_max_active_series",
                                         "The maximum active series per tenant.");
  return f;
}
prometheus::Family<prometheus::Counter>& series_added_metric() {
  static auto& f = metrics::counter_family("tempo_metrics_generator_registry_series_added_total",
                                           "The total amount of series created per tenant.");
  return f;
}
prometheus::Family<prometheus::Counter>& series_removed_metric() {
  static auto& f =
      metrics::counter_family("tempo_metrics_generator_registry_series_removed_total",
                              "The total amount of series removed after they have become stale "
                              "per tenant.");
  return f;
}
prometheus::Family<prometheus::Counter>& series_limited_metric() {
  static auto& f =
      metrics::counter_family("tempo_metrics_generator_registry_series_limited_total",
                              "The total amount of series not created because of limits per "
                              "tenant.");
  return f;
}

constexpr char kValueSep = '\xff';
constexpr char kNameSep = '\xfe';

std::string_view clip(std::string_view v, size_t max) {
  return v.size() > max ? v.substr(0, max) : v;
}

}  // namespace

std::string sanitize_label_name(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) c = '_';
  }
  return out;
}

std::string format_le(double bound) {
  if (std::isinf(bound)) return bound > 0 ? "+Inf" : "-Inf";
  if (std::isnan(bound)) return "NaN";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, bound);
  return std::string(buf, r.ptr);
}

struct Family::Series {
  std::vector<std::string> names;  // set_labeled families only
  std::vector<std::string> values;
  double value = 0;
  std::vector<double> buckets;  // per bound, not cumulative; the last is +Inf
  double sum = 0;
  double count = 0;
  int64_t updated_ms = 0;
  bool fresh = true;  // never collected
  bool has_exemplar = false;
  std::string exemplar_trace;
  double exemplar_value = 0;
  int64_t exemplar_ms = 0;
  size_t exemplar_bucket = 0;
};

Family::Family(Registry& r, std::string name, Type type, std::vector<std::string> label_names,
               std::vector<double> buckets)
    : registry_(r),
      name_(std::move(name)),
      type_(type),
      label_names_(std::move(label_names)),
      buckets_(std::move(buckets)) {
  for (auto& n : label_names_) {
    n = sanitize_label_name(clip(n, r.options().max_label_name_length));
  }
  for (double b : buckets_) bucket_le_.push_back(format_le(b));
  bucket_le_.push_back("+Inf");
}

uint64_t Family::cost() const {
  // A histogram is a series per bucket (+Inf included), its _sum and its _count.
  return type_ == Type::kHistogram ? buckets_.size() + 3 : 1;
}

Family::Series* Family::lookup(std::span<const std::string_view> names,
                               std::span<const std::string_view> values) {
  const size_t max_value = registry_.options().max_label_value_length;
  key_.clear();
  for (size_t i = 0; i < values.size(); ++i) {
    if (!names.empty()) {
      key_.append(names[i]);
      key_.push_back(kNameSep);
    }
    key_.append(clip(values[i], max_value));
    key_.push_back(kValueSep);
  }
  auto it = series_.find(std::string_view(key_));
  Series* s;
  if (it != series_.end()) {
    s = it->second.get();
  } else {
    if (!registry_.admit_new(*this, key_)) return nullptr;
    auto owned = std::make_unique<Series>();
    s = owned.get();
    const size_t max_name = registry_.options().max_label_name_length;
    for (size_t i = 0; i < values.size(); ++i) {
      s->values.emplace_back(clip(values[i], max_value));
      if (!names.empty()) s->names.push_back(sanitize_label_name(clip(names[i], max_name)));
    }
    if (type_ == Type::kHistogram) s->buckets.assign(buckets_.size() + 1, 0);
    series_.emplace(key_, std::move(owned));
  }
  s->updated_ms = registry_.now();
  return s;
}

bool Family::inc(std::span<const std::string_view> values, double v) {
  Series* s = lookup({}, values);
  if (!s) return false;
  s->value += v;
  return true;
}

bool Family::set(std::span<const std::string_view> values, double v) {
  Series* s = lookup({}, values);
  if (!s) return false;
  s->value = v;
  return true;
}

bool Family::set_labeled(std::span<const std::string_view> names,
                         std::span<const std::string_view> values, double v) {
  Series* s = lookup(names, values);
  if (!s) return false;
  s->value = v;
  return true;
}

bool Family::observe(std::span<const std::string_view> values, double v, std::string_view trace_id,
                     double weight) {
  Series* s = lookup({}, values);
  if (!s) return false;
  // Buckets are upper-inclusive (le): the first bound >= v.
  size_t b =
      static_cast<size_t>(std::lower_bound(buckets_.begin(), buckets_.end(), v) - buckets_.begin());
  s->buckets[b] += weight;
  s->sum += v * weight;
  s->count += weight;
  if (!trace_id.empty()) {
    s->has_exemplar = true;
    s->exemplar_trace.assign(trace_id);
    s->exemplar_value = v;
    s->exemplar_ms = registry_.now();
    s->exemplar_bucket = b;
  }
  return true;
}

size_t Family::remove_stale(int64_t cutoff_ms) {
  size_t removed = 0;
  for (auto it = series_.begin(); it != series_.end();) {
    if (it->second->updated_ms < cutoff_ms) {
      it = series_.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}

void Family::merge(Family& shard) {
  for (auto& [key, owned] : shard.series_) {
    Series& s = *owned;
    auto it = series_.find(std::string_view(key));
    if (it == series_.end()) {
      if (!registry_.admit_merged(*this, key)) continue;
      // New here: the shard's series is already the whole of it (fresh, as it was built).
      series_.emplace(key, std::move(owned));
      continue;
    }
    Series& m = *it->second;
    switch (type_) {
      case Type::kCounter:
        m.value += s.value;
        break;
      case Type::kGauge:
        if (s.updated_ms >= m.updated_ms) m.value = s.value;
        break;
      case Type::kHistogram:
        for (size_t b = 0; b < m.buckets.size() && b < s.buckets.size(); ++b) {
          m.buckets[b] += s.buckets[b];
        }
        m.sum += s.sum;
        m.count += s.count;
        if (s.has_exemplar && (!m.has_exemplar || s.exemplar_ms >= m.exemplar_ms)) {
          m.has_exemplar = true;
          m.exemplar_trace.swap(s.exemplar_trace);
          m.exemplar_value = s.exemplar_value;
          m.exemplar_ms = s.exemplar_ms;
          m.exemplar_bucket = s.exemplar_bucket;
        }
        break;
    }
    m.updated_ms = std::max(m.updated_ms, s.updated_ms);
  }
  shard.series_.clear();
}

void Family::collect(int64_t now_ms, std::vector<Sample>* out) {
  const auto& opts = registry_.options();
  for (auto& [key, sp] : series_) {
    Series& s = *sp;
    // Labels common to every part of the series.
    std::vector<Label> base;
    base.reserve(label_names_.size() + opts.external_labels.size() + 3);
    for (size_t i = 0; i < s.values.size(); ++i) {
      if (s.values[i].empty()) continue;
      base.push_back({s.names.empty() ? label_names_[i] : s.names[i], s.values[i]});
    }
    auto has = [&base](const std::string& n) {
      for (const auto& l : base)
        if (l.name == n) return true;
      return false;
    };
    for (const auto& l : opts.external_labels) {
      if (!has(l.name)) base.push_back(l);  // the series' own label wins, as in Prometheus
    }
    if (!opts.instance.empty() && !has("__metrics_gen_instance")) {
      base.push_back({"__metrics_gen_instance", opts.instance});
    }
    auto emit = [&](const std::string& name, const Label* extra, double value,
                    std::vector<Exemplar> exemplars) {
      Sample smp;
      smp.labels.reserve(base.size() + 2);
      smp.labels.push_back({"__name__", name});
      smp.labels.insert(smp.labels.end(), base.begin(), base.end());
      if (extra) smp.labels.push_back(*extra);
      std::sort(smp.labels.begin(), smp.labels.end(),
                [](const Label& a, const Label& b) { return a.name < b.name; });
      if (s.fresh && type_ != Type::kGauge) {
        Sample zero;
        zero.labels = smp.labels;
        zero.timestamp_ms = now_ms - 1;
        out->push_back(std::move(zero));
      }
      smp.value = value;
      smp.timestamp_ms = now_ms;
      smp.exemplars = std::move(exemplars);
      out->push_back(std::move(smp));
    };
    if (type_ != Type::kHistogram) {
      emit(name_, nullptr, s.value, {});
    } else {
      double cumulative = 0;
      for (size_t b = 0; b < s.buckets.size(); ++b) {
        cumulative += s.buckets[b];
        Label le{"le", bucket_le_[b]};
        std::vector<Exemplar> ex;
        if (s.has_exemplar && s.exemplar_bucket == b) {
          ex.push_back({{{"trace_id", s.exemplar_trace}}, s.exemplar_value, s.exemplar_ms});
        }
        emit(name_ + "_bucket", &le, cumulative, std::move(ex));
      }
      emit(name_ + "_sum", nullptr, s.sum, {});
      emit(name_ + "_count", nullptr, s.count, {});
      s.has_exemplar = false;  // an exemplar is sent once
    }
    s.fresh = false;
  }
}

Registry::Registry(RegistryOptions options)
    : options_(std::move(options)),
      added_counter_(&series_added_metric().Add({{"tenant", options_.tenant}})),
      limited_counter_(&series_limited_metric().Add({{"tenant", options_.tenant}})) {
  if (options_.shard) return;
  max_active_series_metric()
      .Add({{"tenant", options_.tenant}})
      .Set(static_cast<double>(options_.max_active_series));
}

void Registry::set_max_active_series(uint64_t limit) {
  options_.max_active_series = limit;
  if (options_.shard) return;
  max_active_series_metric().Add({{"tenant", options_.tenant}}).Set(static_cast<double>(limit));
}

Registry::~Registry() {
  if (!options_.shard) active_series_metric().Add({{"tenant", options_.tenant}}).Set(0);
}

Family& Registry::add(std::string name, Family::Type type, std::vector<std::string> label_names,
                      std::vector<double> buckets) {
  families_.push_back(std::unique_ptr<Family>(
      new Family(*this, std::move(name), type, std::move(label_names), std::move(buckets))));
  return *families_.back();
}

Family& Registry::counter(std::string name, std::vector<std::string> label_names) {
  return add(std::move(name), Family::Type::kCounter, std::move(label_names), {});
}

Family& Registry::gauge(std::string name, std::vector<std::string> label_names) {
  return add(std::move(name), Family::Type::kGauge, std::move(label_names), {});
}

Family& Registry::histogram(std::string name, std::vector<std::string> label_names,
                            std::vector<double> buckets) {
  return add(std::move(name), Family::Type::kHistogram, std::move(label_names), std::move(buckets));
}

Family& Registry::family_like(const Family& other) {
  for (auto& f : families_) {
    if (f->name_ == other.name_) return *f;
  }
  return add(other.name_, other.type_, other.label_names_, other.buckets_);
}

const std::string& Registry::pending_key(const Family& family, std::string_view key) {
  pending_scratch_.assign(family.name_);
  pending_scratch_.push_back(kNameSep);
  pending_scratch_.append(key);
  return pending_scratch_;
}

bool Registry::admit_new(const Family& family, std::string_view key) {
  if (!admission_) return admit(family.cost());
  if (!admission_(family, key, family.cost())) return false;
  active_ += family.cost();  // the shard's own count, reset by the merge
  return true;
}

bool Registry::reserve(const Family& family, std::string_view key, uint64_t cost) {
  if (options_.max_active_series == 0) return true;
  for (const auto& f : families_) {
    if (f->name_ == family.name_) {
      if (f->series_.count(key)) return true;
      break;
    }
  }
  const std::string& k = pending_key(family, key);  // reused: refused updates allocate nothing
  if (pending_.count(k)) return true;
  if (active_ + pending_cost_ + cost > options_.max_active_series) {
    ++refused_;
    limited_counter_->Increment();
    return false;
  }
  pending_.emplace(k, cost);
  pending_cost_ += cost;
  return true;
}

bool Registry::admit_merged(const Family& family, std::string_view key) {
  if (!pending_.empty()) {
    auto it = pending_.find(pending_key(family, key));
    if (it != pending_.end()) {
      pending_cost_ -= std::min(pending_cost_, it->second);
      pending_.erase(it);
    }
  }
  return admit(family.cost());
}

bool Registry::admit(uint64_t cost) {
  if (options_.max_active_series > 0 &&
      active_ + pending_cost_ + cost > options_.max_active_series) {
    ++refused_;
    limited_counter_->Increment();
    return false;
  }
  active_ += cost;
  if (!options_.shard) added_counter_->Increment();
  return true;
}

void Registry::merge(Registry& shard) {
  // Every family, empty or not, so this registry has them in the processors' order.
  for (auto& f : shard.families_) family_like(*f).merge(*f);
  shard.active_ = 0;
}

void Registry::release(uint64_t cost) { active_ -= std::min(active_, cost); }

void Registry::collect(int64_t now_ms, std::vector<Sample>* out) {
  const int64_t cutoff = now_ms - options_.stale_ms;
  uint64_t removed = 0;
  for (auto& f : families_) {
    size_t n = f->remove_stale(cutoff);
    release(n * f->cost());
    removed += n;
  }
  if (removed) {
    series_removed_metric()
        .Add({{"tenant", options_.tenant}})
        .Increment(static_cast<double>(removed));
  }
  active_series_metric().Add({{"tenant", options_.tenant}}).Set(static_cast<double>(active_));
  for (auto& f : families_) f->collect(now_ms, out);
}

}  // namespace tempo::generator
