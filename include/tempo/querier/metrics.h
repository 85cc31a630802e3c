#pragma once
// TraceQL metrics requests and results as the querier produces them, independent of how the
// API encodes them (Tempo's JSON, tempopb protobuf, the streaming gRPC service).

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tempo/querier/search.h"
#include "tempo/traceql/metrics.h"
#include "tempo/util/status.h"

namespace tempo::querier {

struct MetricsQueryRequest {
  std::string query;  // TraceQL with a metrics stage
  // Unix ns. The querier aligns a range request to the step as Tempo does.
  uint64_t start_ns = 0, end_ns = 0, step_ns = 0;
  bool instant = false;
  uint32_t exemplars = 0;   // per series; 0: none
  uint32_t max_series = 0;  // stop with a partial answer beyond this many series (0: no limit)
};

struct MetricsQueryResult {
  std::vector<traceql::MetricsSeries> series;
  SearchMetrics metrics;
  // The request after alignment: what the series' intervals mean.
  traceql::MetricsRequest request;
  bool partial = false;  // max_series was reached
  std::string message;   // why the answer is partial
};

// Snapshots of a running metrics query, for streaming: `update` is called on the thread that
// called metrics_query(), at most every `interval`, with every series so far (complete, to
// replace the previous snapshot), and once more at the end. A non-ok status stops the query.
struct MetricsProgress {
  std::chrono::milliseconds interval{500};
  std::function<Status(const MetricsQueryResult& so_far)> update;
};

}  // namespace tempo::querier
