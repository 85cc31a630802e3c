// TraceQL metrics: time intervals, per-job partial series, their merge, and the final series
// (quantiles from log2 buckets, averages from sums and counts, compare()'s top values, the
// second stage). See tempo/traceql/metrics.h for the contract.

#include "tempo/traceql/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "tempo/traceql/engine.h"
#include "tempo/util/hex.h"
#include "traceql/eval_context.h"

namespace tempo::traceql {

using columnar::AttrOwner;
using columnar::SpanTable;
using K = MetricsAggregate::Kind;

namespace {

constexpr uint64_t kSecond = 1000000000ULL;
constexpr uint64_t kMillisecond = 1000000ULL;
const double kNaN = std::numeric_limits<double>::quiet_NaN();

constexpr const char* kLabelBucket = "__bucket";
constexpr const char* kLabelMetaType = "__meta_type";
constexpr const char* kLabelName = "__name__";

uint64_t align_start(uint64_t start, uint64_t step) { return step == 0 ? 0 : start - start % step; }
uint64_t align_end(uint64_t end, uint64_t step) {
  if (step == 0) return 0;
  const uint64_t mod = end % step;
  return mod == 0 ? end : end + (step - mod);
}

LabelValue string_label(std::string s) {
  LabelValue v;
  v.s = std::move(s);
  return v;
}
LabelValue float_label(double f) {
  LabelValue v;
  v.type = LabelValue::Type::kFloat;
  v.f = f;
  return v;
}

// Tempo's Static.AsAnyValue: ints, floats and bools keep their type, the rest are strings.
LabelValue label_of(const Value& v) {
  LabelValue out;
  switch (v.type) {
    case Value::Type::kInt:
      out.type = LabelValue::Type::kInt;
      out.i = v.i;
      break;
    case Value::Type::kFloat:
      out.type = LabelValue::Type::kFloat;
      out.f = v.f;
      break;
    case Value::Type::kBool:
      out.type = LabelValue::Type::kBool;
      out.i = v.i != 0;
      break;
    case Value::Type::kString:
      out.s = std::string(v.s);
      break;
    default:
      out.s = value_to_string(v);
      break;
  }
  return out;
}

void append_key(const MetricsLabel& l, std::string* key) {
  key->append(l.name);
  key->push_back('\x1f');
  key->push_back(static_cast<char>('0' + static_cast<int>(l.value.type)));
  key->append(l.value.to_text());
  key->push_back('\x1e');
}

std::string key_of(const std::vector<MetricsLabel>& labels) {
  std::string k;
  for (const auto& l : labels) append_key(l, &k);
  return k;
}

using RawExemplar = MetricsPartial::Exemplar;

// Keeps the `limit` earliest exemplars (ties by IDs), sorted: the same set whatever the split.
void offer_exemplar(std::vector<RawExemplar>* kept, const RawExemplar& e, uint32_t limit) {
  if (limit == 0) return;
  if (kept->size() >= limit && !(e < kept->back())) return;
  auto it = std::upper_bound(kept->begin(), kept->end(), e);
  if (it != kept->begin() && !(*(it - 1) < e)) return;  // the same span again
  kept->insert(it, e);
  if (kept->size() > limit) kept->pop_back();
}

bool is_nan(double v) { return std::isnan(v); }

bool same_value(const Value& a, const Value& b) {
  return a.type == b.type && a.i == b.i && (a.f == b.f || (is_nan(a.f) && is_nan(b.f))) &&
         a.s == b.s;
}

}  // namespace

// ---- time ---------------------------------------------------------------------------------

uint64_t default_step_ns(uint64_t start_ns, uint64_t end_ns) {
  const uint64_t delta = end_ns > start_ns ? end_ns - start_ns : 0;
  const uint64_t baseline = delta / 240;
  if (delta < 60 * kSecond) {
    const uint64_t g = 50 * kMillisecond;
    return baseline > g ? baseline / g * g : g;
  }
  static constexpr uint64_t kGranularities[] = {3600 * kSecond, 300 * kSecond, 60 * kSecond,
                                                15 * kSecond,   5 * kSecond,   kSecond};
  for (uint64_t g : kGranularities) {
    if (baseline > g) return baseline / g * g;
  }
  return kSecond;
}

void align(MetricsRequest* req) {
  if (req->instant || req->step_ns == 0) return;
  req->start_ns = align_start(req->start_ns, req->step_ns);
  req->end_ns = align_end(req->end_ns, req->step_ns);
  if (req->start_ns > req->step_ns) req->start_ns -= req->step_ns;
}

IntervalMapper::IntervalMapper(const MetricsRequest& req)
    : start_(req.instant ? req.start_ns : align_start(req.start_ns, req.step_ns)),
      end_(req.instant ? req.end_ns : align_end(req.end_ns, req.step_ns)),
      step_(req.step_ns),
      instant_(req.instant),
      count_(0) {
  if (instant_) {
    count_ = 1;
  } else if (step_ > 0) {
    count_ = static_cast<int>((end_ - start_) / step_);
  }
}

int IntervalMapper::interval(uint64_t ts) const {
  if (instant_) return ts >= start_ && ts <= end_ && end_ != start_ ? 0 : -1;
  if (!(ts > start_ && ts <= end_ && end_ != start_ && step_ != 0)) return -1;
  // Right-closed intervals: (start, start+step], (start+step, start+2*step], ...
  const uint64_t offset = ts - start_;
  uint64_t i = offset / step_;
  if (i * step_ == offset) --i;
  return static_cast<int>(i);
}

int IntervalMapper::interval_ms(int64_t ts_ms) const {
  if (ts_ms < 0) return -1;
  const uint64_t ts = static_cast<uint64_t>(ts_ms) * kMillisecond;
  if (instant_) {
    const uint64_t s = start_ - start_ % kMillisecond, e = end_ - end_ % kMillisecond;
    return ts >= s && ts <= e && e != s ? 0 : -1;
  }
  // Tempo maps a millisecond stamp against the millisecond-truncated range.
  const uint64_t s = align_start(start_ - start_ % kMillisecond, step_);
  const uint64_t e = align_end(end_ - end_ % kMillisecond, step_);
  if (!(ts > s && ts <= e && e != s && step_ != 0)) return -1;
  const uint64_t offset = ts - s;
  uint64_t i = offset / step_;
  if (i * step_ == offset) --i;
  return static_cast<int>(i);
}

int64_t IntervalMapper::timestamp_ms(int i) const {
  const uint64_t ts = instant_ ? end_ : start_ + (static_cast<uint64_t>(i) + 1) * step_;
  return static_cast<int64_t>(ts / kMillisecond);
}

// ---- log2 histograms ------------------------------------------------------------------------

double log2_bucketize(uint64_t v) {
  if (v < 2) return -1;
  return static_cast<double>(uint64_t{1} << (64 - __builtin_clzll(v - 1)));
}

double log2_quantile(double p, const std::vector<std::pair<double, int64_t>>& buckets) {
  if (std::isnan(p) || p < 0 || p > 1 || buckets.empty()) return 0;
  int64_t total_count = 0;
  for (const auto& b : buckets) total_count += b.second;
  if (total_count == 0) return 0;
  // Rounded up, as Tempo does, which behaves better on small counts.
  int64_t max_samples = static_cast<int64_t>(std::ceil(p * static_cast<double>(total_count)));
  if (max_samples == 0) max_samples = 1;
  int64_t total = 0;
  size_t bucket = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    bucket = i;
    if (total + buckets[i].second > max_samples) break;
    total += buckets[i].second;
    if (total == max_samples) return buckets[i].first;
  }
  const double interp =
      static_cast<double>(max_samples - total) / static_cast<double>(buckets[bucket].second);
  const double max_v = std::log2(buckets[bucket].first);
  const double min_v = bucket > 0 ? std::log2(buckets[bucket - 1].first) : max_v - 1;
  return std::pow(2, min_v + (max_v - min_v) * interp);
}

