#include "tempo/server/http_server.h"

#include <strings.h>
#include <sys/socket.h>

#include <cctype>
#include <cerrno>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "tempo/observability/log.h"
#include "tempo/observability/metrics.h"
#include "tempo/util/compression.h"

namespace tempo::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

prometheus::Counter& budget_refusals() {
  static auto& c = metrics::counter_family(
                       "tempo_http_body_budget_refused_requests_total",
                       "Requests refused unread because the request bytes in flight were at "
                       "server.http_max_request_bytes_in_flight.")
                       .Add({});
  return c;
}

prometheus::Family<prometheus::Histogram>& request_duration() {
  static auto& f = metrics::histogram_family("tempo_request_duration_seconds",
                                             "Time (in seconds) spent serving HTTP requests.");
  return f;
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string url_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi << 4 | lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::optional<std::string_view> HttpRequest::query_param(std::string_view key) const {
  for (const auto& [k, v] : query) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

std::string HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return "";
}

std::string HttpRequest::media_type() const {
  std::string t = header("Content-Type");
  if (auto semi = t.find(';'); semi != std::string::npos) t.resize(semi);
  std::string out;
  for (char c : t) {
    if (c != ' ' && c != '\t') out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

void Router::add(std::string method, std::string pattern, std::string route_name,
                 Handler handler, Work work) {
  routes_.push_back(Route{std::move(method), split_path(pattern), std::move(route_name),
                          std::move(handler), work});
}

namespace {

bool is_param(const std::string& seg) {
  return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
}

bool is_rest_param(const std::string& seg) {
  return seg.size() >= 6 && seg.front() == '{' && seg.ends_with("...}");
}

// Matches `pattern` against the path segments. A "{name...}" segment takes one or more
// segments, joined again with '/'; the segments after it must match the path's last ones.
bool match_segments(const std::vector<std::string>& pattern, const std::vector<std::string>& segs,
                    std::unordered_map<std::string, std::string>* params) {
  size_t rest = pattern.size();
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (is_rest_param(pattern[i])) rest = i;
  }
  if (rest == pattern.size() ? segs.size() != pattern.size() : segs.size() < pattern.size()) {
    return false;
  }
  const size_t extra = segs.size() - pattern.size();  // segments the rest parameter absorbs
  for (size_t i = 0, j = 0; i < pattern.size(); ++i, ++j) {
    const auto& p = pattern[i];
    if (i == rest) {
      std::string joined = segs[j];
      for (size_t k = 0; k < extra; ++k) joined += "/" + segs[++j];
      (*params)[p.substr(1, p.size() - 5)] = std::move(joined);
    } else if (is_param(p)) {
      (*params)[p.substr(1, p.size() - 2)] = segs[j];
    } else if (p != segs[j]) {
      return false;
    }
  }
  return true;
}

}  // namespace

Router::Match Router::match(HttpRequest& req) const {
  Match m;
  auto segs = split_path(req.path);
  std::string allow;
  for (const auto& r : routes_) {
    std::unordered_map<std::string, std::string> params;
    if (!match_segments(r.segments, segs, &params)) continue;
    if (r.method != req.method && !(r.method == "GET" && req.method == "HEAD")) {
      if (allow.find(r.method) == std::string::npos) {
        if (!allow.empty()) allow += ", ";
        allow += r.method;
      }
      continue;
    }
    req.path_params = std::move(params);
    m.handler = &r.handler;
    m.work = r.work;
    m.route_name = r.name;
    return m;
  }
  m.status = allow.empty() ? 404 : 405;
  m.allow = allow;
  m.route_name = "other";
  return m;
}

// What the server holds of a connection: enough to close it on stop().
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void close() = 0;
  // The connection's place under options.max_connections, given back when the session ends.
  std::shared_ptr<void> slot;
};

// Shared state of a server: the acceptor, the live sessions, and what handlers need.
struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io, HttpExecutors executors, HttpServerOptions options, Router router)
      : io(io), executors(executors), options(std::move(options)), router(std::move(router)),
        acceptor(asio::make_strand(io)) {}

  BoundedExecutor& executor(Work w) const {
    if (w == Work::kIngest && executors.ingest) return *executors.ingest;
    if (w == Work::kAdmin && executors.admin) return *executors.admin;
    return *executors.query;
  }

  asio::io_context& io;
  HttpExecutors executors;
  HttpServerOptions options;
  Router router;
  tcp::acceptor acceptor;
  std::mutex sessions_mu;
  std::vector<std::weak_ptr<SessionBase>> sessions;
  std::atomic<bool> stopped{false};
  // Open connections, and whether accepting waits for one to close (options.max_connections);
  // accept_paused is only touched on the acceptor's strand.
  std::atomic<size_t> connections{0};
  bool accept_paused = false;

  void accept();
  void release_connection();
};

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection, plaintext (Stream = beast::tcp_stream) or TLS (TlsStream). Both run the same
// request code; TLS adds a handshake first and a close_notify last.
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server)
    requires(!kTls)
      : stream_(std::move(socket)), server_(std::move(server)) {}
  Session(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server)
    requires(kTls)
      : stream_(std::move(socket), *server->options.tls), server_(std::move(server)) {}

  void start() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        return self->handshake();
      } else {
        if (self->server_->options.http2_handoff) return self->sniff();
        self->read();
      }
    });
  }

  void close() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      beast::error_code ec;
      self->tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ec);
      self->tcp_layer().close();
    });
  }

 private:
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

  beast::tcp_stream& tcp_layer() {
    if constexpr (kTls) {
      return stream_.next_layer();
    } else {
      return stream_;
    }
  }

  // A client that connects and never finishes the handshake holds the connection for
  // read_timeout at most: the deadline covers every read and write of the handshake.
  void handshake() {
    tcp_layer().expires_after(server_->options.read_timeout);
    stream_.async_handshake(asio::ssl::stream_base::server,
                            [self = shared_from_this()](beast::error_code ec) {
                              if (ec) {
                                log::debug("tls handshake failed", {{"err", ec.message()}});
                                return self->tcp_layer().close();
                              }
                              if (self->server_->options.http2_handoff && self->alpn_h2()) {
                                return self->relay();
                              }
                              self->read();
                            });
  }

  bool alpn_h2() {
    const unsigned char* proto = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(stream_.native_handle(), &proto, &len);
    return std::string_view(reinterpret_cast<const char*>(proto), proto ? len : 0) == "h2";
  }

  // The client negotiated HTTP/2 (ALPN "h2": a gRPC client): the decrypted bytes are relayed
  // through a socket pair whose other end is handed over as a plaintext h2c connection. Each
  // direction reads again only once its last write is done, so the relay holds two buffers and
  // passes the peers' flow control through. No deadline: gRPC streams are long-lived and the
  // gRPC server's own keepalive governs them.
  void relay() {
    int fds[2];
    // Non-blocking, as gRPC expects of an adopted fd (a blocking one stalls its reads).
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) != 0) {
      return tcp_layer().close();
    }
    beast::error_code ec;
    local_.emplace(stream_.get_executor());
    local_->assign(asio::local::stream_protocol(), fds[0], ec);
    if (ec) {
      ::close(fds[0]);
      ::close(fds[1]);
      return tcp_layer().close();
    }
    tcp_layer().expires_never();
    up_ = std::make_unique<std::array<char, 16 * 1024>>();
    down_ = std::make_unique<std::array<char, 16 * 1024>>();
    server_->options.http2_handoff(fds[1]);
    relay_up();
    relay_down();
  }

  void relay_up() {
    stream_.async_read_some(asio::buffer(*up_), [self = shared_from_this()](beast::error_code ec,
                                                                              size_t n) {
      if (ec) return self->end_relay();
      asio::async_write(*self->local_, asio::buffer(self->up_->data(), n),
                        [self](beast::error_code wec, size_t) {
                          if (wec) return self->end_relay();
                          self->relay_up();
                        });
    });
  }

  void relay_down() {
    local_->async_read_some(asio::buffer(*down_), [self = shared_from_this()](
                                                      beast::error_code ec, size_t n) {
      if (ec) return self->end_relay();
      asio::async_write(self->stream_, asio::buffer(self->down_->data(), n),
                        [self](beast::error_code wec, size_t) {
                          if (wec) return self->end_relay();
                          self->relay_down();
                        });
    });
  }

  void end_relay() {
    beast::error_code ec;
    if (local_) local_->close(ec);
    tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ec);
    tcp_layer().close();
  }

  // The client preface every HTTP/2 connection starts with (RFC 9113 3.4). Its first three
  // bytes, "PRI", begin no HTTP/1.1 request a client sends, so they are enough to decide.
  static constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  static constexpr size_t kDecideBytes = 3;

  // Waits for the first bytes (bounded by the read timeout), peeks at them and either hands the
  // socket to http2_handoff or goes on as HTTP/1.1 with nothing consumed.
  void sniff() {
    sniff_timer_.emplace(stream_.get_executor());
    sniff_timer_->expires_after(server_->options.read_timeout);
    sniff_timer_->async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->tcp_layer().socket().close(ec);  // the pending wait ends with an error
    });
    wait_readable();
  }

  void wait_readable() {
    tcp_layer().socket().async_wait(
        tcp::socket::wait_read,
        [self = shared_from_this()](beast::error_code ec) { self->on_readable(ec); });
  }

  void on_readable(beast::error_code ec) {
    if (ec) return stop_sniffing(), shutdown();
    char buf[kDecideBytes];
    ssize_t n = ::recv(tcp_layer().socket().native_handle(), buf, sizeof buf, MSG_PEEK);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      return wait_readable();
    }
    if (n <= 0) return stop_sniffing(), shutdown();
    std::string_view got(buf, static_cast<size_t>(n));
    if (!kHttp2Preface.starts_with(got)) return stop_sniffing(), read();
    if (got.size() < kDecideBytes) {
      // "P" or "PR" so far: could still be POST/PUT/PATCH. Look again in a moment; the
      // read-timeout timer still bounds the whole wait.
      retry_timer_.emplace(stream_.get_executor());
      retry_timer_->expires_after(std::chrono::milliseconds(5));
      retry_timer_->async_wait([self = shared_from_this()](beast::error_code tec) {
        if (tec) return;
        self->wait_readable();
      });
      return;
    }
    stop_sniffing();
    beast::error_code rec;
    int fd = tcp_layer().socket().release(rec);
    if (rec) return shutdown();
    server_->options.http2_handoff(fd);
  }

  void stop_sniffing() {
    if (sniff_timer_) sniff_timer_->cancel();
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(server_->options.max_body_bytes);
    parser_->header_limit(64 * 1024);
    lease_.reset();
    req_.reset();
    tcp_layer().expires_after(first_ ? server_->options.read_timeout
                                     : server_->options.idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              self->on_header(ec);
                            });
  }

  static bool is_disconnect(const beast::error_code& ec) {
    return ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
           ec == beast::error::timeout || ec == asio::error::connection_reset ||
           ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
  }

  void too_large() {
    HttpResponse res;
    res.status = 413;
    res.body = "request body too large: limit is " +
               std::to_string(server_->options.max_body_bytes) + " bytes";
    refuse_unread(std::move(res));
  }

  // Answers without reading the rest of the request, then closes the connection.
  void refuse_unread(HttpResponse res) {
    keep_alive_ = false;
    drain_ = true;
    lease_.reset();
    write(std::move(res), match_.route_name.empty() ? "other" : match_.route_name,
          req_ ? req_->method : "", start_);
  }

  // 429 for ingest (clients back off and retry), 503 for everything else.
  HttpResponse busy(std::string why) const {
    HttpResponse res;
    res.status = match_.work == Work::kIngest ? 429 : 503;
    res.body = std::move(why);
    res.headers.emplace_back("Retry-After", "5");
    return res;
  }

  BodyBudget* budget() const { return server_->options.body_budget.get(); }

  // Charges `n` more bytes to the shared budget; false, taking nothing, when it is spent.
  bool charge(uint64_t n) {
    if (!budget() || n == 0) return true;
    if (!budget()->try_acquire(n)) return false;
    if (!lease_) lease_ = std::make_shared<Lease>(server_->options.body_budget);
    lease_->bytes += n;
    return true;
  }

  std::string budget_text() const {
    return "too many request bytes in flight (server.http_max_request_bytes_in_flight is " +
           std::to_string(budget()->limit()) + " bytes); retry later";
  }

  void on_header(beast::error_code ec) {
    if (is_disconnect(ec)) return shutdown();
    start_ = std::chrono::steady_clock::now();
    match_ = Router::Match{};
    if (ec == http::error::body_limit) return too_large();  // from its Content-Length
    if (ec) {
      HttpResponse res;
      res.status = 400;
      res.body = "malformed HTTP request: " + ec.message();
      return refuse_unread(std::move(res));
    }
    first_ = false;
    const auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    req_ = std::make_shared<HttpRequest>();
    HttpRequest& req = *req_;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    std::string_view target = req.target;
    size_t q = target.find('?');
    req.path = url_decode(target.substr(0, q), false);
    if (q != std::string_view::npos) {
      std::string_view qs = target.substr(q + 1);
      while (!qs.empty()) {
        size_t amp = qs.find('&');
        std::string_view kv = qs.substr(0, amp);
        if (!kv.empty()) {
          size_t eq = kv.find('=');
          req.query.emplace_back(url_decode(kv.substr(0, eq), true),
                                 eq == std::string_view::npos ? "" : url_decode(kv.substr(eq + 1), true));
        }
        if (amp == std::string_view::npos) break;
        qs.remove_prefix(amp + 1);
      }
    }
    for (const auto& f : msg) req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    beast::error_code rec;
    auto ep = tcp_layer().socket().remote_endpoint(rec);
    if (!rec) req.remote_address = ep.address().to_string();
    match_ = server_->router.match(req);

    // Admission: a body announced by Content-Length is paid for before a byte of it is read.
    if (auto len = parser_->content_length(); len && *len > 0 && !charge(*len)) {
      budget_refusals().Increment();
      return refuse_unread(busy(budget_text()));
    }
    read_body();
  }

  void read_body() {
    if (parser_->is_done()) return on_body();
    http::async_read_some(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            self->on_body_some(ec);
                          });
  }

  void on_body_some(beast::error_code ec) {
    if (is_disconnect(ec)) return shutdown();
    if (ec == http::error::body_limit) return too_large();
    if (ec) {
      HttpResponse res;
      res.status = 400;
      res.body = "malformed HTTP request: " + ec.message();
      return refuse_unread(std::move(res));
    }
    if (budget() && !parser_->content_length()) {
      // Chunked: pay as the body grows, a MiB ahead.
      const uint64_t have = parser_->get().body().size();
      const uint64_t paid = lease_ ? lease_->bytes : 0;
      if (have > paid && !charge(std::max<uint64_t>(have - paid, 1 << 20))) {
        budget_refusals().Increment();
        return refuse_unread(busy(budget_text()));
      }
    }
    read_body();
  }

  void on_body() {
    auto msg = parser_->release();
    auto req = req_;
    std::string encoding = req->header("Content-Encoding");
    if (!encoding.empty() && encoding != "identity") {
      Status s = decompress(encoding, msg.body(), server_->options.max_body_bytes, &req->body);
      if (!s.is_ok()) {
        HttpResponse res;
        res.status = s.is(Status::Code::kResourceExhausted) ? 413
                     : s.is(Status::Code::kNotFound)        ? 415
                                                            : 400;
        res.body = s.message();
        lease_.reset();
        return write(std::move(res), "other", req->method, start_);
      }
      // The inflated body is held until the handler returns; the compressed one is freed now.
      const uint64_t compressed = msg.body().size();
      if (!charge(req->body.size())) {
        budget_refusals().Increment();
        lease_.reset();
        return write(busy(budget_text()), match_.route_name, req->method, start_);
      }
      std::string().swap(msg.body());
      if (lease_ && lease_->bytes >= compressed && compressed > 0) {
        budget()->release(compressed);
        lease_->bytes -= compressed;
      }
    } else {
      req->body = std::move(msg.body());
    }

    if (!match_.handler) {
      HttpResponse res;
      res.status = match_.status;
      if (match_.status == 404) {
        res.body = "404 page not found\n";
      } else {
        res.body = std::to_string(match_.status) + " method not allowed, supported: [" +
                   match_.allow + "]";
        res.headers.emplace_back("Allow", match_.allow);
      }
      lease_.reset();
      return write(std::move(res), "other", req->method, start_);
    }
    const Handler* handler = match_.handler;
    const std::string route = match_.route_name;
    const auto start = start_;
    if (match_.work == Work::kInline) {
      HttpResponse res = run_handler(*handler, *req, route);
      lease_.reset();
      return write(std::move(res), route, req->method, start);
    }
    // Run the handler on its executor; come back to this connection's strand to reply. The
    // lease travels with the request and is returned once the handler is done with the body.
    BoundedExecutor& ex = server_->executor(match_.work);
    bool queued = ex.try_post([self = shared_from_this(), req, handler, route, start,
                               lease = std::move(lease_)]() mutable {
      HttpResponse res = run_handler(*handler, *req, route);
      req->body = std::string();
      lease.reset();
      asio::post(self->stream_.get_executor(),
                 [self, res = std::move(res), route, method = req->method, start]() mutable {
                   self->write(std::move(res), route, method, start);
                 });
    });
    lease_.reset();
    if (!queued) {
      write(busy("server busy: too many " + ex.name() + " requests queued; retry later"), route,
            req->method, start);
    }
  }

  static HttpResponse run_handler(const Handler& handler, const HttpRequest& req,
                                  const std::string& route) {
    try {
      return handler(req);
    } catch (const std::exception& e) {
      log::error("http handler threw", {{"route", route}, {"err", e.what()}});
      HttpResponse res;
      res.status = 500;
      res.body = std::string("internal error: ") + e.what();
      return res;
    }
  }

  void write(HttpResponse res, const std::string& route, const std::string& method,
             std::chrono::steady_clock::time_point start) {
    auto msg = std::make_shared<http::response<http::string_body>>();
    msg->version(11);
    msg->result(static_cast<unsigned>(res.status));
    if (res.status != 204) msg->set(http::field::content_type, res.content_type);
    for (const auto& [k, v] : res.headers) msg->set(k, v);
    msg->body() = std::move(res.body);
    msg->keep_alive(keep_alive_);
    msg->prepare_payload();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    request_duration()
        .Add({{"method", method.empty() ? "UNKNOWN" : method},
              {"route", route},
              {"status_code", std::to_string(res.status)},
              {"ws", "false"}},
             metrics::request_duration_buckets())
        .Observe(secs);
    tcp_layer().expires_after(server_->options.write_timeout);
    http::async_write(stream_, *msg, [self = shared_from_this(), msg](beast::error_code ec, size_t) {
      if (!ec && self->drain_) return self->drain();
      if (ec || !self->keep_alive_ || self->server_->stopped) return self->shutdown();
      self->read();
    });
  }

  void shutdown() {
    if constexpr (kTls) {
      // close_notify first, so the client sees a clean end of the TLS stream; bounded like a
      // write, then the socket goes whatever the peer did.
      if (tls_closing_) return;
      tls_closing_ = true;
      tcp_layer().expires_after(server_->options.write_timeout);
      stream_.async_shutdown([self = shared_from_this()](beast::error_code) {
        beast::error_code ec;
        self->tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ec);
        self->tcp_layer().close();
      });
    } else {
      beast::error_code ec;
      tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  // After a refusal sent before the body was read: closing now, with the body still arriving,
  // would reset the connection and could destroy the reply before the client reads it. So
  // read and discard (into a fixed buffer) until the client closes, for two seconds at most.
  // Over TLS the discarded bytes are still decrypted (a TLS stream cannot be half-closed and
  // then read), and the connection simply closes at the end.
  void drain() {
    if constexpr (!kTls) shutdown();
    drain_buf_ = std::make_unique<std::array<char, 16 * 1024>>();
    tcp_layer().expires_after(std::chrono::seconds(2));
    drain_some();
  }

  void drain_some() {
    stream_.async_read_some(asio::buffer(*drain_buf_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->tcp_layer().close();
                              self->drain_some();
                            });
  }

  // Bytes of a request charged to the budget, given back when the last holder lets go.
  struct Lease {
    explicit Lease(std::shared_ptr<BodyBudget> b) : budget(std::move(b)) {}
    ~Lease() {
      if (bytes) budget->release(bytes);
    }
    std::shared_ptr<BodyBudget> budget;
    uint64_t bytes = 0;
  };

  Stream stream_;
  std::shared_ptr<HttpServer::Impl> server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<HttpRequest> req_;
  Router::Match match_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::shared_ptr<Lease> lease_;
  std::unique_ptr<std::array<char, 16 * 1024>> drain_buf_;
  bool drain_ = false;
  bool keep_alive_ = true;
  bool first_ = true;
  bool tls_closing_ = false;
  // The relay of an HTTP/2-over-TLS connection handed to http2_handoff.
  std::optional<asio::local::stream_protocol::socket> local_;
  std::unique_ptr<std::array<char, 16 * 1024>> up_, down_;
  std::optional<asio::steady_timer> sniff_timer_, retry_timer_;
};

