#include "tempo/receiver/zipkin.h"

#include "receiver/foreign_push.h"
#include "tempo/model/span_count.h"
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
             [this](const server::HttpRequest& req) { return handle(req); },
             server::Work::kIngest);
  router.add("POST", "/api/v1/spans", "zipkin_v1_spans",
             [this](const server::HttpRequest& req) { return handle_v1(req); },
             server::Work::kIngest);
}

server::HttpResponse ZipkinReceiver::handle_v1(const server::HttpRequest& req) {
  if (is_protobuf(req) || req.media_type().find("thrift") != std::string::npos) {
    return foreign_http_reply(Status::invalid_argument(
        "zipkin v1 spans are accepted as JSON only; send v1 JSON or v2 to /api/v2/spans"));
  }
  return foreign_http_reply(decode_and_push(
      distributor_, multitenancy_enabled_, req.header("X-Scope-OrgID"), req.body, "zipkin",
      "http", [&] { return model::count_zipkin_json_spans(req.body); },
      [&](auto* out) { return model::zipkin_v1_json_to_otlp(req.body, out); }));
}

server::HttpResponse ZipkinReceiver::handle(const server::HttpRequest& req) {
  const bool proto = is_protobuf(req);
  return foreign_http_reply(decode_and_push(
      distributor_, multitenancy_enabled_, req.header("X-Scope-OrgID"), req.body, "zipkin",
      "http",
      [&] {
        return proto ? model::count_zipkin_proto_spans(req.body)
                     : model::count_zipkin_json_spans(req.body);
      },
      [&](auto* out) {
        return proto ? model::zipkin_proto_to_otlp(req.body, out)
                     : model::zipkin_json_to_otlp(req.body, out);
      }));
}

}  // namespace tempo::receiver
