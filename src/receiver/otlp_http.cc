#include "tempo/receiver/otlp_http.h"

#include "tempo/model/otlp_json.h"
#include "tempo/model/otlp_status.h"
#include "tempo/model/span_count.h"
#include "tempo/model/trace_split.h"

namespace tempo::receiver {
namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using model::OtlpEncoding;

server::HttpResponse reply(int status, std::string body, OtlpEncoding enc) {
  server::HttpResponse res;
  res.status = status;
  res.content_type = std::string(model::otlp_content_type(enc));
  res.body = std::move(body);
  return res;
}

// An OTLP error: google.rpc.Status in the request's encoding; retryable codes carry
// Retry-After so well-behaved exporters back off.
server::HttpResponse error_response(OtlpEncoding enc, const Status& s) {
  auto res = reply(model::http_status_for(s), model::otlp_error_body(s, enc), enc);
  if (res.status == 429 || res.status == 503) res.headers.emplace_back("Retry-After", "5");
  return res;
}

}  // namespace

void OtlpHttpReceiver::register_routes(server::Router& router) {
  router.add(
      "POST", "/v1/traces", "v1_traces",
      [this](const server::HttpRequest& req) { return handle(req); }, server::Work::kIngest);
}

server::HttpResponse OtlpHttpReceiver::handle(const server::HttpRequest& req) {
  const std::string type = req.media_type();
  OtlpEncoding enc;
  if (type == "application/x-protobuf" || type == "application/protobuf") {
    enc = OtlpEncoding::kProtobuf;
  } else if (type == "application/json") {
    enc = OtlpEncoding::kJson;
  } else {
    server::HttpResponse res;
    res.status = 415;
    res.body = "415 unsupported media type, supported: [application/json, application/x-protobuf]";
    return res;
  }

  std::string tenant;
  Status s = distributor::resolve_tenant(multitenancy_enabled_, req.header("X-Scope-OrgID"), &tenant);
  if (!s.is_ok()) return error_response(enc, s);

  // Admission before work: decoding costs many times the body (JSON most), so a body over the
  // tenant's rate limit is refused before it is decoded.
  s = distributor_.admit(tenant, req.body.size(), "otlp", "http", [&] {
    return enc == OtlpEncoding::kProtobuf ? model::count_otlp_proto_spans(req.body)
                                          : model::count_otlp_json_spans(req.body);
  });
  if (!s.is_ok()) return error_response(enc, s);

  distributor::PushResult result;
  if (enc == OtlpEncoding::kProtobuf) {
    // Split on the wire: the spans are stored as they arrived, never decoded here.
    model::SplitResult split;
    s = model::split_by_trace_wire(req.body, &split);
    if (!s.is_ok()) {
      return error_response(enc, Status::invalid_argument(
                                     "failed to unmarshal request body: invalid protobuf: " +
                                     s.message()));
    }
    s = distributor_.push(tenant, std::move(split), req.body.size(), "otlp", "http", &result,
                          distributor::Charge::kAdmitted);
  } else {
    ExportTraceServiceRequest export_req;
    s = model::decode_otlp_json(req.body, &export_req);
    if (!s.is_ok()) {
      return error_response(
          enc, Status::invalid_argument("failed to unmarshal request body: " + s.message()));
    }
    s = distributor_.push(tenant, export_req, req.body.size(), "otlp", "http", &result,
                          distributor::Charge::kAdmitted);
  }
  if (!s.is_ok()) return error_response(enc, s);
  return reply(200,
               model::otlp_export_response_body(static_cast<int64_t>(result.rejected_spans),
                                                result.rejection, enc),
               enc);
}

}  // namespace tempo::receiver
