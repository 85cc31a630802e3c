#pragma once
// Splitting an OTLP export request into one segment per trace: the distributor's hot path.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/model/trace_id.h"
#include "tempo/util/status.h"

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

// Segments may take at most kMaxExpansion times the request's size plus kExpansionSlack.
inline constexpr uint64_t kMaxExpansion = 16;
inline constexpr uint64_t kExpansionSlack = 16u << 20;

// Spans with a trace ID that is not 16 bytes or all zero, or a span ID that is not 8 bytes or
// all zero, are rejected and counted; the rest are kept. `first_error` starts with "trace"
// for a bad trace ID and "span" for a bad span ID. A request whose segments would outgrow
// kMaxExpansion times its serialized size plus kExpansionSlack (see split_by_trace_wire) is
// refused with kInvalidArgument and `*out` left empty; the check runs before each copy.
Status split_by_trace(
    const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& req,
    SplitResult* out);

// The same split made on the serialized ExportTraceServiceRequest, without decoding it: each
// span, resource and scope is copied as it arrived (its unknown fields too), under length
// prefixes written here. Same segments (first-seen order), IDs, times, counts and rejections
// as split_by_trace() on the parsed request, and each segment parses to the same TracesData.
// The whole request is checked first as protobuf's parser would check it (src/model/otlp_wire.h:
// well-formed tags, varints and lengths, nesting depth, UTF-8 of string fields), so what is
// stored parses; a request that protobuf would not parse, or that holds a group, fails with
// kInvalidArgument naming the place and the problem, and `*out` is left empty. `*out` is
// replaced, not appended to.
//
// Each segment carries its own copy of its resources and scopes, so a small request with one
// large resource over many traces would split into many times its size. A request whose
// segments would take more than kMaxExpansion times its size plus kExpansionSlack is refused
// the same way, before any segment is allocated. Real batches stay far below: a 2 KiB
// resource over single-span traces of 200 bytes expands about 11 times.
Status split_by_trace_wire(std::string_view export_request, SplitResult* out);

// Tempo's ingestion time slack, applied to each segment's time range (what block metadata,
// time pruning and retention see; the spans keep the times they were sent with): a start
// later than now + slack becomes now, and an end later than now + slack or before the start
// becomes now (or the start, if that is later). Without it, one span sent with end before
// start or a time centuries ahead gives its block a range that time pruning always includes
// and retention never drops. Returns the number of segments changed.
inline constexpr uint64_t kIngestionTimeSlackNanos = 2ull * 60 * 1000000000;  // Tempo's 2m
size_t clamp_to_ingestion_time(uint64_t now_unix_nano, uint64_t slack_nano, SplitResult* split);

}  // namespace tempo::model
