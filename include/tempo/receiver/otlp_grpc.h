#pragma once
// OTLP/gRPC receiver: opentelemetry.proto.collector.trace.v1.TraceService/Export.

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "tempo/distributor/distributor.h"

namespace tempo::receiver {

class OtlpGrpcReceiver final
    : public opentelemetry::proto::collector::trace::v1::TraceService::Service {
 public:
  OtlpGrpcReceiver(distributor::Distributor& distributor, bool multitenancy_enabled)
      : distributor_(distributor), multitenancy_enabled_(multitenancy_enabled) {}

  grpc::Status Export(
      grpc::ServerContext* context,
      const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* request,
      opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse* response) override;

 private:
  distributor::Distributor& distributor_;
  bool multitenancy_enabled_;
};

// The gRPC status code for a Status (INVALID_ARGUMENT, RESOURCE_EXHAUSTED, ...).
grpc::StatusCode to_grpc_code(const Status& s);

}  // namespace tempo::receiver
