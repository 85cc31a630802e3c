// Zipkin protobuf: a zipkin.proto3.ListOfSpans posted to /api/v2/spans as
// application/x-protobuf, as receiver::ZipkinReceiver counts its spans, converts and pushes it.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest.h"
#include "tempo/model/span_count.h"
#include "tempo/model/zipkin.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  if (body.size() > tempo::fuzz::max_http_body()) return -1;
  (void)tempo::model::count_zipkin_proto_spans(body);
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest req;
  if (!tempo::model::zipkin_proto_to_otlp(body, &req).is_ok()) return 0;
  tempo::fuzz::push(req, body.size());
  return 0;
}