void HttpServer::Impl::accept() {
  acceptor.async_accept(asio::make_strand(io), [self = shared_from_this()](
                                                   beast::error_code ec, tcp::socket socket) {
    if (self->stopped) return;
    if (!ec) {
      self->connections.fetch_add(1);
      auto add = [&](auto session) {
        // A null pointer with a deleter: runs when the session, and with it the connection,
        // is gone.
        session->slot = std::shared_ptr<void>(
            nullptr, [w = std::weak_ptr<Impl>(self)](void*) {
              if (auto s = w.lock()) s->release_connection();
            });
        {
          std::lock_guard<std::mutex> lock(self->sessions_mu);
          std::erase_if(self->sessions, [](const auto& w) { return w.expired(); });
          self->sessions.push_back(session);
        }
        session->start();
      };
      if (self->options.tls) {
        add(std::make_shared<Session<TlsStream>>(std::move(socket), self));
      } else {
        add(std::make_shared<Session<beast::tcp_stream>>(std::move(socket), self));
      }
    }
    if (ec && ec != asio::error::operation_aborted) {
      // Out of file descriptors (EMFILE) or memory: accepting again at once would spin a core
      // on the same error. Retry shortly; waiting clients stay in the kernel's queue.
      auto timer = std::make_shared<asio::steady_timer>(self->acceptor.get_executor(),
                                                        std::chrono::milliseconds(100));
      timer->async_wait([self, timer](beast::error_code) {
        if (!self->stopped) self->accept();
      });
      return;
    }
    // At the cap, stop accepting: further clients wait in the kernel's accept queue (as Go's
    // LimitListener makes them) until a connection closes.
    const size_t cap = self->options.max_connections;
    if (cap != 0 && self->connections.load() >= cap) {
      self->accept_paused = true;
      return;
    }
    self->accept();
  });
}

