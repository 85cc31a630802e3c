// OTLP protobuf: the body of POST /v1/traces (application/x-protobuf) and an OTLP gRPC
// Export request. Both receivers split the request bytes by trace without decoding them
// (model::split_by_trace_wire) and push the split; the HTTP one first counts the spans of the
// raw bytes (what a refused request is charged). fuzz_otlp_wire_split checks that split
// against protobuf's parser.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest.h"
#include "tempo/model/span_count.h"
#include "tempo/model/trace_split.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  if (body.size() > tempo::fuzz::max_http_body()) return -1;
  (void)tempo::model::count_otlp_proto_spans(body);
  tempo::model::SplitResult split;
  if (!tempo::model::split_by_trace_wire(body, &split).is_ok()) return 0;
  tempo::fuzz::push(std::move(split), body.size());
  return 0;
}
