#pragma once
// A gRPC server on one address:port hosting any number of services. Tempo's own gRPC port
// and the OTLP receiver may share one port (minimal configs set both to 4317); the app
// then registers both sets of services on one GrpcServer instead of binding twice.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tempo/server/grpc_bounded_unary.h"
#include "tempo/util/status.h"

namespace tempo::server {

struct GrpcServerOptions {
  std::string address = "0.0.0.0";
  int port = 0;  // 0 picks a free port
  int max_recv_msg_size = 4 << 20;
  int max_send_msg_size = 16 << 20;
  // TLS (make_grpc_tls_credentials in tls.h); null serves plaintext.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // Calls one connection may have open at once (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS);
  // 0 = gRPC's default (unlimited).
  int max_concurrent_streams = 100;
  // Threads the server may use for calls, all connections together: the synchronous server
  // otherwise starts one per call in flight without end. Past it new calls wait for a thread
  // or fail with RESOURCE_EXHAUSTED. 0 = unlimited.
  int max_threads = 64;
  // Threads kept waiting for calls once their call is done. gRPC's synchronous server keeps
  // two by default and ends any other thread after its call, so under steady load it starts
  // and ends a thread for about every other call (measured: 280 a second at 600 calls a
  // second), each start and exit costing a stack mapping, a TLS setup and a TLB shootdown.
  // Idle threads sleep in the completion queue: a few MB of stacks at most.
  int idle_threads = 16;
  // Connections open at once on this port (server.grpc_listen_conn_limit); past it accepting
  // pauses until one closes. 0 = unlimited. Plaintext ports only: gRPC 1.51 cannot cap
  // connections itself, so a capped port is accepted by CappedAcceptor and each connection
  // adopted by the server, which the gRPC library can do only without TLS.
  size_t max_connections = 0;
  // Shared with the HTTP servers (server.http_max_request_bytes_in_flight): the bytes of the
  // bounded methods' requests being handled at once. Null = unbounded.
  std::shared_ptr<BodyBudget> body_budget;
};

class CappedAcceptor;

class GrpcServer {
 public:
  explicit GrpcServer(GrpcServerOptions options);
  ~GrpcServer();

  // Services must outlive the server. Call before start().
  void add_service(grpc::Service* service) { services_.push_back(service); }
  // A unary method at `path` ("/package.Service/Method") whose request bytes are inflated
  // here, so a compressed one cannot inflate past max_recv_msg_size, and handed to `fn` to
  // decode (see grpc_bounded_unary.h). With any such method, the server's core no longer
  // decompresses messages. Call before start().
  template <class Response>
  void add_bounded_unary(
      std::string path,
      std::function<grpc::Status(grpc::ServerContext*, std::string_view request, Response*)> fn) {
    bounded_->add<Response>(std::move(path), std::move(fn),
                            static_cast<size_t>(options_.max_recv_msg_size),
                            options_.body_budget);
  }
  Status start();
  int port() const { return bound_port_; }
  // Serves an already accepted connection (a connected TCP socket whose client speaks HTTP/2
  // with prior knowledge, h2c) as if it had arrived on the server's own port, but in plaintext
  // whatever the port's credentials (the port it arrived on decides); the server owns `fd`
  // from then on. kUnavailable (and `fd` closed) when the server is not running.
  Status adopt_connection(int fd);
  // Stops accepting, lets in-flight calls finish up to `deadline_ms`, then cancels them.
  void stop(int deadline_ms = 5000);

 private:
  GrpcServerOptions options_;
  std::vector<grpc::Service*> services_;
  std::unique_ptr<BoundedService> bounded_ = std::make_unique<BoundedService>();
  std::mutex mu_;  // adopt_connection runs on network threads while stop() may run
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<CappedAcceptor> acceptor_;  // set when max_connections > 0
  int bound_port_ = 0;
};

// "0.0.0.0:4317" -> {"0.0.0.0", 4317}; ":4317" -> {"0.0.0.0", 4317}; "localhost:4317" ->
// {"127.0.0.1", 4317}. kInvalidArgument naming the endpoint when malformed.
Status parse_endpoint(std::string_view endpoint, std::string* host, int* port);

// The tenant a gRPC call names: its x-scope-orgid metadata ("" when absent).
std::string_view grpc_org_id(const grpc::ServerContext& context);

}  // namespace tempo::server
