// OTLP protobuf: the body of POST /v1/traces (application/x-protobuf) and an OTLP gRPC
// Export request. Both receivers parse ExportTraceServiceRequest and push it; the HTTP one
// first counts the spans of the raw bytes (what a refused request is charged).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest.h"
#include "tempo/model/span_count.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  if (body.size() > tempo::fuzz::max_http_body()) return -1;
  (void)tempo::model::count_otlp_proto_spans(body);
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest req;
  if (!req.ParseFromArray(body.data(), static_cast<int>(body.size()))) return 0;
  tempo::fuzz::push(req, body.size());
  return 0;
}
