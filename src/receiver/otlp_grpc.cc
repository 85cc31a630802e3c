#include "tempo/receiver/otlp_grpc.h"

#include "tempo/model/otlp_status.h"
#include "tempo/observability/log.h"

namespace tempo::receiver {

grpc::StatusCode to_grpc_code(const Status& s) {
  return static_cast<grpc::StatusCode>(model::grpc_code_for(s));
}

grpc::Status OtlpGrpcReceiver::Export(
    grpc::ServerContext* context,
    const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* request,
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse* response) {
  std::string_view org_id;
  const auto& md = context->client_metadata();
  if (auto it = md.find("x-scope-orgid"); it != md.end()) {
    org_id = std::string_view(it->second.data(), it->second.size());
  }
  std::string tenant;
  Status s = distributor::resolve_tenant(multitenancy_enabled_, org_id, &tenant);
  if (!s.is_ok()) return grpc::Status(to_grpc_code(s), s.message());

  distributor::PushResult result;
  s = distributor_.push(tenant, *request, request->ByteSizeLong(), "otlp", "grpc", &result);
  if (!s.is_ok()) return grpc::Status(to_grpc_code(s), s.message());
  if (result.rejected_spans) {
    auto* partial = response->mutable_partial_success();
    partial->set_rejected_spans(static_cast<int64_t>(result.rejected_spans));
    partial->set_error_message(result.rejection);
  }
  return grpc::Status::OK;
}

}  // namespace tempo::receiver
