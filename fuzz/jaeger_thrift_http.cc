// Jaeger Thrift over HTTP: a Thrift-binary jaeger.Batch posted to the collector's
// /api/traces, as receiver::JaegerThriftHttpReceiver converts and pushes it.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest.h"
#include "tempo/model/jaeger.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  if (body.size() > tempo::fuzz::max_http_body()) return -1;
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest req;
  if (!tempo::model::jaeger_thrift_batch_to_otlp(body, &req).is_ok()) return 0;
  tempo::fuzz::push(req, body.size());
  return 0;
}
