#pragma once
// OTLP/gRPC receiver: opentelemetry.proto.collector.trace.v1.TraceService/Export.

#include <grpcpp/grpcpp.h>

#include <string_view>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/distributor/distributor.h"

namespace tempo::receiver {

// Hosted as a bounded unary method (server/grpc_bounded_unary.h), which hands it the request
// bytes, inflated and within the receive limit.
class OtlpGrpcReceiver final {
 public:
  OtlpGrpcReceiver(distributor::Distributor& distributor, bool multitenancy_enabled)
      : distributor_(distributor), multitenancy_enabled_(multitenancy_enabled) {}

  // One Export call: resolves the tenant and charges `request` (its bytes) to the tenant's
  // rate limit before decoding it, so a refused request costs no decoding; then stores it.
  grpc::Status export_bytes(
      grpc::ServerContext* context, std::string_view request,
      opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse* response);

 private:
  distributor::Distributor& distributor_;
  bool multitenancy_enabled_;
};

// The gRPC status code for a Status (INVALID_ARGUMENT, RESOURCE_EXHAUSTED, ...).
grpc::StatusCode to_grpc_code(const Status& s);

}  // namespace tempo::receiver
