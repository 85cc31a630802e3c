#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "tempo/server/http_client.h"
#include "tempo/server/http_server.h"
#include "tempo/util/compression.h"

using namespace tempo;
namespace asio = boost::asio;

namespace {

// A server on a free loopback port with a few routes, running for the test's lifetime.
struct TestServer {
  asio::io_context io;
  server::BoundedExecutor workers{"test", 2, 64};
  std::unique_ptr<server::HttpServer> srv;
  std::thread io_thread;
  std::atomic<std::thread::id> handler_thread;

  explicit TestServer(size_t max_connections = 0) {
    server::Router r;
    r.add("GET", "/api/traces/{traceID}", "api_traces_traceid", [this](const server::HttpRequest& q) {
      handler_thread = std::this_thread::get_id();
      server::HttpResponse res;
      res.body = "id=" + q.path_params.at("traceID") +
                 " start=" + std::string(q.query_param("start").value_or("-")) +
                 " q=" + std::string(q.query_param("q").value_or("-"));
      return res;
    });
    r.add("POST", "/v1/traces", "v1_traces", [](const server::HttpRequest& q) {
      server::HttpResponse res;
      res.body = "got " + std::to_string(q.body.size()) + ":" + q.body.substr(0, 5);
      return res;
    });
    r.add("GET", "/boom", "boom", [](const server::HttpRequest&) -> server::HttpResponse {
      throw std::runtime_error("kaboom");
    });
    server::HttpServerOptions o;
    o.address = "127.0.0.1";
    o.max_body_bytes = 1 << 20;
    o.max_connections = max_connections;
    srv = std::make_unique<server::HttpServer>(io, server::HttpExecutors{&workers}, o,
                                               std::move(r));
    REQUIRE(srv->start().is_ok());
    io_thread = std::thread([this] {
      auto guard = asio::make_work_guard(io);
      io.run();
    });
  }
  ~TestServer() {
    srv->stop();
    io.stop();
    io_thread.join();
    workers.stop();
  }
};

}  // namespace

TEST_CASE("http server routes, decodes and answers over keep-alive") {
  TestServer ts;
  server::HttpClient c("127.0.0.1", ts.srv->port());
  server::ClientResponse res;
  REQUIRE(c.get("/api/traces/abc123?start=17&q=%7B%20a%3D%22b%22%20%7D", &res).is_ok());
  CHECK(res.status == 200);
  CHECK(res.body == "id=abc123 start=17 q={ a=\"b\" }");
  CHECK(ts.handler_thread.load() != ts.io_thread.get_id());

  REQUIRE(c.get("/nope", &res).is_ok());  // same connection
  CHECK(res.status == 404);
  REQUIRE(c.get("/v1/traces", &res).is_ok());
  CHECK(res.status == 405);
  CHECK(res.header("Allow") == "POST");
  REQUIRE(c.get("/boom", &res).is_ok());
  CHECK(res.status == 500);
  CHECK(res.body.find("kaboom") != std::string::npos);
}

TEST_CASE("http server decompresses bodies and enforces limits") {
  TestServer ts;
  server::HttpClient c("127.0.0.1", ts.srv->port());
  server::ClientResponse res;
  std::string plain(5000, 'x'), gz;
  REQUIRE(gzip_compress(plain, &gz).is_ok());
  REQUIRE(c.post("/v1/traces", gz, "application/x-protobuf", &res, {{"Content-Encoding", "gzip"}})
              .is_ok());
  CHECK(res.status == 200);
  CHECK(res.body == "got 5000:xxxxx");

  REQUIRE(c.post("/v1/traces", "not gzip", "application/x-protobuf", &res,
                 {{"Content-Encoding", "gzip"}})
              .is_ok());
  CHECK(res.status == 400);
  REQUIRE(c.post("/v1/traces", "x", "application/x-protobuf", &res, {{"Content-Encoding", "br"}})
              .is_ok());
  CHECK(res.status == 415);

  std::string bomb_src(4 << 20, 'a'), bomb;
  REQUIRE(gzip_compress(bomb_src, &bomb).is_ok());
  server::HttpClient c2("127.0.0.1", ts.srv->port());
  REQUIRE(c2.post("/v1/traces", bomb, "application/x-protobuf", &res,
                  {{"Content-Encoding", "gzip"}})
              .is_ok());
  CHECK(res.status == 413);

  server::HttpClient c3("127.0.0.1", ts.srv->port());
  REQUIRE(c3.post("/v1/traces", std::string(2 << 20, 'z'), "application/x-protobuf", &res).is_ok());
  CHECK(res.status == 413);
}

TEST_CASE("http server serves concurrent clients") {
  TestServer ts;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      server::HttpClient c("127.0.0.1", ts.srv->port());
      for (int i = 0; i < 20; ++i) {
        server::ClientResponse res;
        if (c.get("/api/traces/" + std::to_string(i), &res).is_ok() && res.status == 200 &&
            res.body.rfind("id=" + std::to_string(i) + " ", 0) == 0) {
          ++ok;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 120);
}

namespace {

// A connected, idle TCP client: holds one of the server's connections until destroyed.
struct IdleConnection {
  int fd = -1;
  explicit IdleConnection(uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~IdleConnection() { close(); }
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

}  // namespace

TEST_CASE("http server: past max_connections new clients wait until a connection closes") {
  TestServer ts(2);
  const uint16_t port = ts.srv->port();
  IdleConnection a(port), b(port);
  // Both are accepted (a request on a third connection would otherwise be served at once);
  // give the server a moment to take them.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto third = std::async(std::launch::async, [port] {
    server::HttpClient c("127.0.0.1", port, std::chrono::seconds(20));
    server::ClientResponse res;
    return c.get("/api/traces/7", &res).is_ok() && res.status == 200 ? res.body : std::string();
  });
  CHECK(third.wait_for(std::chrono::milliseconds(700)) == std::future_status::timeout);
  a.close();  // a slot frees: the waiting client is accepted and served
  REQUIRE(third.wait_for(std::chrono::seconds(15)) == std::future_status::ready);
  CHECK(third.get().rfind("id=7 ", 0) == 0);
}

TEST_CASE("router: a {name...} segment takes one or more segments, '/' included") {
  server::Router r;
  auto named = [](std::string name) {
    return [name](const server::HttpRequest&) {
      server::HttpResponse res;
      res.body = name;
      return res;
    };
  };
  r.add("GET", "/api/v2/search/tag/{tagName...}/values", "values", named("values"));
  r.add("GET", "/api/traces/{traceID}", "trace", named("trace"));
  struct Case {
    std::string path;
    int status;
    std::string tag;
  };
  const Case cases[] = {
      {"/api/v2/search/tag/resource.service.name/values", 200, "resource.service.name"},
      {"/api/v2/search/tag/span.k8s.io/name/values", 200, "span.k8s.io/name"},
      {"/api/v2/search/tag/a/b/c/values", 200, "a/b/c"},
      {"/api/v2/search/tag/values", 404, ""},
      {"/api/v2/search/tag/x/valuez", 404, ""},
      {"/api/traces/abc/def", 404, ""},
  };
  for (const auto& c : cases) {
    INFO(c.path);
    server::HttpRequest req;
    req.method = "GET";
    req.path = c.path;
    auto m = r.match(req);
    CHECK(m.status == c.status);
    if (c.status == 200) {
      REQUIRE(m.handler != nullptr);
      CHECK(m.route_name == "values");
      CHECK(req.path_params.at("tagName") == c.tag);
    }
  }
}
