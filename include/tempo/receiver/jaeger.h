#pragma once
// Jaeger receivers: the collector's Thrift-over-HTTP endpoint (14268, POST /api/traces, 202),
// its gRPC API (14250, jaeger.api_v2.CollectorService/PostSpans) and the agent's UDP ports
// (6831 Thrift compact, 6832 Thrift binary; fire-and-forget, so failures are only logged and
// counted).

#include <atomic>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include <grpcpp/grpcpp.h>

#include "jaeger/api_v2/collector.pb.h"
#include "tempo/distributor/distributor.h"
#include "tempo/model/jaeger.h"
#include "tempo/server/executor.h"
#include "tempo/server/http_server.h"

namespace tempo::receiver {

class JaegerThriftHttpReceiver {
 public:
  JaegerThriftHttpReceiver(distributor::Distributor& distributor, bool multitenancy_enabled)
      : distributor_(distributor), multitenancy_enabled_(multitenancy_enabled) {}

  void register_routes(server::Router& router);
  server::HttpResponse handle(const server::HttpRequest& req);

 private:
  distributor::Distributor& distributor_;
  bool multitenancy_enabled_;
};

// jaeger.api_v2.CollectorService/PostSpans, hosted as a bounded unary method
// (server/grpc_bounded_unary.h), which hands it the request bytes, inflated and bounded.
class JaegerGrpcReceiver final {
 public:
  JaegerGrpcReceiver(distributor::Distributor& distributor, bool multitenancy_enabled)
      : distributor_(distributor), multitenancy_enabled_(multitenancy_enabled) {}

  // One PostSpans call: the tenant's rate limit is charged by the request's bytes before
  // they are decoded, as the HTTP receivers do.
  grpc::Status post_spans_bytes(grpc::ServerContext* context, std::string_view request);

 private:
  distributor::Distributor& distributor_;
  bool multitenancy_enabled_;
};

// One UDP port of the Jaeger agent. Datagrams are read on the io_context and decoded and
// stored on `workers`, a bounded executor: when its queue is full a datagram is dropped and
// counted in tempo_receiver_dropped_datagrams_total{transport,reason="queue_full"}. UDP carries no tenant header: with multitenancy on, batches are
// dropped with a logged error.
class JaegerAgentReceiver {
 public:
  JaegerAgentReceiver(boost::asio::io_context& io, server::BoundedExecutor& workers,
                      distributor::Distributor& distributor, bool multitenancy_enabled,
                      model::ThriftProtocol protocol);
  ~JaegerAgentReceiver();

  Status start(const std::string& address, int port);
  int port() const { return port_; }
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace tempo::receiver
