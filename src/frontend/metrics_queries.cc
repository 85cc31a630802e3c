#include "frontend/metrics_queries.h"

#include "frontend/metrics_encoding.h"
#include "frontend/search_queries.h"
#include "tempo/observability/log.h"

namespace tempo::frontend {
namespace {

Status finish(std::string_view tenant, const querier::MetricsQueryRequest& req, Status s) {
  count_query(tenant, kOpMetrics, s.is_ok());
  // A bad query is the client's business; anything else is worth a line in the log.
  if (!s.is_ok() && !s.is(Status::Code::kInvalidArgument)) {
    log::error("metrics query failed",
               {{"tenant", std::string(tenant)}, {"query", req.query}, {"err", s.to_string()}});
  }
  return s;
}

template <typename Response>
Status stream(querier::Querier& querier, std::string_view tenant,
              const querier::MetricsQueryRequest& req,
              const std::function<Status(const Response&)>& send) {
  querier::MetricsProgress progress;
  progress.update = [&](const querier::MetricsQueryResult& so_far) {
    Response msg;
    to_proto(so_far, &msg);
    return send(msg);
  };
  querier::MetricsQueryResult result;
  return finish(tenant, req, querier.metrics_query(tenant, req, &result, &progress));
}

}  // namespace

Status MetricsQueries::query_range(std::string_view tenant, const querier::MetricsQueryRequest& req,
                                   tempopb::QueryRangeResponse* out) {
  querier::MetricsQueryResult result;
  Status s = querier_.metrics_query(tenant, req, &result);
  if (s.is_ok()) to_proto(result, out);
  return finish(tenant, req, std::move(s));
}

Status MetricsQueries::query_instant(std::string_view tenant,
                                     const querier::MetricsQueryRequest& req,
                                     tempopb::QueryInstantResponse* out) {
  querier::MetricsQueryResult result;
  Status s = querier_.metrics_query(tenant, req, &result);
  if (s.is_ok()) to_proto(result, out);
  return finish(tenant, req, std::move(s));
}

Status MetricsQueries::query_range_streaming(
    std::string_view tenant, const querier::MetricsQueryRequest& req,
    const std::function<Status(const tempopb::QueryRangeResponse&)>& send) {
  return stream(querier_, tenant, req, send);
}

Status MetricsQueries::query_instant_streaming(
    std::string_view tenant, const querier::MetricsQueryRequest& req,
    const std::function<Status(const tempopb::QueryInstantResponse&)>& send) {
  return stream(querier_, tenant, req, send);
}

}  // namespace tempo::frontend
