#pragma once
// OTLP/HTTP receiver: POST /v1/traces with application/x-protobuf or application/json
// bodies (Content-Encoding already undone by the HTTP server). Responses and error bodies
// follow the OTLP/HTTP specification: the reply is encoded like the request.

#include "tempo/distributor/distributor.h"
#include "tempo/server/http_server.h"

namespace tempo::receiver {

class OtlpHttpReceiver {
 public:
  OtlpHttpReceiver(distributor::Distributor& distributor, bool multitenancy_enabled)
      : distributor_(distributor), multitenancy_enabled_(multitenancy_enabled) {}

  // Adds POST /v1/traces to `router`.
  void register_routes(server::Router& router);

  server::HttpResponse handle(const server::HttpRequest& req);

 private:
  distributor::Distributor& distributor_;
  bool multitenancy_enabled_;
};

}  // namespace tempo::receiver
