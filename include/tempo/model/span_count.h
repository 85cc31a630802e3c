#pragma once
// How many spans a request body holds, found without decoding it: a walk over the protobuf
// wire format or a SAX pass over JSON, in constant memory. Used to count the spans of a
// request refused before it was decoded (tempo_discarded_spans_total). A malformed body
// counts what was found before the damage.

#include <cstdint>
#include <string_view>

namespace tempo::model {

// ExportTraceServiceRequest: resource_spans(1).scope_spans(2).spans(2).
uint64_t count_otlp_proto_spans(std::string_view body);
// OTLP/JSON: the objects in every "spans" array.
uint64_t count_otlp_json_spans(std::string_view body);
// zipkin.proto3.ListOfSpans: spans(1).
uint64_t count_zipkin_proto_spans(std::string_view body);
// jaeger.api_v2.PostSpansRequest: batch(1).spans(1).
uint64_t count_jaeger_proto_spans(std::string_view body);
// Zipkin v1 or v2 JSON: the objects of the top-level array.
uint64_t count_zipkin_json_spans(std::string_view body);

}  // namespace tempo::model
