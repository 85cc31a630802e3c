#pragma once
// Tempo's trace-by-ID response bodies. JSON follows the proto3 JSON mapping exactly as Tempo
// emits it: lowerCamelCase names, zero values omitted, 64-bit integers as strings, enums by
// name, bytes (trace and span IDs) as base64.

#include <cstdint>
#include <string>
#include <string_view>

#include "opentelemetry/proto/trace/v1/trace.pb.h"

namespace tempo::model {

using opentelemetry::proto::trace::v1::TracesData;

// GET /api/traces/{id}: {"batches": [...]} / tempopb.Trace.
std::string to_v1_json(const TracesData& trace);
std::string to_v1_proto(const TracesData& trace);

// GET /api/v2/traces/{id}: {"trace": {"resourceSpans": [...]}, "metrics": {...}} /
// tempopb.TraceByIDResponse. `trace` null means not found: an empty trace object. A non-empty
// `partial_message` marks the trace as cut short: "status":"PARTIAL" plus that message.
std::string to_v2_json(const TracesData* trace, uint64_t inspected_bytes,
                       std::string_view partial_message = {});
std::string to_v2_proto(const TracesData* trace, uint64_t inspected_bytes,
                        std::string_view partial_message = {});

}  // namespace tempo::model
