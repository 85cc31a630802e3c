#pragma once
// Zipkin receiver (port 9411): POST /api/v2/spans with a JSON array of v2 spans (the default)
// or zipkin.proto3.ListOfSpans (Content-Type application/x-protobuf). Answers 202 like Zipkin.
// POST /api/v1/spans takes Zipkin v1 JSON (v1 Thrift is refused with 400).

#include "tempo/distributor/distributor.h"
#include "tempo/server/http_server.h"

namespace tempo::receiver {

class ZipkinReceiver {
 public:
  ZipkinReceiver(distributor::Distributor& distributor, bool multitenancy_enabled)
      : distributor_(distributor), multitenancy_enabled_(multitenancy_enabled) {}

  void register_routes(server::Router& router);
  server::HttpResponse handle(const server::HttpRequest& req);
  server::HttpResponse handle_v1(const server::HttpRequest& req);

 private:
  distributor::Distributor& distributor_;
  bool multitenancy_enabled_;
};

}  // namespace tempo::receiver
