#pragma once
// A metrics-generator processor: turns a tenant's spans into updates of its Registry.

#include <cstdint>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace tempo::generator {

class Processor {
 public:
  virtual ~Processor() = default;
  // Spans of one accepted request. The registry's clock is already set for the batch.
  virtual void push(
      const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& req) = 0;
  // Called about once a second with the wall clock (ms): time-driven work such as expiring
  // unpaired service-graph edges.
  virtual void tick(int64_t /*now_ms*/) {}
};

}  // namespace tempo::generator
