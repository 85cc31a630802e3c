// The TraceQL metrics endpoints of Api: GET /api/metrics/query_range and /api/metrics/query.
// Parameters as Tempo reads them (metrics_params.h), bodies as Tempo writes them
// (metrics_encoding.h): JSON, or protobuf when Accept asks for it.

#include <chrono>

#include "frontend/http_serve.h"
#include "frontend/metrics_params.h"
#include "frontend/metrics_queries.h"
#include "tempo/frontend/api.h"

namespace tempo::frontend {
namespace {

uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

server::HttpResponse Api::metrics_query_range(const server::HttpRequest& req) {
  querier::MetricsQueryRequest q;
  return http_serve::serve<tempopb::QueryRangeResponse>(
      options_.multitenancy_enabled, req, kOpMetrics,
      [&] { return parse_query_range_params(req.query, options_.metrics, now_ns(), &q); },
      [&](const std::string& tenant, tempopb::QueryRangeResponse* out) {
        return MetricsQueries(querier_).query_range(tenant, q, out);
      });
}

server::HttpResponse Api::metrics_query_instant(const server::HttpRequest& req) {
  querier::MetricsQueryRequest q;
  return http_serve::serve<tempopb::QueryInstantResponse>(
      options_.multitenancy_enabled, req, kOpMetrics,
      [&] { return parse_query_instant_params(req.query, options_.metrics, now_ns(), &q); },
      [&](const std::string& tenant, tempopb::QueryInstantResponse* out) {
        return MetricsQueries(querier_).query_instant(tenant, q, out);
      });
}

}  // namespace tempo::frontend
