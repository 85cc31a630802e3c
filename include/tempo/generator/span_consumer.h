#pragma once
// What the distributor offers accepted spans to besides the ingester: the metrics generator.
// The distributor knows only this interface, so it runs with or without a generator.

#include <string_view>
#include <vector>

#include "tempo/model/trace_split.h"

namespace tempo::generator {

class SpanConsumer {
 public:
  virtual ~SpanConsumer() = default;
  // Takes the spans of an accepted request for `tenant`: the distributor's per-trace segments,
  // each a serialized OTLP TracesData (the wire format of ExportTraceServiceRequest) holding
  // `spans` spans of the trace `id`, so a consumer can route a trace without parsing it. Must
  // return quickly and never block the caller (a network thread): a consumer that cannot keep
  // up drops and counts. The segments are the consumer's: it keeps their bytes without copying
  // them (the caller offers them after its last use). Thread-safe.
  virtual void offer(std::string_view tenant, std::vector<model::TraceSegment> segments) = 0;
};

}  // namespace tempo::generator