std::string LabelValue::to_text() const {
  switch (type) {
    case Type::kString:
      return s;
    case Type::kInt:
      return std::to_string(i);
    case Type::kBool:
      return i ? "true" : "false";
    case Type::kFloat: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", f);
      return buf;
    }
  }
  return s;
}

// ---- compiled query -----------------------------------------------------------------------

struct MetricsQuery::Impl {
  MetricsRequest req;
  IntervalMapper mapper{MetricsRequest{}};
  MetricsAggregate agg;
  std::vector<MetricsSecondStage> second_stage;
  std::unique_ptr<CompiledQuery> filter;
  std::unique_ptr<CompiledQuery> selection;  // compare()
  columnar::ColumnSet columns;
  std::vector<std::string> by_names;  // label names of by()
  bool bucketed = false;              // histogram/quantile: a __bucket label per series
  double rate_divisor = 1;            // seconds per interval

  // How a measured value accumulates.
  enum class Acc { kCount, kSum, kMin, kMax, kAvg, kCompare };
  Acc acc = Acc::kCount;
};

MetricsQuery::MetricsQuery(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MetricsQuery::~MetricsQuery() = default;

const MetricsRequest& MetricsQuery::request() const { return impl_->req; }
const MetricsAggregate& MetricsQuery::aggregate() const { return impl_->agg; }
const columnar::ColumnSet& MetricsQuery::columns() const { return impl_->columns; }

Status MetricsQuery::compile(RootExpr root, const MetricsRequest& req,
                             std::unique_ptr<MetricsQuery>* out) {
  if (!root.metrics) {
    return Status::invalid_argument(
        "not a metrics query: add a metrics function, e.g. { } | rate()");
  }
  if (req.step_ns == 0) return Status::invalid_argument("step must be greater than 0");
  if (req.end_ns <= req.start_ns) return Status::invalid_argument("end must be greater than start");
  auto impl = std::make_unique<Impl>();
  impl->req = req;
  impl->mapper = IntervalMapper(req);
  impl->agg = std::move(root.metrics->aggregate);
  impl->second_stage = std::move(root.metrics->second_stage);
  root.metrics.reset();
  TEMPO_RETURN_IF_ERROR(CompiledQuery::compile(std::move(root), &impl->filter));
  impl->columns = impl->filter->columns();
  const MetricsAggregate& a = impl->agg;
  for (const auto& b : a.by) {
    add_attribute_columns(b, &impl->columns);
    impl->by_names.push_back(to_string(b));
  }
  if (a.attr) add_attribute_columns(*a.attr, &impl->columns);
  switch (a.kind) {
    case K::kRate:
    case K::kCountOverTime:
      impl->acc = Impl::Acc::kCount;
      break;
    case K::kSumOverTime:
      impl->acc = Impl::Acc::kSum;
      break;
    case K::kMinOverTime:
      impl->acc = Impl::Acc::kMin;
      break;
    case K::kMaxOverTime:
      impl->acc = Impl::Acc::kMax;
      break;
    case K::kAvgOverTime:
      impl->acc = Impl::Acc::kAvg;
      break;
    case K::kHistogramOverTime:
    case K::kQuantileOverTime:
      impl->acc = Impl::Acc::kCount;
      impl->bucketed = true;
      break;
    case K::kCompare: {
      impl->acc = Impl::Acc::kCompare;
      if (a.compare_top_n <= 0 || a.compare_top_n > 1000) {
        return Status::invalid_argument(
            "compare() top number of values must be an integer between 1 and 1000");
      }
      if (a.compare_start != 0 || a.compare_end != 0) {
        if (a.compare_start <= 0 || a.compare_end <= 0) {
          return Status::invalid_argument(
              "compare() timestamps must be positive integer unix nanoseconds");
        }
        if (a.compare_end <= a.compare_start) {
          return Status::invalid_argument(
              "compare() end timestamp must be greater than start timestamp");
        }
      }
      RootExpr sel;
      sel.pipeline.elements.emplace_back(SpansetFilter{clone(a.compare_selection->expr)});
      TEMPO_RETURN_IF_ERROR(CompiledQuery::compile(std::move(sel), &impl->selection));
      // Every attribute of every counted span is a candidate dimension.
      auto& cs = impl->columns;
      cs.all_attrs[static_cast<int>(AttrOwner::kSpan)] = true;
      cs.all_attrs[static_cast<int>(AttrOwner::kResource)] = true;
      cs.span_kind = cs.span_status = true;
      const auto& sc = impl->selection->columns();
      for (int o = 0; o < columnar::kAttrOwnerCount; ++o) {
        cs.attr_keys[o].insert(cs.attr_keys[o].end(), sc.attr_keys[o].begin(),
                               sc.attr_keys[o].end());
        cs.all_attrs[o] = cs.all_attrs[o] || sc.all_attrs[o];
      }
      cs.events |= sc.events;
      cs.links |= sc.links;
      cs.scopes |= sc.scopes;
      break;
    }
  }
  for (const auto& s : impl->second_stage) {
    if ((s.kind == MetricsSecondStage::Kind::kTopK ||
         s.kind == MetricsSecondStage::Kind::kBottomK) &&
        s.limit <= 0) {
      return Status::invalid_argument("limit must be greater than 0");
    }
  }
  for (auto& keys : impl->columns.attr_keys) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  }
  const uint64_t step = req.instant ? req.end_ns - req.start_ns : req.step_ns;
  impl->rate_divisor = static_cast<double>(step) / static_cast<double>(kSecond);
  out->reset(new MetricsQuery(std::move(impl)));
  return Status::ok();
}

