#include "receiver/foreign_push.h"
#include "tempo/receiver/jaeger.h"

namespace tempo::receiver {

void JaegerThriftHttpReceiver::register_routes(server::Router& router) {
  router.add("POST", "/api/traces", "jaeger_api_traces",
             [this](const server::HttpRequest& req) { return handle(req); },
             server::Work::kIngest);
}

server::HttpResponse JaegerThriftHttpReceiver::handle(const server::HttpRequest& req) {
  const std::string ctype = req.media_type();
  if (ctype != "application/x-thrift" && ctype != "application/vnd.apache.thrift.binary") {
    return foreign_http_reply(Status::invalid_argument(
        "unsupported content type \"" + ctype +
        "\"; send a thrift-binary jaeger batch as application/x-thrift"));
  }
  // A refused Thrift batch is not counted in spans: that would take decoding it.
  return foreign_http_reply(decode_and_push(
      distributor_, multitenancy_enabled_, req.header("X-Scope-OrgID"), req.body, "jaeger",
      "thrift_http", nullptr,
      [&](auto* out) { return model::jaeger_thrift_batch_to_otlp(req.body, out); }));
}

}  // namespace tempo::receiver
