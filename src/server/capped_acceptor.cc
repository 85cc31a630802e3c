#include "capped_acceptor.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tempo/observability/log.h"
#include "tempo/observability/metrics.h"

namespace tempo::server {
namespace {

// dskit's names (Tempo's server exports them as tempo_tcp_connections{protocol="grpc"}).
prometheus::Gauge& connections_gauge(const std::string& port) {
  static auto& f = metrics::gauge_family("tempo_tcp_connections",
                                         "Current number of accepted TCP connections.");
  return f.Add({{"protocol", "grpc"}, {"port", port}});
}
prometheus::Gauge& limit_gauge(const std::string& port) {
  static auto& f = metrics::gauge_family("tempo_tcp_connections_limit",
                                         "The max number of TCP connections that can be accepted "
                                         "(0 means no limit).");
  return f.Add({{"protocol", "grpc"}, {"port", port}});
}

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

CappedAcceptor::CappedAcceptor(Options options, std::function<void(int fd)> adopt)
    : options_(std::move(options)), adopt_(std::move(adopt)) {}

CappedAcceptor::~CappedAcceptor() { stop(); }

Status CappedAcceptor::start() {
  if (options_.max_connections == 0) return Status::invalid_argument("max_connections must be > 0");
  const bool v6 = options_.address.find(':') != std::string::npos;
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(options_.port));
    if (inet_pton(AF_INET6, options_.address.c_str(), &a->sin6_addr) != 1) {
      return Status::invalid_argument("bad listen address " + options_.address);
    }
    len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(options_.port));
    if (inet_pton(AF_INET, options_.address.c_str(), &a->sin_addr) != 1) {
      return Status::invalid_argument("bad listen address " + options_.address);
    }
    len = sizeof(sockaddr_in);
  }
  listen_fd_ = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return Status::io_error(errno_text("socket"));
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
      ::listen(listen_fd_, 1024) != 0) {
    Status s = Status::io_error(errno_text(("listen on " + options_.address + ":" +
                                            std::to_string(options_.port)).c_str()));
    ::close(listen_fd_);
    listen_fd_ = -1;
    return s;
  }
  len = sizeof ss;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len);
  port_ = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                         : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) return Status::io_error(errno_text("eventfd"));
  limit_gauge(std::to_string(port_)).Set(static_cast<double>(options_.max_connections));
  thread_ = std::thread([this] { run(); });
  return Status::ok();
}

void CappedAcceptor::stop() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    if (::write(wake_fd_, &one, sizeof one) < 0) {
      // The eventfd cannot be full after one write; nothing else can fail here.
    }
    thread_.join();
  }
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  listen_fd_ = wake_fd_ = -1;
}

size_t CappedAcceptor::recount() {
  std::erase_if(handed_, [](const Handed& h) {
    struct stat st {};
    return ::fstat(h.fd, &st) != 0 || !S_ISSOCK(st.st_mode) || st.st_ino != h.inode;
  });
  open_.store(handed_.size());
  connections_gauge(std::to_string(port_)).Set(static_cast<double>(handed_.size()));
  return handed_.size();
}

void CappedAcceptor::run() {
  bool paused_logged = false;
  for (;;) {
    const bool at_cap = recount() >= options_.max_connections;
    if (at_cap && !paused_logged) {
      log::warn("grpc connection limit reached, accepting paused",
                {{"port", std::to_string(port_)},
                 {"limit", std::to_string(options_.max_connections)}});
    }
    paused_logged = at_cap;
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    // At the cap only the wake-up is watched; the count is taken again after recheck_ms.
    int n = ::poll(fds, at_cap ? 1 : 2, at_cap ? options_.recheck_ms : -1);
    if (n < 0 && errno != EINTR) {
      log::error("grpc acceptor poll failed", {{"err", std::strerror(errno)}});
      return;
    }
    if (fds[0].revents & POLLIN) return;
    if (at_cap || !(fds[1].revents & POLLIN)) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED) continue;
      // EMFILE and the like: back off rather than spin.
      log::warn("grpc accept failed", {{"err", std::strerror(errno)}});
      ::poll(fds, 1, 100);
      if (fds[0].revents & POLLIN) return;
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      continue;
    }
    handed_.push_back({fd, st.st_ino});
    adopt_(fd);
  }
}

}  // namespace tempo::server