bool MetricsQuery::may_match(const columnar::RowGroupStats& stats) const {
  const auto& r = impl_->req;
  if (stats.spans > 0 && (stats.start_min > r.end_ns || stats.end_max < r.start_ns)) return false;
  return impl_->filter->may_match(stats);
}

namespace {

// Per row group: the attribute rows of each span and resource, for compare().
struct OwnerIndex {
  std::vector<uint32_t> offsets, rows;
  void build(const columnar::AttrTable& at, size_t owners) {
    offsets.assign(owners + 1, 0);
    for (uint32_t o : at.owner) {
      if (o < owners) ++offsets[o + 1];
    }
    for (size_t i = 0; i < owners; ++i) offsets[i + 1] += offsets[i];
    rows.resize(offsets[owners]);
    std::vector<uint32_t> fill(offsets.begin(), offsets.end() - 1);
    for (uint32_t r = 0; r < at.owner.size(); ++r) {
      if (at.owner[r] < owners) rows[fill[at.owner[r]]++] = r;
    }
  }
};

std::string status_name(uint8_t code) {
  switch (code) {
    case 1:
      return "ok";
    case 2:
      return "error";
    default:
      return "unset";
  }
}

std::string kind_name(uint8_t kind) {
  static const char* const kNames[] = {"unspecified", "internal", "server",
                                       "client",      "producer", "consumer"};
  return kind < 6 ? kNames[kind] : "unspecified";
}

MetricsPartial::Series& series_for(MetricsPartial* out, const std::string& key,
                                   const std::vector<MetricsLabel>& labels, int intervals,
                                   bool floats_nan) {
  auto it = out->series.find(key);
  if (it != out->series.end()) return it->second;
  MetricsPartial::Series s;
  s.labels = labels;
  s.ints.assign(intervals, 0);
  s.floats.assign(intervals, floats_nan ? kNaN : 0.0);
  s.counts.assign(intervals, 0);
  return out->series.emplace(key, std::move(s)).first->second;
}

}  // namespace

