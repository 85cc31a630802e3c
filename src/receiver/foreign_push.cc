#include "receiver/foreign_push.h"

#include "tempo/model/otlp_status.h"

namespace tempo::receiver {
namespace {

google::protobuf::ArenaOptions arena_options() {
  google::protobuf::ArenaOptions o;
  o.start_block_size = 64 << 10;
  o.max_block_size = 1 << 20;
  return o;
}

Status push_for(distributor::Distributor& distributor, const std::string& tenant,
                const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& req,
                size_t request_bytes, std::string_view receiver, std::string_view transport,
                distributor::Charge charge);

}  // namespace

ConvertedRequest::ConvertedRequest()
    : arena_(arena_options()),
      req_(google::protobuf::Arena::CreateMessage<
           opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest>(&arena_)) {}

Status push_foreign(distributor::Distributor& distributor, bool multitenancy_enabled,
                    std::string_view org_id,
                    const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& req,
                    size_t request_bytes, std::string_view receiver, std::string_view transport) {
  std::string tenant;
  TEMPO_RETURN_IF_ERROR(distributor::resolve_tenant(multitenancy_enabled, org_id, &tenant));
  return push_for(distributor, tenant, req, request_bytes, receiver, transport,
                  distributor::Charge::kCharge);
}

Status decode_and_push(
    distributor::Distributor& distributor, bool multitenancy_enabled, std::string_view org_id,
    std::string_view body, std::string_view receiver, std::string_view transport,
    const std::function<uint64_t()>& count_spans,
    const std::function<Status(opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest*)>&
        decode) {
  std::string tenant;
  TEMPO_RETURN_IF_ERROR(distributor::resolve_tenant(multitenancy_enabled, org_id, &tenant));
  TEMPO_RETURN_IF_ERROR(distributor.admit(tenant, body.size(), receiver, transport, count_spans));
  ConvertedRequest otlp;
  TEMPO_RETURN_IF_ERROR(decode(otlp.get()));
  return push_for(distributor, tenant, *otlp, body.size(), receiver, transport,
                  distributor::Charge::kAdmitted);
}

namespace {

Status push_for(distributor::Distributor& distributor, const std::string& tenant,
                const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& req,
                size_t request_bytes, std::string_view receiver, std::string_view transport,
                distributor::Charge charge) {
  distributor::PushResult result;
  TEMPO_RETURN_IF_ERROR(
      distributor.push(tenant, req, request_bytes, receiver, transport, &result, charge));
  if (result.rejected_spans) {
    return Status::invalid_argument(std::to_string(result.rejected_spans) + " of " +
                                    std::to_string(result.rejected_spans + result.accepted_spans) +
                                    " spans rejected (the rest were stored): " + result.rejection);
  }
  return Status::ok();
}

}  // namespace

server::HttpResponse foreign_http_reply(const Status& status) {
  server::HttpResponse res;
  if (status.is_ok()) {
    res.status = 202;
    return res;
  }
  res.status = model::http_status_for(status);
  res.body = status.message() + "\n";
  if (res.status == 429 || res.status == 503) res.headers.emplace_back("Retry-After", "5");
  return res;
}

}  // namespace tempo::receiver
