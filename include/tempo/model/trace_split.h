#pragma once
// Splitting an OTLP export request into one segment per trace: the distributor's hot path.

#include <cstdint>
#include <string>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/model/trace_id.h"

namespace tempo::model {

// The spans of one trace from one request. `bytes` is a serialized OTLP TracesData holding
// only this trace's spans under copies of their resource and scope. Serialized TracesData
// messages concatenate into a valid TracesData, which is how storage appends to a trace.
struct TraceSegment {
  TraceId id;
  std::string bytes;
  uint64_t start_unix_nano = 0;
  uint64_t end_unix_nano = 0;
  uint32_t spans = 0;
};

struct SplitResult {
  std::vector<TraceSegment> segments;  // in first-seen order
  uint64_t spans_accepted = 0;
  uint64_t spans_rejected = 0;
  std::string first_error;  // Tempo's message for the first rejected span
};

// Spans with a trace ID that is not 16 bytes or all zero, or a span ID that is not 8 bytes or
// all zero, are rejected and counted; the rest are kept. `first_error` starts with "trace"
// for a bad trace ID and "span" for a bad span ID.
void split_by_trace(
    const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& req,
    SplitResult* out);

// Tempo's ingestion time slack, applied to each segment's time range (what block metadata,
// time pruning and retention see; the spans keep the times they were sent with): a start
// later than now + slack becomes now, and an end later than now + slack or before the start
// becomes now (or the start, if that is later). Without it, one span sent with end before
// start or a time centuries ahead gives its block a range that time pruning always includes
// and retention never drops. Returns the number of segments changed.
inline constexpr uint64_t kIngestionTimeSlackNanos = 2ull * 60 * 1000000000;  // Tempo's 2m
size_t clamp_to_ingestion_time(uint64_t now_unix_nano, uint64_t slack_nano, SplitResult* split);

}  // namespace tempo::model
