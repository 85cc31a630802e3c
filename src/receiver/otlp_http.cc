#include "tempo/receiver/otlp_http.h"

#include <google/protobuf/util/json_util.h>

#include "google/rpc/status.pb.h"
#include "tempo/model/otlp_json.h"
#include "tempo/receiver/otlp_grpc.h"

namespace tempo::receiver {
namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;

enum class Encoding { kProto, kJson };

constexpr const char* kProtoType = "application/x-protobuf";
constexpr const char* kJsonType = "application/json";

std::string to_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

server::HttpResponse encode(Encoding enc, const google::protobuf::Message& msg, int status) {
  server::HttpResponse res;
  res.status = status;
  if (enc == Encoding::kJson) {
    res.content_type = kJsonType;
    google::protobuf::util::JsonPrintOptions opts;
    (void)google::protobuf::util::MessageToJsonString(msg, &res.body, opts);
  } else {
    res.content_type = kProtoType;
    msg.SerializeToString(&res.body);
  }
  return res;
}

int http_status_for(const Status& s) {
  switch (s.code()) {
    case Status::Code::kInvalidArgument: return 400;
    case Status::Code::kUnauthenticated: return 401;
    case Status::Code::kResourceExhausted: return 429;
    case Status::Code::kUnavailable: return 503;
    default: return 500;
  }
}

// An OTLP error: google.rpc.Status in the request's encoding; retryable codes carry
// Retry-After so well-behaved exporters back off.
server::HttpResponse error_response(Encoding enc, const Status& s) {
  google::rpc::Status body;
  body.set_code(static_cast<int>(to_grpc_code(s)));
  body.set_message(s.message());
  int http = http_status_for(s);
  auto res = encode(enc, body, http);
  if (http == 429 || http == 503) res.headers.emplace_back("Retry-After", "5");
  return res;
}

}  // namespace

void OtlpHttpReceiver::register_routes(server::Router& router) {
  router.add("POST", "/v1/traces", "v1_traces",
             [this](const server::HttpRequest& req) { return handle(req); });
}

server::HttpResponse OtlpHttpReceiver::handle(const server::HttpRequest& req) {
  std::string ctype = to_lower(req.header("Content-Type"));
  if (auto semi = ctype.find(';'); semi != std::string::npos) ctype.resize(semi);
  while (!ctype.empty() && ctype.back() == ' ') ctype.pop_back();
  Encoding enc;
  if (ctype == kProtoType || ctype == "application/protobuf") {
    enc = Encoding::kProto;
  } else if (ctype == kJsonType) {
    enc = Encoding::kJson;
  } else {
    server::HttpResponse res;
    res.status = 415;
    res.body = "415 unsupported media type, supported: [application/json, application/x-protobuf]";
    return res;
  }

  std::string tenant;
  Status s = distributor::resolve_tenant(multitenancy_enabled_, req.header("X-Scope-OrgID"), &tenant);
  if (!s.is_ok()) return error_response(enc, s);

  ExportTraceServiceRequest export_req;
  if (enc == Encoding::kProto) {
    if (!export_req.ParseFromString(req.body)) {
      return error_response(
          enc, Status::invalid_argument("failed to unmarshal request body: invalid protobuf"));
    }
  } else {
    s = model::decode_otlp_json(req.body, &export_req);
    if (!s.is_ok()) {
      return error_response(
          enc, Status::invalid_argument("failed to unmarshal request body: " + s.message()));
    }
  }

  distributor::PushResult result;
  s = distributor_.push(tenant, export_req, req.body.size(), "otlp", "http", &result);
  if (!s.is_ok()) return error_response(enc, s);
  ExportTraceServiceResponse body;
  if (result.rejected_spans) {
    body.mutable_partial_success()->set_rejected_spans(static_cast<int64_t>(result.rejected_spans));
    body.mutable_partial_success()->set_error_message(result.rejection);
  }
  return encode(enc, body, 200);
}

}  // namespace tempo::receiver
