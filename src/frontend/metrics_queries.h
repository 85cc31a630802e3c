#pragma once
// One TraceQL metrics query for a tenant, shared by the HTTP handlers and the
// StreamingQuerier: ask the querier, shape the answer as tempopb, count it in
// tempo_query_frontend_queries_total{tenant, op="metrics", result}.

#include <functional>
#include <string_view>

#include "tempo/querier/querier.h"
#include "tempopb/tempo.pb.h"

namespace tempo::frontend {

inline constexpr std::string_view kOpMetrics = "metrics";  // Tempo's metricsOp

class MetricsQueries {
 public:
  explicit MetricsQueries(querier::Querier& querier) : querier_(querier) {}

  Status query_range(std::string_view tenant, const querier::MetricsQueryRequest& req,
                     tempopb::QueryRangeResponse* out);
  Status query_instant(std::string_view tenant, const querier::MetricsQueryRequest& req,
                       tempopb::QueryInstantResponse* out);
  // The same as a stream, as Tempo's frontend streams it: every 500 ms the series so far
  // (complete, replacing the previous message's), then the final answer.
  Status query_range_streaming(
      std::string_view tenant, const querier::MetricsQueryRequest& req,
      const std::function<Status(const tempopb::QueryRangeResponse&)>& send);
  Status query_instant_streaming(
      std::string_view tenant, const querier::MetricsQueryRequest& req,
      const std::function<Status(const tempopb::QueryInstantResponse&)>& send);

 private:
  querier::Querier& querier_;
};

}  // namespace tempo::frontend
