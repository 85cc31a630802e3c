#pragma once
// The seam between the distributor and whatever stores traces (the in-process ingester
// today; a remote one when roles run apart). Implementations must be thread-safe.

#include <span>
#include <string_view>

#include "tempo/model/trace_split.h"
#include "tempo/util/status.h"

namespace tempo::ingester {

class Pusher {
 public:
  virtual ~Pusher() = default;
  // Stores every segment for `tenant` and returns once they are durable. On error nothing
  // may be assumed stored, and the client is told to retry (or not) by the Status code.
  virtual Status push(std::string_view tenant, std::span<const model::TraceSegment> segments) = 0;
};

}  // namespace tempo::ingester
