#pragma once
// The seam between the distributor and whatever stores traces (the in-process ingester
// today; a remote one when roles run apart). Implementations must be thread-safe.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "tempo/model/trace_split.h"
#include "tempo/util/status.h"

namespace tempo::ingester {

// Spans the store refused because a per-tenant limit was reached (Tempo's discard reasons);
// the other segments of the push were stored.
struct Refused {
  uint64_t trace_too_large = 0;       // spans of traces over max_bytes_per_trace
  uint64_t live_traces_exceeded = 0;  // spans of new traces over max_traces_per_user
  std::string message;                // Tempo's message for the first refusal
  // Set when the push failed as a whole because the tenant's sealed blocks wait for their
  // flush (ingester.max_unflushed_blocks): nothing of it was stored, and its failure Status
  // says so. Tells that refusal from a storage fault, which fails the push the same way.
  bool flush_backlog = false;
  uint64_t total() const { return trace_too_large + live_traces_exceeded; }
};

class Pusher {
 public:
  virtual ~Pusher() = default;
  // Stores the segments for `tenant` and returns once they are durable, except those a limit
  // refuses (counted in *refused). On error nothing may be assumed stored, and the client is
  // told to retry (or not) by the Status code. The segments are borrowed for the call only:
  // what an implementation keeps it copies (the distributor moves them on afterwards).
  virtual Status push(std::string_view tenant, std::span<const model::TraceSegment> segments,
                      Refused* refused) = 0;
};

}  // namespace tempo::ingester
