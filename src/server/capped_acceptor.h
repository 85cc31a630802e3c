#pragma once
// A listening TCP socket that hands each accepted connection to a callback, with at most
// `max_connections` of them open at once. Used for gRPC ports with server.grpc_listen_conn_limit:
// gRPC 1.51 has no connection limit of its own, so such a port is accepted here and each
// connection adopted by the gRPC server (AddInsecureChannelFromFd), which then owns the socket.
//
// Once a connection is handed over, only gRPC knows when it closes. A connection counts as open
// while its descriptor still names the same socket: fstat() of the number gives the inode the
// socket had when accepted. A closed descriptor fails fstat or, if the number was reused, names
// another inode. At the cap, accepting pauses (clients wait in the kernel's backlog) and the
// count is taken again every `recheck_ms` until a connection has closed.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

#include "tempo/util/status.h"

namespace tempo::server {

class CappedAcceptor {
 public:
  struct Options {
    std::string address = "0.0.0.0";
    int port = 0;  // 0 picks a free port
    size_t max_connections = 0;  // must be > 0
    int recheck_ms = 100;
    std::string name;  // for logs and the metric's label, e.g. "grpc:4317"
  };
  // `adopt` takes ownership of the connected, non-blocking socket.
  CappedAcceptor(Options options, std::function<void(int fd)> adopt);
  ~CappedAcceptor();
  CappedAcceptor(const CappedAcceptor&) = delete;
  CappedAcceptor& operator=(const CappedAcceptor&) = delete;

  // Binds and listens (SO_REUSEADDR, no SO_REUSEPORT), then accepts on a thread of its own.
  Status start();
  int port() const { return port_; }
  // Stops accepting and closes the listening socket; connections already handed over stay.
  void stop();
  // Connections handed over that are still open (as last counted).
  size_t open_connections() const { return open_.load(); }

 private:
  struct Handed {
    int fd;
    ino_t inode;
  };
  void run();
  size_t recount();

  Options options_;
  std::function<void(int)> adopt_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: stop() wakes the thread
  int port_ = 0;
  std::vector<Handed> handed_;  // owned by the accept thread
  std::atomic<size_t> open_{0};
  std::thread thread_;
};

}  // namespace tempo::server
