#include "receiver/foreign_push.h"
#include "tempo/model/span_count.h"
#include "tempo/server/grpc_server.h"
#include "tempo/receiver/jaeger.h"
#include "tempo/receiver/otlp_grpc.h"

namespace tempo::receiver {

grpc::Status JaegerGrpcReceiver::post_spans_bytes(grpc::ServerContext* context,
                                                  std::string_view request) {
  Status s = decode_and_push(
      distributor_, multitenancy_enabled_, server::grpc_org_id(*context), request, "jaeger", "grpc",
      [&] { return model::count_jaeger_proto_spans(request); },
      [&](opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* out) {
        jaeger::api_v2::PostSpansRequest req;
        if (!req.ParseFromArray(request.data(), static_cast<int>(request.size()))) {
          return Status::invalid_argument("request is not a valid jaeger PostSpansRequest");
        }
        return model::jaeger_proto_batch_to_otlp(req.batch(), out);
      });
  if (!s.is_ok()) return grpc::Status(to_grpc_code(s), s.message());
  return grpc::Status::OK;
}

}  // namespace tempo::receiver
