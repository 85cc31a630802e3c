#include "tempo/server/http_client.h"

#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace tempo::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string ClientResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return "";
}

struct HttpClient::Impl {
  std::string host;
  uint16_t port;
  std::chrono::milliseconds timeout;
  asio::io_context io;
  std::unique_ptr<tcp::socket> socket;
  beast::flat_buffer buffer;

  Status connect() {
    beast::error_code ec;
    tcp::resolver resolver(io);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return Status::unavailable("resolve " + host + ": " + ec.message());
    auto s = std::make_unique<tcp::socket>(io);
    asio::connect(*s, results, ec);
    if (ec) {
      return Status::unavailable("connect " + host + ":" + std::to_string(port) + ": " +
                                 ec.message());
    }
    // Blocking socket calls honour SO_RCVTIMEO/SO_SNDTIMEO, which gives sync Beast a deadline.
    timeval tv{};
    tv.tv_sec = timeout.count() / 1000;
    tv.tv_usec = (timeout.count() % 1000) * 1000;
    ::setsockopt(s->native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(s->native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    s->set_option(tcp::no_delay(true), ec);
    socket = std::move(s);
    buffer.clear();
    return Status::ok();
  }

  // Sets *retryable when the failure looks like a keep-alive connection the server closed.
  Status once(std::string_view method, std::string_view target, std::string_view body,
              const HeaderList& headers, ClientResponse* out, bool* retryable) {
    *retryable = false;
    bool reused = socket != nullptr;
    if (!socket) TEMPO_RETURN_IF_ERROR(connect());
    http::request<http::string_body> req;
    req.method_string(beast::string_view(method.data(), method.size()));
    req.target(beast::string_view(target.data(), target.size()));
    req.version(11);
    req.set(http::field::host, host + ":" + std::to_string(port));
    req.set(http::field::user_agent, "tempo-cpp-client");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body().assign(body.data(), body.size());
    req.prepare_payload();
    beast::error_code ec, write_ec;
    http::write(*socket, req, write_ec);
    // A server may answer before reading the whole body (413) and close; its response is
    // still worth reading, so a failed write is only final if no response follows.
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ULL << 32);
    http::read(*socket, buffer, parser, ec);
    if (ec && write_ec) {
      socket.reset();
      *retryable = reused;
      return Status::unavailable("write: " + write_ec.message());
    }
    if (ec) {
      socket.reset();
      *retryable = reused && (ec == http::error::end_of_stream || ec == asio::error::eof ||
                              ec == asio::error::connection_reset);
      return Status::unavailable("read: " + ec.message());
    }
    auto& res = parser.get();
    out->status = static_cast<int>(res.result_int());
    out->body = std::move(res.body());
    out->headers.clear();
    for (const auto& f : res) {
      out->headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    }
    if (!res.keep_alive() || write_ec) socket.reset();
    return Status::ok();
  }
};

HttpClient::HttpClient(std::string host, uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
  impl_->timeout = timeout;
}

HttpClient::~HttpClient() = default;

Status HttpClient::request(std::string_view method, std::string_view target,
                           std::string_view body, const HeaderList& headers,
                           ClientResponse* out) {
  bool retryable = false;
  Status s = impl_->once(method, target, body, headers, out, &retryable);
  if (!s.is_ok() && retryable) s = impl_->once(method, target, body, headers, out, &retryable);
  return s;
}

void HttpClient::close() { impl_->socket.reset(); }

}  // namespace tempo::server
