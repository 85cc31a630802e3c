#pragma once
// What the distributor offers accepted spans to besides the ingester: the metrics generator.
// The distributor knows only this interface, so it runs with or without a generator.

#include <string_view>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace tempo::generator {

class SpanConsumer {
 public:
  virtual ~SpanConsumer() = default;
  // Takes the spans of an accepted request for `tenant`. Must return quickly and never block
  // the caller (a network thread): a consumer that cannot keep up drops and counts. `req` is
  // only borrowed for the call. Thread-safe.
  virtual void offer(std::string_view tenant,
                     const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest&
                         req) = 0;
};

}  // namespace tempo::generator