void MetricsQuery::observe(const columnar::RowGroup& group, MetricsPartial* out) const {
  const Impl& q = *impl_;
  const SpanTable& t = group.table;
  std::vector<TraceMatch> matches;
  q.filter->evaluate(group, q.req.start_ns, q.req.end_ns, &matches);
  if (matches.empty()) return;

  std::vector<AttributeReader> by_readers;
  for (const auto& b : q.agg.by) {
    by_readers.emplace_back(b);
    by_readers.back().bind(t);
  }
  std::optional<AttributeReader> value_reader;
  if (q.agg.attr) {
    value_reader.emplace(*q.agg.attr);
    value_reader->bind(t);
  }
  const bool is_duration = q.agg.attr && q.agg.attr->scope == AttributeScope::kIntrinsic &&
                           q.agg.attr->intrinsic == Intrinsic::kDuration;
  const int intervals = q.mapper.count();
  const bool minmax = q.acc == Impl::Acc::kMin || q.acc == Impl::Acc::kMax;

  // compare(): which spans the selection holds, and every span's attribute rows.
  std::vector<uint8_t> selected;
  OwnerIndex span_attrs, res_attrs;
  if (q.acc == Impl::Acc::kCompare) {
    selected.assign(t.span_count(), 0);
    std::vector<TraceMatch> sel;
    q.selection->evaluate(group, 0, 0, &sel);
    for (const auto& m : sel) {
      for (const auto& ss : m.spansets) {
        for (uint32_t s : ss.spans) selected[s] = 1;
      }
    }
    span_attrs.build(t.attr(AttrOwner::kSpan), t.span_count());
    res_attrs.build(t.attr(AttrOwner::kResource),
                    t.resources.scope_offsets.empty() ? 0 : t.resources.scope_offsets.size() - 1);
  }

  std::vector<uint32_t> spans;
  std::vector<MetricsLabel> labels;
  std::string key;
  // Series by by() values, then by bucket: consecutive spans mostly share their by() values
  // (same resource), and a group has few buckets, so most spans find their series without
  // building its labels.
  struct Group {
    std::vector<MetricsLabel> labels;
    std::vector<std::pair<double, MetricsPartial::Series*>> series;  // by bucket (-1: none)
  };
  std::unordered_map<std::string, Group> groups;
  Group* cur = nullptr;
  std::vector<Value> vals(by_readers.size()), prev_vals;
  for (const auto& m : matches) {
    spans.clear();
    for (const auto& ss : m.spansets) spans.insert(spans.end(), ss.spans.begin(), ss.spans.end());
    if (m.spansets.size() > 1) {
      std::sort(spans.begin(), spans.end());
      spans.erase(std::unique(spans.begin(), spans.end()), spans.end());
    }
    for (uint32_t s : spans) {
      const uint64_t start = t.spans.start[s];
      const int iv = q.mapper.interval(start);
      if (iv < 0) continue;

      if (q.acc == Impl::Acc::kCompare) {
        const bool in_sel = selected[s] && (q.agg.compare_start == 0 ||
                                            (start > static_cast<uint64_t>(q.agg.compare_start) &&
                                             start <= static_cast<uint64_t>(q.agg.compare_end)));
        const char* meta = in_sel ? "selection" : "baseline";
        const char* meta_total = in_sel ? "selection_total" : "baseline_total";
        // As Tempo, exemplars go on the totals: each span is offered to the total of every
        // attribute it has, with no measured value.
        const bool exemplars = q.req.exemplars > 0 && !q.req.instant;
        RawExemplar ex;
        if (exemplars) {
          ex.timestamp_ms = static_cast<int64_t>(start / kMillisecond);
          ex.trace_id = t.traces.id[m.trace_row].bytes;
          ex.span_id = t.spans.id[s];
          ex.value = kNaN;
        }
        auto count = [&](const std::string& name, LabelValue v) {
          labels = {{kLabelMetaType, string_label(meta)}, {name, std::move(v)}};
          auto& sr = series_for(out, key_of(labels), labels, intervals, false);
          ++sr.ints[iv];
          labels = {{kLabelMetaType, string_label(meta_total)}, {name, string_label("nil")}};
          auto& tot = series_for(out, key_of(labels), labels, intervals, false);
          ++tot.ints[iv];
          if (exemplars) offer_exemplar(&tot.exemplars, ex, q.req.exemplars);
        };
        auto attrs = [&](const OwnerIndex& idx, const columnar::AttrTable& at, uint32_t owner,
                         const char* scope) {
          if (owner + 1 >= idx.offsets.size()) return;
          for (uint32_t k = idx.offsets[owner]; k < idx.offsets[owner + 1]; ++k) {
            const uint32_t r = idx.rows[k];
            Value v = read_attribute_row(t, at, r);
            if (v.is_nil() || v.type == Value::Type::kDuration || v.type == Value::Type::kArray) {
              continue;
            }
            count(std::string(scope) + "." + std::string(t.strings.get(at.key[r])), label_of(v));
          }
        };
        attrs(span_attrs, t.attr(AttrOwner::kSpan), s, "span");
        attrs(res_attrs, t.attr(AttrOwner::kResource), t.spans.resource[s], "resource");
        count("name", string_label(std::string(t.strings.get(t.spans.name[s]))));
        count("status", string_label(status_name(t.spans.status_code[s])));
        count("kind", string_label(kind_name(t.spans.kind[s])));
        continue;
      }

      // The measured value, when the function has one.
      Value v;
      double seconds_or_value = kNaN;
      if (value_reader) {
        v = value_reader->read(s);
        if (v.type == Value::Type::kDuration) {
          seconds_or_value = static_cast<double>(v.i) / static_cast<double>(kSecond);
        } else if (v.type == Value::Type::kInt || v.type == Value::Type::kFloat) {
          seconds_or_value = v.as_double();
        } else if (!q.bucketed) {
          continue;  // nothing to measure on this span
        }
      }

      for (size_t i = 0; i < by_readers.size(); ++i) vals[i] = by_readers[i].read(s);
      double bucket = -1;
      if (q.bucketed) {
        if (v.type == Value::Type::kDuration && v.i >= 2) {
          bucket = log2_bucketize(static_cast<uint64_t>(v.i)) / static_cast<double>(kSecond);
        } else if (v.type == Value::Type::kInt && v.i >= 2) {
          bucket = log2_bucketize(static_cast<uint64_t>(v.i));
        }
        if (bucket < 0) continue;  // Tempo drops spans without a bucket
      }
      bool same = cur != nullptr;
      for (size_t i = 0; same && i < vals.size(); ++i) same = same_value(vals[i], prev_vals[i]);
      if (!same) {
        labels.clear();
        for (size_t i = 0; i < vals.size(); ++i) {
          if (vals[i].is_nil()) continue;  // Tempo drops nil labels
          labels.push_back({q.by_names[i], label_of(vals[i])});
        }
        key.clear();
        for (const auto& l : labels) append_key(l, &key);
        auto [it, fresh] = groups.try_emplace(key);
        cur = &it->second;
        if (fresh) cur->labels = labels;
        prev_vals = vals;
      }
      MetricsPartial::Series* found = nullptr;
      for (const auto& [b, ser] : cur->series) {
        if (b == bucket) {
          found = ser;
          break;
        }
      }
      if (!found) {
        labels = cur->labels;
        if (q.bucketed) labels.push_back({kLabelBucket, float_label(bucket)});
        if (labels.empty()) {
          if (q.agg.by.empty()) {
            labels.push_back(
                {kLabelName, string_label(std::string(metrics_aggregate_name(q.agg.kind)))});
          } else {
            labels.push_back({q.by_names[0], string_label("nil")});
          }
        }
        found = &series_for(out, key_of(labels), labels, intervals, minmax);
        cur->series.emplace_back(bucket, found);
      }
      auto& sr = *found;
      switch (q.acc) {
        case Impl::Acc::kCount:
          ++sr.ints[iv];
          break;
        case Impl::Acc::kSum:
        case Impl::Acc::kAvg:
          // Integers and durations (ns) sum exactly, so any split of the data gives the same.
          if (is_duration || v.type == Value::Type::kInt || v.type == Value::Type::kDuration) {
            if (v.type == Value::Type::kDuration && !is_duration) {
              sr.floats[iv] += seconds_or_value;
            } else {
              sr.ints[iv] += v.i;
            }
          } else {
            sr.floats[iv] += v.f;
          }
          ++sr.counts[iv];
          break;
        case Impl::Acc::kMin:
          if (is_nan(sr.floats[iv]) || seconds_or_value < sr.floats[iv]) {
            sr.floats[iv] = seconds_or_value;
          }
          break;
        case Impl::Acc::kMax:
          if (is_nan(sr.floats[iv]) || seconds_or_value > sr.floats[iv]) {
            sr.floats[iv] = seconds_or_value;
          }
          break;
        case Impl::Acc::kCompare:
          break;
      }
      if (q.req.exemplars > 0 && !q.req.instant) {
        RawExemplar e;
        e.timestamp_ms = static_cast<int64_t>(start / kMillisecond);
        e.trace_id = t.traces.id[m.trace_row].bytes;
        e.span_id = t.spans.id[s];
        e.value = (q.agg.kind == K::kHistogramOverTime) ? kNaN : seconds_or_value;
        offer_exemplar(&sr.exemplars, e, q.req.exemplars);
      }
    }
  }
}

