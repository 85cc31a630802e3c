#pragma once
// What the distributor offers accepted spans to besides the ingester: the metrics generator.
// The distributor knows only this interface, so it runs with or without a generator.

#include <cstdint>
#include <span>
#include <string_view>

namespace tempo::generator {

class SpanConsumer {
 public:
  virtual ~SpanConsumer() = default;
  // Takes the spans of an accepted request for `tenant`: `pieces` are serialized OTLP
  // TracesData (or ExportTraceServiceRequest, the same wire format) messages whose
  // concatenation holds `spans` spans, e.g. the distributor's per-trace segments. Must return
  // quickly and never block the caller (a network thread): a consumer that cannot keep up
  // drops and counts. The pieces are only borrowed for the call. Thread-safe.
  virtual void offer(std::string_view tenant, std::span<const std::string_view> pieces,
                     uint64_t spans) = 0;
};

}  // namespace tempo::generator
