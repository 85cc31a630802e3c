#pragma once
// The HTTP/1.1 server (Boost.Beast) behind Tempo's API port and the OTLP/HTTP receiver.
// Network I/O runs on the app's io_context; handlers run on bounded executors chosen per route
// (ingest, queries, admin), never on the network threads, so a slow handler (a WAL sync, a
// block read, a flush) does not stall other connections or other kinds of work.
//
// Admission happens before work: a route is matched as soon as the headers are in, a body
// larger than the limit is refused from its Content-Length, and every body held in memory
// is charged to a byte budget shared by all servers (HttpServerOptions::body_budget); over
// it the request is answered 429 (ingest) or 503 with Retry-After without reading the body.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "tempo/server/body_budget.h"
#include "tempo/server/executor.h"
#include "tempo/util/status.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace tempo::server {

// Which executor runs a route's handler.
enum class Work {
  kQuery,   // API reads (the default)
  kIngest,  // receivers; a full queue answers 429 so clients back off
  kAdmin,   // /flush, /shutdown: never queued behind ingest or queries
  kInline,  // cheap and never blocking (/ready, /metrics): runs on the network thread
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // percent-decoded, without the query
  std::string target;  // as received
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;
  std::unordered_map<std::string, std::string> path_params;  // from "{name}" route segments
  std::string body;  // already decompressed per Content-Encoding
  std::string remote_address;

  std::optional<std::string_view> query_param(std::string_view key) const;
  // Case-insensitive; "" when absent.
  std::string header(std::string_view name) const;
  // The Content-Type's media type, lower-cased, without parameters or spaces:
  // "Application/JSON; charset=utf-8" -> "application/json".
  std::string media_type() const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using Handler = std::function<HttpResponse(const HttpRequest&)>;

// Exact paths, "{param}" segments and at most one "{param...}" segment that takes one or more
// segments (a value holding '/'), method-aware: an unknown path answers 404, a known
// path with another method 405 with an Allow header.
class Router {
 public:
  void add(std::string method, std::string pattern, std::string route_name, Handler handler,
           Work work = Work::kQuery);
  // Fills path_params and returns the route, or sets *status to 404/405 (and *allow).
  struct Match {
    const Handler* handler = nullptr;
    Work work = Work::kQuery;
    std::string route_name;
    int status = 200;
    std::string allow;
  };
  Match match(HttpRequest& req) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    std::string name;
    Handler handler;
    Work work;
  };
  std::vector<Route> routes_;
};

// The executors handlers run on; ingest and admin fall back to `query` when null.
struct HttpExecutors {
  BoundedExecutor* query = nullptr;
  BoundedExecutor* ingest = nullptr;
  BoundedExecutor* admin = nullptr;
};

struct HttpServerOptions {
  std::string address = "0.0.0.0";
  uint16_t port = 0;  // 0 picks a free port
  size_t max_body_bytes = 20 << 20;
  // Connections open at once (server.http_listen_conn_limit); at the cap the server stops
  // accepting until one closes, so new clients wait in the kernel's queue. 0 = no limit.
  size_t max_connections = 0;
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds idle_timeout{120};
  // When set, a connection that opens with the HTTP/2 client preface ("PRI * HTTP/2.0...",
  // h2c with prior knowledge, as gRPC clients send) is handed over: the server peeks at the
  // first bytes without consuming them, releases the socket and calls this with its fd, which
  // the callee then owns. Everything else is served as HTTP/1.1. This is how gRPC shares the
  // API port (Tempo's stream_over_http_enabled).
  std::function<void(int fd)> http2_handoff;
  // Shared by the app's servers; null means bodies are bounded only by max_body_bytes.
  std::shared_ptr<BodyBudget> body_budget;
  // When set, every connection is TLS (make_http_tls_context in tls.h): the handshake must
  // finish within read_timeout, and only then is a request read, under the same limits as in
  // plaintext. With http2_handoff too, a client that negotiates ALPN "h2" and not "http/1.1"
  // (a gRPC client) is relayed, decrypted, to http2_handoff through a socket pair; start()
  // installs the ALPN callback on the context, which must not be shared with another server.
  std::shared_ptr<boost::asio::ssl::context> tls;
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpExecutors executors, HttpServerOptions options,
             Router router);
  ~HttpServer();

  // Binds and listens; kIOError naming address:port when the bind fails.
  Status start();
  uint16_t port() const { return port_; }
  // Stops accepting and closes connections; handlers already running finish.
  void stop();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

// Percent-decoding of a URL component; '+' becomes a space when `plus_is_space`.
std::string url_decode(std::string_view s, bool plus_is_space);
// Percent-encoding of a URL component: everything but RFC 3986's unreserved characters.
std::string url_encode(std::string_view s);

}  // namespace tempo::server