void MetricsPartial::merge(const MetricsPartial& other, const MetricsQuery& q) {
  stats.inspected_traces += other.stats.inspected_traces;
  stats.inspected_spans += other.stats.inspected_spans;
  stats.inspected_bytes += other.stats.inspected_bytes;
  const K kind = q.aggregate().kind;
  const bool is_min = kind == K::kMinOverTime, is_max = kind == K::kMaxOverTime;
  for (const auto& [key, src] : other.series) {
    auto [it, fresh] = series.try_emplace(key, src);
    if (fresh) continue;
    Series& dst = it->second;
    for (size_t i = 0; i < dst.ints.size() && i < src.ints.size(); ++i) {
      dst.ints[i] += src.ints[i];
      dst.counts[i] += src.counts[i];
      const double a = dst.floats[i], b = src.floats[i];
      if (is_min || is_max) {
        if (is_nan(a) || (!is_nan(b) && (is_min ? b < a : b > a))) dst.floats[i] = b;
      } else {
        dst.floats[i] = a + b;
      }
    }
    for (const auto& e : src.exemplars) offer_exemplar(&dst.exemplars, e, q.request().exemplars);
  }
}

// ---- final series -------------------------------------------------------------------------

namespace {

bool label_less(const MetricsSeries& a, const MetricsSeries& b) { return a.labels < b.labels; }

MetricsExemplar render_exemplar(const RawExemplar& e) {
  MetricsExemplar out;
  out.timestamp_ms = e.timestamp_ms;
  out.value = e.value;
  TraceId id;
  id.bytes = e.trace_id;
  out.labels = {{"span:id", string_label(hex::encode_u64(e.span_id))},
                {"trace:id", string_label(id.hex())}};
  return out;
}

// Tempo's second stage: topk/bottomk keep, per interval, the k series with the largest
// (smallest) values; a filter turns failing samples into no sample.
std::vector<MetricsSeries> apply_second_stage(std::vector<MetricsSeries> in,
                                              const std::vector<MetricsSecondStage>& stages,
                                              int intervals) {
  for (const auto& st : stages) {
    if (st.kind == MetricsSecondStage::Kind::kFilter) {
      std::vector<MetricsSeries> out;
      for (auto& s : in) {
        bool any = false;
        for (double& v : s.values) {
          bool keep = false;
          if (!is_nan(v)) {
            switch (st.op) {
              case Op::kGreater:
                keep = v > st.value;
                break;
              case Op::kGreaterEqual:
                keep = v >= st.value;
                break;
              case Op::kLess:
                keep = v < st.value;
                break;
              case Op::kLessEqual:
                keep = v <= st.value;
                break;
              case Op::kEqual:
                keep = v == st.value;
                break;
              case Op::kNotEqual:
                keep = v != st.value;
                break;
              default:
                break;
            }
          }
          if (!keep) v = kNaN;
          any |= keep;
        }
        if (any) out.push_back(std::move(s));
      }
      in = std::move(out);
      continue;
    }
    const size_t k = static_cast<size_t>(st.limit);
    if (in.size() <= k) continue;
    const bool top = st.kind == MetricsSecondStage::Kind::kTopK;
    std::vector<MetricsSeries> out(in.size());
    std::vector<uint8_t> used(in.size(), 0);
    for (size_t i = 0; i < in.size(); ++i) {
      out[i].labels = in[i].labels;
      out[i].exemplars = in[i].exemplars;
      out[i].values.assign(in[i].values.size(), kNaN);
    }
    std::vector<size_t> order;
    for (int iv = 0; iv < intervals; ++iv) {
      order.clear();
      for (size_t i = 0; i < in.size(); ++i) {
        if (static_cast<size_t>(iv) < in[i].values.size() && !is_nan(in[i].values[iv])) {
          order.push_back(i);
        }
      }
      // Ties as Tempo breaks them (dataPointGreaterThan/LessThan): topk keeps the series whose
      // labels sort last, bottomk the one whose labels sort first (`in` is sorted by labels).
      std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        const double va = in[a].values[iv], vb = in[b].values[iv];
        if (va != vb) return top ? va > vb : va < vb;
        return top ? a > b : a < b;
      });
      for (size_t j = 0; j < order.size() && j < k; ++j) {
        out[order[j]].values[iv] = in[order[j]].values[iv];
        used[order[j]] = 1;
      }
    }
    std::vector<MetricsSeries> kept;
    for (size_t i = 0; i < out.size(); ++i) {
      if (used[i]) kept.push_back(std::move(out[i]));
    }
    in = std::move(kept);
  }
  return in;
}

}  // namespace

