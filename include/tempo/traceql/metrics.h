#pragma once
// TraceQL metrics (`{ } | rate() by (resource.service.name) | topk(5)`): evaluation over
// SpanTables in three steps, so a query can be split into jobs as search is:
//
//   MetricsQuery::compile   once per request (read-only afterwards, shared by all jobs);
//   MetricsQuery::observe   per row group, into a MetricsPartial owned by one job;
//   MetricsPartial::merge   job results into one, in any order and grouping;
//   MetricsQuery::finish    the merged partial into the series the API returns (quantiles,
//                           averages, compare()'s top values, then topk/bottomk/filters).
//
// Partials hold only what merges without loss: counts, integer sums (durations in ns, ints),
// float sums, minima, maxima, counts per log2 bucket, and the earliest exemplars. So the
// merge of any split of the data equals evaluating it in one piece.
//
// Time follows Tempo (pkg/traceql/engine_metrics.go): a range query's [start, end] is first
// aligned to the step (align()); interval i then holds the spans that start in
// (start + i*step, start + (i+1)*step] and its sample is stamped start + (i+1)*step. An
// instant query has one interval, [start, end], stamped `end`.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tempo/columnar/fetch.h"
#include "tempo/columnar/span_table.h"
#include "tempo/traceql/ast.h"
#include "tempo/util/status.h"

namespace tempo::traceql {

struct MetricsRequest {
  uint64_t start_ns = 0, end_ns = 0, step_ns = 0;  // unix ns; step > 0
  bool instant = false;                            // one interval over [start, end]
  uint32_t exemplars = 0;                          // most exemplars per series (0: none)
};

// Tempo's DefaultQueryRangeStep: about 240 points per range, rounded to a granularity.
uint64_t default_step_ns(uint64_t start_ns, uint64_t end_ns);
// Tempo's AlignRequest: start down and end up to a multiple of step, then one step earlier
// start (an extra first interval). Instant requests are left as they are.
void align(MetricsRequest* req);

// Which interval a span start falls in, and the timestamps of the intervals.
class IntervalMapper {
 public:
  explicit IntervalMapper(const MetricsRequest& req);
  int count() const { return count_; }
  int interval(uint64_t ts_ns) const;  // -1 outside the range
  int interval_ms(int64_t ts_ms) const;
  int64_t timestamp_ms(int i) const;

 private:
  uint64_t start_, end_, step_;
  bool instant_;
  int count_;
};

// A label value with its type, as Tempo's data-type-aware labels carry it (int, float, bool
// and string; durations, statuses, kinds and nil render as strings).
struct LabelValue {
  enum class Type : uint8_t { kString, kInt, kFloat, kBool };
  Type type = Type::kString;
  std::string s;
  int64_t i = 0;
  double f = 0;
  bool operator==(const LabelValue&) const = default;
  auto operator<=>(const LabelValue&) const = default;
  std::string to_text() const;
};

struct MetricsLabel {
  std::string name;
  LabelValue value;
  bool operator==(const MetricsLabel&) const = default;
  auto operator<=>(const MetricsLabel&) const = default;
};

struct MetricsExemplar {
  std::vector<MetricsLabel> labels;  // trace:id and span:id (hex)
  double value = 0;                  // NaN where the function measures no value
  int64_t timestamp_ms = 0;
};

struct MetricsSeries {
  std::vector<MetricsLabel> labels;
  std::vector<double> values;  // one per interval; NaN: no sample
  std::vector<MetricsExemplar> exemplars;
};

// Inspected counts of a query, summed over its jobs.
struct MetricsStats {
  uint64_t inspected_traces = 0, inspected_spans = 0, inspected_bytes = 0;
};

class MetricsQuery;

// What one job found. Owned by one thread while observing; merged afterwards.
class MetricsPartial {
 public:
  // An exemplar as a job keeps it: raw IDs, rendered only for the final series.
  struct Exemplar {
    int64_t timestamp_ms = 0;
    std::array<uint8_t, 16> trace_id{};
    uint64_t span_id = 0;
    double value = 0;
    // Earliest first; ties by IDs, so every split of the data keeps the same ones.
    bool operator<(const Exemplar& o) const {
      if (timestamp_ms != o.timestamp_ms) return timestamp_ms < o.timestamp_ms;
      if (trace_id != o.trace_id) return trace_id < o.trace_id;
      return span_id < o.span_id;
    }
  };
  struct Series {
    std::vector<MetricsLabel> labels;
    std::vector<int64_t> ints;        // counts, or integer sums (durations in ns)
    std::vector<double> floats;       // float sums, or minima/maxima (NaN: none yet)
    std::vector<uint64_t> counts;     // avg_over_time: values seen
    std::vector<Exemplar> exemplars;  // the earliest, at most the request's number, sorted
  };
  // Keyed by the labels' canonical text.
  std::map<std::string, Series> series;
  MetricsStats stats;

  // Adds `other` (same query and request) into this.
  void merge(const MetricsPartial& other, const MetricsQuery& q);
};

class MetricsQuery {
 public:
  // Takes a validated tree that has a metrics pipeline (parse() output). kInvalidArgument when
  // it cannot run (e.g. no metrics stage, bad arguments).
  static Status compile(RootExpr root, const MetricsRequest& req,
                        std::unique_ptr<MetricsQuery>* out);
  ~MetricsQuery();

  const MetricsRequest& request() const;
  const MetricsAggregate& aggregate() const;
  // Columns storage must load, and whether a row group can hold a counted span.
  const columnar::ColumnSet& columns() const;
  bool may_match(const columnar::RowGroupStats& stats) const;
  // Counts every matching span of the group that starts inside the range.
  void observe(const columnar::RowGroup& group, MetricsPartial* out) const;
  void observe(const columnar::SpanTable& table, MetricsPartial* out) const {
    observe(columnar::RowGroup{table}, out);
  }
  // The query's result: series sorted by labels, second stage applied. Series with no sample
  // left are dropped.
  std::vector<MetricsSeries> finish(const MetricsPartial& merged) const;

  struct Impl;

 private:
  explicit MetricsQuery(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Tempo's log2 histogram helpers: the bucket (next power of two) of a value >= 2, and the
// quantile of buckets (sorted by bound) with exponential interpolation inside a bucket.
double log2_bucketize(uint64_t v);
double log2_quantile(double p, const std::vector<std::pair<double, int64_t>>& buckets);

}  // namespace tempo::traceql
