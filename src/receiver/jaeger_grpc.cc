#include "receiver/foreign_push.h"
#include "tempo/receiver/jaeger.h"
#include "tempo/receiver/otlp_grpc.h"

namespace tempo::receiver {

grpc::Status JaegerGrpcReceiver::PostSpans(grpc::ServerContext* context,
                                           const jaeger::api_v2::PostSpansRequest* request,
                                           jaeger::api_v2::PostSpansResponse*) {
  std::string_view org_id;
  const auto& md = context->client_metadata();
  if (auto it = md.find("x-scope-orgid"); it != md.end()) {
    org_id = std::string_view(it->second.data(), it->second.size());
  }
  ConvertedRequest otlp;
  Status s = model::jaeger_proto_batch_to_otlp(request->batch(), otlp.get());
  if (s.is_ok()) {
    s = push_foreign(distributor_, multitenancy_enabled_, org_id, *otlp, request->ByteSizeLong(),
                     "jaeger", "grpc");
  }
  if (!s.is_ok()) return grpc::Status(to_grpc_code(s), s.message());
  return grpc::Status::OK;
}

}  // namespace tempo::receiver