std::vector<MetricsSeries> MetricsQuery::finish(const MetricsPartial& merged) const {
  const Impl& q = *impl_;
  const int intervals = q.mapper.count();
  std::vector<MetricsSeries> out;
  auto scale = [&](int64_t v) {
    const bool is_duration = q.agg.attr && q.agg.attr->scope == AttributeScope::kIntrinsic &&
                             q.agg.attr->intrinsic == Intrinsic::kDuration;
    return is_duration ? static_cast<double>(v) / static_cast<double>(kSecond)
                       : static_cast<double>(v);
  };

  if (q.agg.kind == K::kQuantileOverTime) {
    // Group the bucket series by their labels without __bucket.
    struct Group {
      std::vector<MetricsLabel> labels;
      std::vector<std::vector<std::pair<double, int64_t>>> buckets;  // per interval
      std::vector<RawExemplar> exemplars;
    };
    std::map<std::string, Group> groups;
    std::map<double, int64_t> all;  // every bucket over everything, for exemplar placement
    for (const auto& [key, s] : merged.series) {
      std::vector<MetricsLabel> labels;
      double bound = 0;
      for (const auto& l : s.labels) {
        if (l.name == kLabelBucket) {
          bound = l.value.f;
        } else {
          labels.push_back(l);
        }
      }
      auto& g = groups[key_of(labels)];
      if (g.buckets.empty()) {
        g.labels = labels;
        g.buckets.resize(intervals);
      }
      for (int i = 0; i < intervals; ++i) {
        if (s.ints[i] == 0) continue;
        g.buckets[i].emplace_back(bound, s.ints[i]);
        all[bound] += s.ints[i];
      }
      for (const auto& e : s.exemplars) offer_exemplar(&g.exemplars, e, q.req.exemplars);
    }
    std::vector<std::pair<double, int64_t>> all_sorted(all.begin(), all.end());
    std::vector<double> overall;
    for (double p : q.agg.quantiles) overall.push_back(log2_quantile(p, all_sorted));
    for (auto& [key, g] : groups) {
      for (auto& b : g.buckets) std::sort(b.begin(), b.end());
      for (size_t qi = 0; qi < q.agg.quantiles.size(); ++qi) {
        MetricsSeries s;
        s.labels = g.labels;
        s.labels.push_back({"p", float_label(q.agg.quantiles[qi])});
        for (int i = 0; i < intervals; ++i) {
          s.values.push_back(
              g.buckets[i].empty() ? 0.0 : log2_quantile(q.agg.quantiles[qi], g.buckets[i]));
        }
        // Each exemplar goes to the quantile whose overall value is nearest to it.
        for (const auto& e : g.exemplars) {
          size_t best = 0;
          for (size_t j = 1; j < overall.size(); ++j) {
            if (std::abs(e.value - overall[j]) < std::abs(e.value - overall[best])) best = j;
          }
          if (best == qi) s.exemplars.push_back(render_exemplar(e));
        }
        out.push_back(std::move(s));
      }
    }
  } else if (q.agg.kind == K::kCompare) {
    // Per meta type and attribute, the top N values by total count; then the totals.
    struct Entry {
      const MetricsPartial::Series* s;
      int64_t total;
    };
    std::map<std::pair<std::string, std::string>, std::vector<Entry>> by_attr;
    for (const auto& [key, s] : merged.series) {
      int64_t total = 0;
      for (int64_t v : s.ints) total += v;
      by_attr[{s.labels[0].value.s, s.labels[1].name}].push_back({&s, total});
    }
    for (auto& [k, entries] : by_attr) {
      std::stable_sort(entries.begin(), entries.end(),
                       [](const Entry& a, const Entry& b) { return a.total > b.total; });
      const size_t n = std::min(entries.size(), static_cast<size_t>(q.agg.compare_top_n));
      for (size_t i = 0; i < n; ++i) {
        MetricsSeries s;
        s.labels = entries[i].s->labels;
        for (int iv = 0; iv < intervals; ++iv) s.values.push_back(scale(entries[i].s->ints[iv]));
        for (const auto& e : entries[i].s->exemplars) s.exemplars.push_back(render_exemplar(e));
        out.push_back(std::move(s));
      }
    }
  } else {
    for (const auto& [key, src] : merged.series) {
      MetricsSeries s;
      s.labels = src.labels;
      s.values.resize(intervals, kNaN);
      for (int i = 0; i < intervals; ++i) {
        switch (q.acc) {
          case Impl::Acc::kCount:
            s.values[i] = static_cast<double>(src.ints[i]);
            if (q.agg.kind == K::kRate) s.values[i] /= q.rate_divisor;
            break;
          case Impl::Acc::kSum:
            if (src.counts[i] > 0) s.values[i] = scale(src.ints[i]) + src.floats[i];
            break;
          case Impl::Acc::kAvg:
            if (src.counts[i] > 0) {
              s.values[i] =
                  (scale(src.ints[i]) + src.floats[i]) / static_cast<double>(src.counts[i]);
            }
            break;
          case Impl::Acc::kMin:
          case Impl::Acc::kMax:
            s.values[i] = src.floats[i];
            break;
          case Impl::Acc::kCompare:
            break;
        }
      }
      for (const auto& e : src.exemplars) s.exemplars.push_back(render_exemplar(e));
      out.push_back(std::move(s));
    }
  }
  std::sort(out.begin(), out.end(), label_less);
  out = apply_second_stage(std::move(out), q.second_stage, intervals);
  // As Tempo's ToProto: no series without a sample, no exemplar where its interval has none.
  std::vector<MetricsSeries> kept;
  for (auto& s : out) {
    bool any = false;
    for (double v : s.values) any |= !is_nan(v);
    if (!any) continue;
    std::vector<MetricsExemplar> ex;
    for (auto& e : s.exemplars) {
      const int i = q.mapper.interval_ms(e.timestamp_ms);
      if (i >= 0 && i < static_cast<int>(s.values.size()) && !is_nan(s.values[i])) {
        ex.push_back(std::move(e));
      }
    }
    s.exemplars = std::move(ex);
    kept.push_back(std::move(s));
  }
  return kept;
}

}  // namespace tempo::traceql
