#include "tempo/receiver/zipkin.h"

#include "receiver/foreign_push.h"
#include "tempo/model/zipkin.h"

namespace tempo::receiver {
namespace {

bool is_protobuf(const server::HttpRequest& req) {
  const std::string type = req.media_type();
  return type == "application/x-protobuf" || type == "application/protobuf";
}

}  // namespace

void ZipkinReceiver::register_routes(server::Router& router) {
  router.add("POST", "/api/v2/spans", "zipkin_v2_spans",
             [this](const server::HttpRequest& req) { return handle(req); });
  router.add("POST", "/api/v1/spans", "zipkin_v1_spans",
             [this](const server::HttpRequest& req) { return handle_v1(req); });
}

server::HttpResponse ZipkinReceiver::handle_v1(const server::HttpRequest& req) {
  if (is_protobuf(req) || req.media_type().find("thrift") != std::string::npos) {
    return foreign_http_reply(Status::invalid_argument(
        "zipkin v1 spans are accepted as JSON only; send v1 JSON or v2 to /api/v2/spans"));
  }
  ConvertedRequest otlp;
  Status s = model::zipkin_v1_json_to_otlp(req.body, otlp.get());
  if (s.is_ok()) {
    s = push_foreign(distributor_, multitenancy_enabled_, req.header("X-Scope-OrgID"), *otlp,
                     req.body.size(), "zipkin", "http");
  }
  return foreign_http_reply(s);
}

server::HttpResponse ZipkinReceiver::handle(const server::HttpRequest& req) {
  ConvertedRequest otlp;
  Status s = is_protobuf(req) ? model::zipkin_proto_to_otlp(req.body, otlp.get())
                                                     : model::zipkin_json_to_otlp(req.body, otlp.get());
  if (s.is_ok()) {
    s = push_foreign(distributor_, multitenancy_enabled_, req.header("X-Scope-OrgID"), *otlp,
                     req.body.size(), "zipkin", "http");
  }
  return foreign_http_reply(s);
}

}  // namespace tempo::receiver