void HttpServer::Impl::release_connection() {
  connections.fetch_sub(1);
  if (options.max_connections == 0) return;
  asio::post(acceptor.get_executor(), [self = shared_from_this()] {
    if (self->accept_paused && !self->stopped &&
        self->connections.load() < self->options.max_connections) {
      self->accept_paused = false;
      self->accept();
    }
  });
}

HttpServer::HttpServer(asio::io_context& io, HttpExecutors executors, HttpServerOptions options,
                       Router router)
    : impl_(std::make_shared<Impl>(io, executors, std::move(options), std::move(router))) {}

HttpServer::~HttpServer() { stop(); }

namespace {

// ALPN with a handoff: HTTP/1.1 when the client offers it (curl and browsers offer both and are
// served here), "h2" only for clients that offer nothing else (gRPC), whose connections are
// relayed to http2_handoff. No common protocol: the handshake goes on without ALPN.
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned int inlen, void*) {
  static constexpr unsigned char kPreferred[] = "\x08http/1.1\x02h2";
  unsigned char* selected = nullptr;
  unsigned char selected_len = 0;
  if (SSL_select_next_proto(&selected, &selected_len, kPreferred, sizeof kPreferred - 1, in,
                            inlen) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  *outlen = selected_len;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

Status HttpServer::start() {
  if (impl_->options.tls && impl_->options.http2_handoff) {
    SSL_CTX_set_alpn_select_cb(impl_->options.tls->native_handle(), select_alpn, nullptr);
  }
  beast::error_code ec;
  auto addr = asio::ip::make_address(impl_->options.address, ec);
  if (ec) return Status::invalid_argument("invalid listen address " + impl_->options.address);
  tcp::endpoint ep(addr, impl_->options.port);
  std::string where = impl_->options.address + ":" + std::to_string(impl_->options.port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::io_error("http server cannot listen on " + where + ": " + ec.message());
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  return Status::ok();
}

void HttpServer::stop() {
  if (!impl_ || impl_->stopped.exchange(true)) return;
  asio::post(impl_->acceptor.get_executor(), [impl = impl_] {
    beast::error_code ec;
    impl->acceptor.close(ec);
  });
  std::lock_guard<std::mutex> lock(impl_->sessions_mu);
  for (auto& w : impl_->sessions) {
    if (auto s = w.lock()) s->close();
  }
  impl_->sessions.clear();
}

}  // namespace tempo::server
