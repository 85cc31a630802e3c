#pragma once
// Jaeger spans (Thrift from clients and agents, protobuf from the gRPC collector API) to OTLP,
// with the OpenTelemetry Collector's mapping: the process becomes the resource (serviceName
// as service.name, process tags as resource attributes); the 128-bit trace ID is
// traceIdHigh:traceIdLow big-endian; parentSpanId (or, when 0, the first CHILD_OF reference in
// the same trace) the parent, other references links; startTime/duration (microseconds) the
// start and end; tags typed attributes except those carrying OTLP fields (span.kind, error,
// otel.status_code, otel.status_description, otel.scope.name/version, w3c.tracestate); logs
// events named by their "event" field.

#include <string_view>

#include "jaeger/api_v2/model.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/util/status.h"

namespace tempo::model {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

// A Thrift-binary-encoded jaeger.Batch, the body of POST /api/traces on the collector's
// HTTP port. kInvalidArgument when it does not decode.
Status jaeger_thrift_batch_to_otlp(std::string_view body, ExportTraceServiceRequest* out);

enum class ThriftProtocol { kCompact, kBinary };

// One agent UDP datagram: a oneway Agent.emitBatch call in `protocol` (compact on 6831,
// binary on 6832).
Status jaeger_agent_datagram_to_otlp(std::string_view datagram, ThriftProtocol protocol,
                                     ExportTraceServiceRequest* out);

// The batch of a jaeger.api_v2.CollectorService/PostSpans call.
Status jaeger_proto_batch_to_otlp(const jaeger::api_v2::Batch& batch, ExportTraceServiceRequest* out);

}  // namespace tempo::model
