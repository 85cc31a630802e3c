#include "tempo/receiver/otlp_grpc.h"

#include "tempo/model/otlp_status.h"
#include "tempo/model/span_count.h"
#include "tempo/model/trace_split.h"
#include "tempo/server/grpc_server.h"
#include "tempo/observability/log.h"

namespace tempo::receiver {

grpc::StatusCode to_grpc_code(const Status& s) {
  return static_cast<grpc::StatusCode>(model::grpc_code_for(s));
}

grpc::Status OtlpGrpcReceiver::export_bytes(
    grpc::ServerContext* context, std::string_view request,
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse* response) {
  std::string tenant;
  Status s = distributor::resolve_tenant(multitenancy_enabled_, server::grpc_org_id(*context), &tenant);
  if (!s.is_ok()) return grpc::Status(to_grpc_code(s), s.message());
  s = distributor_.admit(tenant, request.size(), "otlp", "grpc",
                         [&] { return model::count_otlp_proto_spans(request); });
  if (!s.is_ok()) return grpc::Status(to_grpc_code(s), s.message());

  // Split on the wire: the request's spans are stored as they arrived, never decoded here.
  model::SplitResult split;
  s = model::split_by_trace_wire(request, &split);
  if (!s.is_ok()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "request is not a valid ExportTraceServiceRequest: " + s.message());
  }
  distributor::PushResult result;
  s = distributor_.push(tenant, std::move(split), request.size(), "otlp", "grpc", &result,
                        distributor::Charge::kAdmitted);
  if (!s.is_ok()) return grpc::Status(to_grpc_code(s), s.message());
  if (result.rejected_spans) {
    auto* partial = response->mutable_partial_success();
    partial->set_rejected_spans(static_cast<int64_t>(result.rejected_spans));
    partial->set_error_message(result.rejection);
  }
  return grpc::Status::OK;
}

}  // namespace tempo::receiver
