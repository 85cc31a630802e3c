// Jaeger gRPC: a jaeger.api_v2.PostSpansRequest as the collector service receives it, parsed
// (as the server's bounded handler does) and converted and pushed as
// receiver::JaegerGrpcReceiver::PostSpans does.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest.h"
#include "jaeger/api_v2/collector.pb.h"
#include "tempo/model/jaeger.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > tempo::fuzz::max_grpc_message()) return -1;
  jaeger::api_v2::PostSpansRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest req;
  if (!tempo::model::jaeger_proto_batch_to_otlp(request.batch(), &req).is_ok()) return 0;
  tempo::fuzz::push(req, request.ByteSizeLong());
  return 0;
}
