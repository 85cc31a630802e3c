// OTLP/JSON: the body of POST /v1/traces (application/json), as receiver::OtlpHttpReceiver
// counts its spans, decodes and pushes it.

#include "tempo/model/otlp_json.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest.h"
#include "tempo/model/span_count.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  if (body.size() > tempo::fuzz::max_http_body()) return -1;
  (void)tempo::model::count_otlp_json_spans(body);
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest req;
  if (!tempo::model::decode_otlp_json(body, &req).is_ok()) return 0;
  tempo::fuzz::push(req, body.size());
  return 0;
}
