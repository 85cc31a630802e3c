#pragma once
// TraceQL metrics results as Tempo's API returns them: tempopb QueryRangeResponse and
// QueryInstantResponse for protobuf bodies and the StreamingQuerier, and their JSON (protobuf's
// printer gives Tempo's field names: series[].labels[{key, value:{stringValue…}}],
// samples[{timestampMs, value}], exemplars[…], metrics{…}). `series` is always present.

#include <string>

#include "tempo/querier/metrics.h"
#include "tempopb/tempo.pb.h"

namespace tempo::frontend {

// Samples only where the series has a value (Tempo's ToProto); series with none are left out.
// A partial answer (max series reached) has status PARTIAL and the reason in `message`.
void to_proto(const querier::MetricsQueryResult& result, tempopb::QueryRangeResponse* out);
// The value of each series' single interval.
void to_proto(const querier::MetricsQueryResult& result, tempopb::QueryInstantResponse* out);

std::string to_json(const tempopb::QueryRangeResponse& response);
std::string to_json(const tempopb::QueryInstantResponse& response);

}  // namespace tempo::frontend
