#pragma once
// The oracle for model::split_by_trace_wire, shared by its unit tests and its fuzz target:
// protobuf's own parser followed by model::split_by_trace must agree with it on every input.

#include <google/protobuf/util/message_differencer.h>

#include <string>
#include <string_view>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/model/trace_split.h"

namespace tempo::testing {

struct WireSplitAgreement {
  std::string mismatch;  // empty when the two agree
  bool parsed = false;   // whether ParseFromArray took the input
  bool split = false;    // whether split_by_trace_wire took it
  Status status;         // split_by_trace_wire's answer
  model::SplitResult wire;
};

// Runs both. They agree when: the input protobuf rejects is rejected (kInvalidArgument,
// nothing kept); an input protobuf takes is split, unless it holds a group or would expand
// past kMaxExpansion (both refused on purpose, trace_split.h); and then the counts, first error,
// segment IDs, times and span counts are equal, every segment parses, and parses to the message the
// parse path's segment parses to. With `same_bytes` (input that protobuf itself serialized, each
// field once) the segment bytes must also be identical.
inline WireSplitAgreement check_wire_split(std::string_view bytes, bool same_bytes = false) {
  using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
  using opentelemetry::proto::trace::v1::TracesData;
  WireSplitAgreement r;
  ExportTraceServiceRequest req;
  r.parsed = req.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
  r.status = model::split_by_trace_wire(bytes, &r.wire);
  r.split = r.status.is_ok();
  if (!r.split) {
    if (!r.status.is(Status::Code::kInvalidArgument)) r.mismatch = "error is not INVALID_ARGUMENT";
    if (!r.wire.segments.empty() || r.wire.spans_accepted || r.wire.spans_rejected ||
        !r.wire.first_error.empty()) {
      r.mismatch = "a failed split kept something";
    }
    if (r.parsed && r.status.message().find("groups (wire type 3)") == std::string::npos &&
        r.status.message().find("times its size plus") == std::string::npos) {
      r.mismatch = "protobuf parses it but the wire split refused it: " + r.status.message();
    }
    return r;
  }
  if (!r.parsed) {
    r.mismatch = "protobuf rejects it but the wire split took it";
    return r;
  }

  model::SplitResult old;
  const Status old_status = model::split_by_trace(req, &old);
  if (!old_status.is_ok()) {
    // Both refuse a request past kMaxExpansion, measured on sizes that can differ a little
    // (wire bytes vs protobuf's own size of the parsed message), so only near the limit.
    if (old_status.message().find("times its size") == std::string::npos) {
      r.mismatch = "the parse path refused it: " + old_status.message();
    }
    return r;
  }
  const model::SplitResult& w = r.wire;
  if (w.spans_accepted != old.spans_accepted || w.spans_rejected != old.spans_rejected) {
    r.mismatch = "span counts differ: wire " + std::to_string(w.spans_accepted) + "/" +
                 std::to_string(w.spans_rejected) + ", parse " +
                 std::to_string(old.spans_accepted) + "/" + std::to_string(old.spans_rejected);
    return r;
  }
  if (w.first_error != old.first_error) {
    r.mismatch = "first_error differs: '" + w.first_error + "' vs '" + old.first_error + "'";
    return r;
  }
  if (w.segments.size() != old.segments.size()) {
    r.mismatch = "segment counts differ: " + std::to_string(w.segments.size()) + " vs " +
                 std::to_string(old.segments.size());
    return r;
  }
  for (size_t i = 0; i < w.segments.size(); ++i) {
    const auto& a = w.segments[i];
    const auto& b = old.segments[i];
    const std::string at = "segment " + std::to_string(i) + ": ";
    if (a.id.hex() != b.id.hex()) {
      r.mismatch = at + "IDs differ";
      return r;
    }
    if (a.start_unix_nano != b.start_unix_nano || a.end_unix_nano != b.end_unix_nano) {
      r.mismatch = at + "times differ";
      return r;
    }
    if (a.spans != b.spans) {
      r.mismatch = at + "span counts differ";
      return r;
    }
    TracesData ta, tb;
    if (!ta.ParseFromString(a.bytes)) {
      r.mismatch = at + "wire segment does not parse";
      return r;
    }
    if (!tb.ParseFromString(b.bytes)) {
      r.mismatch = at + "parse segment does not parse";
      return r;
    }
    if (!google::protobuf::util::MessageDifferencer::Equals(ta, tb)) {
      r.mismatch = at + "segments parse to different messages:\n" + ta.DebugString() + "\nvs\n" +
                   tb.DebugString();
      return r;
    }
    if (same_bytes && a.bytes != b.bytes) {
      r.mismatch = at + "bytes differ";
      return r;
    }
  }
  return r;
}

}  // namespace tempo::testing
