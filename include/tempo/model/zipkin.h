#pragma once
// Zipkin v2 spans (POST /api/v2/spans) to OTLP.
//
// Mapping: localEndpoint.serviceName becomes the resource's service.name (one resource per
// service); kind CLIENT/SERVER/PRODUCER/CONSUMER the span kind (absent: unspecified, as Tempo
// shows it); timestamp/duration (microseconds) the start and end; tags string attributes,
// except those carrying OTLP fields (error, otel.status_code, otel.status_description,
// otel.scope.name/version, w3c.tracestate); annotations events; localEndpoint ipv4/ipv6/port
// net.host.ip/net.host.port; remoteEndpoint serviceName/ipv4/ipv6/port peer.service,
// net.peer.ip, net.peer.port. 64-bit trace IDs are left-padded to 128 bits.

#include <string_view>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/util/status.h"

namespace tempo::model {

// A JSON array of v2 spans. kInvalidArgument names the span (by index) and field at fault;
// nothing is converted then.
Status zipkin_json_to_otlp(std::string_view body,
                           opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* out);

// A JSON array of Zipkin v1 spans (POST /api/v1/spans). The kind, local/remote endpoints and
// times come from the core annotations (cs/cr, sr/ss, ms/mr) and sa/ca/ma/lc binary
// annotations; other annotations become events, other binary annotations typed attributes. A
// v1 span with both client and server annotations becomes the client's span (OTLP has one
// span per ID), with sr/ss as events.
Status zipkin_v1_json_to_otlp(std::string_view body,
                              opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* out);

// zipkin.proto3.ListOfSpans, as sent with Content-Type application/x-protobuf.
Status zipkin_proto_to_otlp(std::string_view body,
                            opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* out);

}  // namespace tempo::model
