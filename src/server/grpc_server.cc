#include "tempo/server/grpc_server.h"

#include <grpcpp/resource_quota.h>
#include <grpcpp/server_posix.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>

#include "capped_acceptor.h"
#include "tempo/observability/log.h"

namespace tempo::server {

GrpcServer::GrpcServer(GrpcServerOptions options) : options_(std::move(options)) {}

GrpcServer::~GrpcServer() { stop(0); }

Status GrpcServer::start() {
  grpc::ServerBuilder builder;
  std::string addr = options_.address + ":" + std::to_string(options_.port);
  if (options_.address.find(':') != std::string::npos) {
    addr = "[" + options_.address + "]:" + std::to_string(options_.port);
  }
  const bool capped = options_.max_connections > 0;
  if (capped && options_.credentials) {
    return Status::invalid_argument(
        "server.grpc_listen_conn_limit cannot be applied to the TLS gRPC port " + addr +
        ": gRPC 1.51 can take over only plaintext connections accepted elsewhere; remove the "
        "limit or the TLS setting");
  }
  if (!capped) {
    builder.AddListeningPort(
        addr, options_.credentials ? options_.credentials : grpc::InsecureServerCredentials(),
        &bound_port_);
  }
  builder.SetMaxReceiveMessageSize(options_.max_recv_msg_size);
  builder.SetMaxSendMessageSize(options_.max_send_msg_size);
  // Without SO_REUSEPORT a second process on the same port fails loudly instead of
  // silently sharing traffic with a stale instance.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  if (options_.max_concurrent_streams > 0) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, options_.max_concurrent_streams);
  }
  // Threads only: a memory quota (ResourceQuota::Resize) does not bound what gRPC 1.51's
  // transports read ahead; measured under a flood of large calls, the peak was the same with
  // a 32 MiB quota as without one.
  if (options_.max_threads > 0) {
    grpc::ResourceQuota quota("grpc:" + std::to_string(options_.port));
    quota.SetMaxThreads(options_.max_threads);
    builder.SetResourceQuota(quota);
  }
  // The quota above still bounds all threads together, idle ones included.
  if (options_.idle_threads > 0) {
    const int idle = options_.max_threads > 0
                         ? std::min(options_.idle_threads, options_.max_threads)
                         : options_.idle_threads;
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, idle);
  }
  for (auto* s : services_) builder.RegisterService(s);
  if (!bounded_->empty()) {
    builder.RegisterService(bounded_.get());
    // The bounded methods inflate requests themselves, within the limit; core would inflate
    // them whole first.
    builder.AddChannelArgument(GRPC_ARG_ENABLE_PER_MESSAGE_DECOMPRESSION, 0);
    // A call waiting for a handler thread holds what its HTTP/2 stream window let the client
    // send. Without BDP probing that window stays at the 64 KiB default; with it gRPC widens
    // the windows of a fast connection to megabytes, unread calls included (400 refused calls
    // of 3.2 MB: peak RSS 388 MB with probing, 229 MB without). A message being read still
    // gets a window of its whole size.
    builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  }
  server_ = builder.BuildAndStart();
  if (!server_) return Status::io_error("grpc server failed to listen on " + addr);
  if (capped) {
    CappedAcceptor::Options ao;
    ao.address = options_.address;
    ao.port = options_.port;
    ao.max_connections = options_.max_connections;
    acceptor_ = std::make_unique<CappedAcceptor>(ao, [this](int fd) {
      Status s = adopt_connection(fd);  // closes fd on failure
      if (!s.is_ok()) log::warn("grpc connection refused", {{"err", s.to_string()}});
    });
    Status s = acceptor_->start();
    if (!s.is_ok()) {
      acceptor_.reset();
      stop(0);
      return s;
    }
    bound_port_ = acceptor_->port();
  }
  if (bound_port_ == 0) {
    server_.reset();
    return Status::io_error("grpc server failed to listen on " + addr);
  }
  return Status::ok();
}

Status GrpcServer::adopt_connection(int fd) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!server_) {
    ::close(fd);
    return Status::unavailable("grpc server is not running");
  }
  grpc::AddInsecureChannelFromFd(server_.get(), fd);
  return Status::ok();
}

void GrpcServer::stop(int deadline_ms) {
  // Before taking mu_: the accept thread may be inside adopt_connection().
  if (acceptor_) acceptor_->stop();
  std::lock_guard<std::mutex> lock(mu_);
  if (!server_) return;
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(deadline_ms));
  server_->Wait();
  server_.reset();
}

std::string_view grpc_org_id(const grpc::ServerContext& context) {
  const auto& md = context.client_metadata();
  auto it = md.find("x-scope-orgid");
  return it == md.end() ? std::string_view()
                        : std::string_view(it->second.data(), it->second.size());
}

Status parse_endpoint(std::string_view endpoint, std::string* host, int* port) {
  auto colon = endpoint.rfind(':');
  if (colon == std::string_view::npos) {
    return Status::invalid_argument("endpoint \"" + std::string(endpoint) + "\" must be host:port");
  }
  std::string_view h = endpoint.substr(0, colon);
  std::string_view p = endpoint.substr(colon + 1);
  int value = 0;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc() || ptr != p.data() + p.size() || value < 0 || value > 65535) {
    return Status::invalid_argument("endpoint \"" + std::string(endpoint) +
                                    "\" has an invalid port");
  }
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty()) h = "0.0.0.0";
  if (h == "localhost") h = "127.0.0.1";
  *host = std::string(h);
  *port = value;
  return Status::ok();
}

}  // namespace tempo::server
