#include "tempo/server/http_client.h"

#include <openssl/ssl.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace tempo::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
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
  ClientTls tls;
  asio::io_context io;
  std::optional<ssl::context> ssl_ctx;                   // built on first use, with tls.enabled
  std::unique_ptr<tcp::socket> socket;                   // plain connections
  std::unique_ptr<ssl::stream<tcp::socket>> tls_stream;  // TLS connections
  beast::flat_buffer buffer;

  bool connected() const { return socket != nullptr || tls_stream != nullptr; }
  void reset() {
    socket.reset();
    tls_stream.reset();
  }

  Status make_ssl_context() {
    if (ssl_ctx) return Status::ok();
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    beast::error_code ec;
    if (!tls.ca_file.empty()) {
      ctx.load_verify_file(tls.ca_file, ec);
      if (ec) return Status::invalid_argument("tls ca_file " + tls.ca_file + ": " + ec.message());
    } else {
      ctx.set_default_verify_paths(ec);
      if (ec) return Status::invalid_argument("system CA certificates: " + ec.message());
    }
    if (!tls.cert_file.empty()) {
      ctx.use_certificate_chain_file(tls.cert_file, ec);
      if (ec) {
        return Status::invalid_argument("tls cert_file " + tls.cert_file + ": " + ec.message());
      }
      ctx.use_private_key_file(tls.key_file, ssl::context::pem, ec);
      if (ec) return Status::invalid_argument("tls key_file " + tls.key_file + ": " + ec.message());
    }
    ctx.set_verify_mode(tls.insecure_skip_verify ? ssl::verify_none : ssl::verify_peer);
    ssl_ctx.emplace(std::move(ctx));
    return Status::ok();
  }

  Status connect() {
    if (tls.enabled) TEMPO_RETURN_IF_ERROR(make_ssl_context());
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
    buffer.clear();
    if (!tls.enabled) {
      socket = std::move(s);
      return Status::ok();
    }
    auto t = std::make_unique<ssl::stream<tcp::socket>>(std::move(*s), *ssl_ctx);
    const std::string& name = tls.server_name.empty() ? host : tls.server_name;
    // SNI, and the name the certificate must carry (a DNS name or an IP address).
    if (!SSL_set_tlsext_host_name(t->native_handle(), name.c_str())) {
      return Status::unavailable("tls: cannot set server name " + name);
    }
    if (!tls.insecure_skip_verify) {
      X509_VERIFY_PARAM* param = SSL_get0_param(t->native_handle());
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      if (!X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) &&
          !X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size())) {
        return Status::unavailable("tls: cannot check server name " + name);
      }
    }
    t->handshake(ssl::stream_base::client, ec);
    if (ec) {
      return Status::unavailable("tls handshake with " + host + ":" + std::to_string(port) + ": " +
                                 ec.message());
    }
    tls_stream = std::move(t);
    return Status::ok();
  }

  // Sets *retryable when the failure looks like a keep-alive connection the server closed.
  template <class Stream>
  Status exchange(Stream& stream, bool reused, std::string_view method, std::string_view target,
                  std::string_view body, const HeaderList& headers, ClientResponse* out,
                  bool* retryable) {
    http::request<http::string_body> req;
    req.method_string(beast::string_view(method.data(), method.size()));
    req.target(beast::string_view(target.data(), target.size()));
    req.version(11);
    // An IPv6 literal goes in brackets (RFC 7230 Host), as in a URL.
    const bool v6 = host.find(':') != std::string::npos;
    req.set(http::field::host, (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port));
    req.set(http::field::user_agent, "tempo-cpp-client");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body().assign(body.data(), body.size());
    req.prepare_payload();
    beast::error_code ec, write_ec;
    http::write(stream, req, write_ec);
    // A server may answer before reading the whole body (413) and close; its response is
    // still worth reading, so a failed write is only final if no response follows.
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ULL << 32);
    http::read(stream, buffer, parser, ec);
    if (ec && write_ec) {
      reset();
      *retryable = reused;
      return Status::unavailable("write: " + write_ec.message());
    }
    if (ec) {
      reset();
      *retryable =
          reused && (ec == http::error::end_of_stream || ec == asio::error::eof ||
                     ec == asio::error::connection_reset || ec == ssl::error::stream_truncated);
      return Status::unavailable("read: " + ec.message());
    }
    auto& res = parser.get();
    out->status = static_cast<int>(res.result_int());
    out->body = std::move(res.body());
    out->headers.clear();
    for (const auto& f : res) {
      out->headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    }
    if (!res.keep_alive() || write_ec) reset();
    return Status::ok();
  }

  Status once(std::string_view method, std::string_view target, std::string_view body,
              const HeaderList& headers, ClientResponse* out, bool* retryable) {
    *retryable = false;
    bool reused = connected();
    if (!reused) TEMPO_RETURN_IF_ERROR(connect());
    if (tls_stream) {
      return exchange(*tls_stream, reused, method, target, body, headers, out, retryable);
    }
    return exchange(*socket, reused, method, target, body, headers, out, retryable);
  }
};

HttpClient::HttpClient(std::string host, uint16_t port, std::chrono::milliseconds timeout,
                       ClientTls tls)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
  impl_->timeout = timeout;
  impl_->tls = std::move(tls);
}

HttpClient::~HttpClient() = default;

Status HttpClient::request(std::string_view method, std::string_view target, std::string_view body,
                           const HeaderList& headers, ClientResponse* out) {
  bool retryable = false;
  Status s = impl_->once(method, target, body, headers, out, &retryable);
  if (!s.is_ok() && retryable) s = impl_->once(method, target, body, headers, out, &retryable);
  return s;
}

void HttpClient::close() { impl_->reset(); }

}  // namespace tempo::server
