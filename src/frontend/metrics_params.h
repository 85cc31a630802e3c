#pragma once
// Turns the parameters of Tempo's TraceQL metrics endpoints into querier requests, with Tempo's
// defaults, limits and 400 messages (pkg/api/http.go ParseQueryRangeRequest,
// modules/frontend/metrics_query_validation.go). The HTTP query string and the
// StreamingQuerier's protobuf requests both land here, so the two doors validate alike.
//
// Times (start, end) are unix seconds (10 digits or fewer), unix nanoseconds (more digits),
// fractional seconds ("1700000000.5") or RFC 3339; end defaults to now and start to end (or
// now, when end is in the future) minus `since` (default 1h; "30m", "2h", "1d"). step is
// seconds ("15", "0.5") or a duration ("15s", "1m"), by default about 240 points
// (traceql::default_step_ns).

#include <cstdint>

#include "frontend/search_params.h"
#include "tempo/frontend/metrics_limits.h"
#include "tempo/querier/metrics.h"
#include "tempo/util/status.h"

namespace tempopb {
class QueryRangeRequest;
class QueryInstantRequest;
}  // namespace tempopb

namespace tempo::frontend {

// GET /api/metrics/query_range: q (or query), start, end, since, step, exemplars.
Status parse_query_range_params(const QueryParams& params, const MetricsLimits& limits,
                                uint64_t now_ns, querier::MetricsQueryRequest* out);
// GET /api/metrics/query: q (or query), start, end, since; one interval over [start, end].
Status parse_query_instant_params(const QueryParams& params, const MetricsLimits& limits,
                                  uint64_t now_ns, querier::MetricsQueryRequest* out);
// tempopb.StreamingQuerier/MetricsQueryRange and MetricsQueryInstant (times in unix ns).
Status parse_query_range_proto(const tempopb::QueryRangeRequest& req, const MetricsLimits& limits,
                               querier::MetricsQueryRequest* out);
Status parse_query_instant_proto(const tempopb::QueryInstantRequest& req,
                                 const MetricsLimits& limits, querier::MetricsQueryRequest* out);

// Exposed for tests: Tempo's parseTimestamp and its step parser.
Status parse_timestamp(std::string_view value, uint64_t* out_ns);
Status parse_step(std::string_view value, uint64_t* out_ns);

}  // namespace tempo::frontend
