// HttpClient over TLS (remote write's https endpoints): the certificate is checked against
// the CA given and the name asked for, unless verification is turned off.
// Certificates are made with the openssl command at test time; nothing is committed.

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "tempo/server/http_client.h"
#include "tempo/server/http_server.h"
#include "tempo/server/tls.h"
#include "testing/temp_dir.h"

using namespace tempo;
namespace asio = boost::asio;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// An HTTPS server on a free loopback port whose self-signed certificate names localhost and
// 127.0.0.1.
struct TlsServer {
  testing::TempDir dir;
  std::string cert = dir.sub("c.crt");
  asio::io_context io;
  server::BoundedExecutor workers{"tls-test", 1, 16};
  std::unique_ptr<server::HttpServer> srv;
  std::thread io_thread;

  TlsServer() {
    const std::string cmd =
        "cd " + dir.path() +
        " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
        " -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1"
        " -keyout c.key -out c.crt > log 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
    config::TlsConfig t;
    t.enabled = true;
    t.key_path = "test";
    t.cert_pem = slurp(cert);
    t.key_pem = slurp(dir.sub("c.key"));
    server::Router r;
    r.add("POST", "/api/v1/write", "write", [](const server::HttpRequest& q) {
      server::HttpResponse res;
      res.body = "took " + q.body;
      return res;
    });
    server::HttpServerOptions o;
    o.address = "127.0.0.1";
    o.max_body_bytes = 1 << 20;
    REQUIRE(server::make_http_tls_context(t, &o.tls).is_ok());
    srv =
        std::make_unique<server::HttpServer>(io, server::HttpExecutors{&workers}, o, std::move(r));
    REQUIRE(srv->start().is_ok());
    io_thread = std::thread([this] {
      auto guard = asio::make_work_guard(io);
      io.run();
    });
  }
  ~TlsServer() {
    srv->stop();
    io.stop();
    io_thread.join();
    workers.stop();
  }
  uint16_t port() const { return srv->port(); }
};

Status post(const TlsServer& s, server::ClientTls tls, server::ClientResponse* res) {
  tls.enabled = true;
  server::HttpClient c("127.0.0.1", s.port(), std::chrono::seconds(10), tls);
  return c.post("/api/v1/write", "batch", "application/x-protobuf", res);
}

}  // namespace

TEST_CASE("https client verifies the server against the CA file and the name") {
  TlsServer s;
  server::ClientResponse res;

  SECTION("the CA that signed it, by IP address and by name") {
    server::ClientTls tls;
    tls.ca_file = s.cert;
    REQUIRE(post(s, tls, &res).is_ok());
    CHECK(res.status == 200);
    CHECK(res.body == "took batch");
    tls.server_name = "localhost";
    res = {};
    REQUIRE(post(s, tls, &res).is_ok());
    CHECK(res.body == "took batch");
  }
  SECTION("a name the certificate does not carry fails the handshake") {
    server::ClientTls tls;
    tls.ca_file = s.cert;
    tls.server_name = "prometheus.example";
    Status st = post(s, tls, &res);
    CHECK(st.is(Status::Code::kUnavailable));
    CHECK(st.message().find("tls handshake") != std::string::npos);
  }
  SECTION("an unknown issuer fails the handshake") {
    Status st = post(s, {}, &res);  // the system's CAs never signed it
    CHECK(st.is(Status::Code::kUnavailable));
    CHECK(st.message().find("tls handshake") != std::string::npos);
  }
  SECTION("insecure_skip_verify takes any certificate") {
    server::ClientTls tls;
    tls.insecure_skip_verify = true;
    tls.server_name = "prometheus.example";
    REQUIRE(post(s, tls, &res).is_ok());
    CHECK(res.body == "took batch");
  }
  SECTION("a CA file that cannot be read is a settings error, not a network one") {
    server::ClientTls tls;
    tls.ca_file = s.dir.sub("missing.pem");
    CHECK(post(s, tls, &res).is(Status::Code::kInvalidArgument));
  }
}
