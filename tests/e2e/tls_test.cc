// TLS on every port kind, against the real binary: https on the API and OTLP/HTTP ports (curl
// with the test CA), OTLP/gRPC over TLS, mutual TLS (RequireAndVerifyClientCert), plaintext
// clients refused by TLS ports, a stalled handshake dropped, body limits still applied, and
// every bad TLS setting stopping the start with an error naming the key. The CA and every
// certificate are made at test time with the openssl command into a temp directory.

#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "harness.h"
#include "tempopb/tempo.grpc.pb.h"
#include "testing/temp_dir.h"

namespace {

using namespace tempo::e2e;
using tempo::testing::TempDir;

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A throwaway PKI: a CA, a server certificate for 127.0.0.1 and localhost, a client
// certificate from the same CA, and a "rogue" client certificate from another CA.
struct Pki {
  TempDir dir;
  std::string ca, ca_key, server_cert, server_key, client_cert, client_key, rogue_cert, rogue_key;

  Pki() {
    ca = dir.sub("ca.crt");
    ca_key = dir.sub("ca.key");
    server_cert = dir.sub("server.crt");
    server_key = dir.sub("server.key");
    client_cert = dir.sub("client.crt");
    client_key = dir.sub("client.key");
    rogue_cert = dir.sub("rogue.crt");
    rogue_key = dir.sub("rogue.key");
    std::ofstream(dir.sub("server.ext"))
        << "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n";
    std::ofstream(dir.sub("client.ext")) << "extendedKeyUsage=clientAuth\n";
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    auto make_ca = [&](const std::string& name) {
      return "openssl req -x509" + ec + " -days 2 -subj /CN=" + name + " -keyout " + name +
             ".key -out " + name +
             ".crt -addext basicConstraints=critical,CA:TRUE"
             " -addext keyUsage=critical,keyCertSign,cRLSign";
    };
    auto make_leaf = [&](const std::string& name, const std::string& ca_name,
                         const std::string& ext) {
      return "openssl req" + ec + " -subj /CN=" + name + " -keyout " + name + ".key -out " + name +
             ".csr && openssl x509 -req -days 2 -in " + name + ".csr -CA " + ca_name +
             ".crt -CAkey " + ca_name + ".key -CAcreateserial -out " + name + ".crt -extfile " +
             ext;
    };
    std::string cmd = "cd " + dir.path() + " && (" + make_ca("ca") + " && " + make_ca("rogueca") +
                      " && " + make_leaf("server", "ca", "server.ext") + " && " +
                      make_leaf("client", "ca", "client.ext") + " && " +
                      make_leaf("rogue", "rogueca", "client.ext") + ") > openssl.log 2>&1";
    int rc = std::system(cmd.c_str());
    INFO(slurp(dir.sub("openssl.log")));
    REQUIRE(rc == 0);
  }
};

struct CurlResult {
  int exit = -1;   // curl's exit code: 0 when a response came back
  int status = 0;  // HTTP status, 0 without a response
  std::string body;
  std::string err;  // curl's error text
};

// Runs curl with `args` (shell words) and the URL last.
CurlResult curl(const TempDir& dir, const std::string& args) {
  static int n = 0;
  const std::string out = dir.sub("curl.body." + std::to_string(++n));
  const std::string err = dir.sub("curl.err." + std::to_string(n));
  std::string cmd = "curl -sS --max-time 30 -o " + out + " -w '%{http_code}' " + args + " 2>" + err;
  CurlResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p);
  char buf[64];
  std::string code;
  size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, p)) > 0) code.append(buf, got);
  int st = ::pclose(p);
  r.exit = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.status = code.empty() ? 0 : std::atoi(code.c_str());
  r.body = slurp(out);
  r.err = slurp(err);
  return r;
}

std::string https(int port, const std::string& path) {
  return "'https://127.0.0.1:" + std::to_string(port) + path + "'";
}

// curl arguments that trust the test CA and present the client certificate (mutual TLS).
std::string client_cert_args(const Pki& pki) {
  return "--cacert " + pki.ca + " --cert " + pki.client_cert + " --key " + pki.client_key + " ";
}

// The harness's readiness check over https, with curl `args` (CA, client certificate).
std::function<bool(int)> ready_probe(const TempDir& work, std::string args) {
  return [&work, args = std::move(args)](int port) {
    auto r = curl(work, args + https(port, "/ready"));
    return r.status == 200 && r.body == "ready";
  };
}

std::string tls_block(const std::string& indent, const std::string& cert, const std::string& key,
                      const std::string& client_ca = "") {
  std::string s = indent + "tls:\n" + indent + "  cert_file: " + cert + "\n" + indent +
                  "  key_file: " + key + "\n";
  if (!client_ca.empty()) s += indent + "  client_ca_file: " + client_ca + "\n";
  return s;
}

std::shared_ptr<grpc::Channel> tls_channel(int port, const Pki& pki, bool client_cert) {
  grpc::SslCredentialsOptions o;
  o.pem_root_certs = slurp(pki.ca);
  if (client_cert) {
    o.pem_private_key = slurp(pki.client_key);
    o.pem_cert_chain = slurp(pki.client_cert);
  }
  return grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::SslCredentials(o));
}

grpc::Status export_over(const std::shared_ptr<grpc::Channel>& ch,
                         const ExportTraceServiceRequest& req) {
  auto stub = opentelemetry::proto::collector::trace::v1::TraceService::NewStub(ch);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  ExportTraceServiceResponse resp;
  return stub->Export(&ctx, req, &resp);
}

}  // namespace

TEST_CASE("TLS on the API and OTLP/HTTP ports serves https and refuses plaintext") {
  Pki pki;
  TempDir work;
  ServerOptions o;
  o.server_extra = "  http_tls_config:\n    cert_file: " + pki.server_cert +
                   "\n    key_file: " + pki.server_key + "\n";
  o.otlp_http_extra = "          max_request_body_size: 100000\n" +
                      tls_block("          ", pki.server_cert, pki.server_key);
  o.ready_probe = ready_probe(work, "--cacert " + pki.ca + " ");
  TempoServer s(o);
  s.start();

  // The certificate is the test CA's: without that CA curl cannot verify it, with it the
  // name localhost matches as well as 127.0.0.1.
  auto untrusted = curl(work, https(s.http_port(), "/ready"));
  CHECK(untrusted.exit != 0);
  CHECK(untrusted.status == 0);
  const std::string port = std::to_string(s.http_port());
  auto by_name = curl(work, "--cacert " + pki.ca + " --resolve localhost:" + port +
                                ":127.0.0.1 https://localhost:" + port + "/ready");
  CHECK(by_name.status == 200);
  CHECK(by_name.body == "ready");

  // OTLP/HTTP over https, read back over https.
  std::string id = random_trace_hex();
  auto req = make_request({id}, 3, "https-otlp");
  std::ofstream(work.sub("req.pb"), std::ios::binary) << req.SerializeAsString();
  auto sent = curl(work, "--cacert " + pki.ca +
                             " -H 'Content-Type: application/x-protobuf' --data-binary @" +
                             work.sub("req.pb") + " " + https(s.otlp_http_port(), "/v1/traces"));
  INFO(sent.err << sent.body);
  REQUIRE(sent.status == 200);
  auto got = curl(work, "--cacert " + pki.ca + " " + https(s.http_port(), "/api/traces/" + id));
  REQUIRE(got.status == 200);
  require_same_spans(req, id, parse_v1_json(got.body));

  // Plaintext HTTP to a TLS port gets no HTTP answer.
  for (int p : {s.http_port(), s.otlp_http_port()}) {
    INFO("port " << p);
    auto plain = curl(work, "'http://127.0.0.1:" + std::to_string(p) + "/ready'");
    CHECK(plain.exit != 0);
    CHECK(plain.status == 0);
    tempo::server::HttpClient c("127.0.0.1", static_cast<uint16_t>(p), std::chrono::seconds(10));
    tempo::server::ClientResponse res;
    CHECK_FALSE(c.get("/ready", &res).is_ok());
  }

  // The receiver's body limit holds over TLS: 413 from the Content-Length, body unread.
  std::ofstream(work.sub("big.pb"), std::ios::binary) << std::string(200000, 'x');
  auto big = curl(work, "--cacert " + pki.ca +
                            " -H 'Content-Type: application/x-protobuf' --data-binary @" +
                            work.sub("big.pb") + " " + https(s.otlp_http_port(), "/v1/traces"));
  CHECK(big.status == 413);
  CHECK(big.body.find("limit is 100000 bytes") != std::string::npos);
}

TEST_CASE("mutual TLS: RequireAndVerifyClientCert admits only clients the CA signed") {
  Pki pki;
  TempDir work;
  ServerOptions o;
  // OTLP gRPC and server.grpc_listen_port share a port (the harness default), so the
  // Collector-style block and the dskit one must come out the same.
  const std::string dskit = "    cert_file: " + pki.server_cert +
                            "\n    key_file: " + pki.server_key +
                            "\n    client_auth_type: RequireAndVerifyClientCert" +
                            "\n    client_ca_file: " + pki.ca + "\n";
  o.server_extra = "  http_tls_config:\n" + dskit + "  grpc_tls_config:\n" + dskit;
  o.otlp_grpc_extra = tls_block("          ", pki.server_cert, pki.server_key, pki.ca);
  o.otlp_http_extra = tls_block("          ", pki.server_cert, pki.server_key, pki.ca);
  const std::string with_cert = client_cert_args(pki);
  o.ready_probe = ready_probe(work, with_cert);
  TempoServer s(o);
  s.start();

  for (int p : {s.http_port(), s.otlp_http_port()}) {
    INFO("port " << p);
    auto none = curl(work, "--cacert " + pki.ca + " " + https(p, "/ready"));
    CHECK(none.exit != 0);
    CHECK(none.status == 0);
    auto rogue = curl(work, "--cacert " + pki.ca + " --cert " + pki.rogue_cert + " --key " +
                                pki.rogue_key + " " + https(p, "/ready"));
    CHECK(rogue.exit != 0);
    CHECK(rogue.status == 0);
  }
  auto ok = curl(work, with_cert + https(s.http_port(), "/ready"));
  CHECK(ok.status == 200);
  CHECK(ok.body == "ready");

  // OTLP/HTTP with the client certificate, read back with it.
  std::string id = random_trace_hex();
  auto req = make_request({id}, 2, "mtls-http");
  std::ofstream(work.sub("req.pb"), std::ios::binary) << req.SerializeAsString();
  auto sent = curl(work, with_cert + "-H 'Content-Type: application/x-protobuf' --data-binary @" +
                             work.sub("req.pb") + " " + https(s.otlp_http_port(), "/v1/traces"));
  REQUIRE(sent.status == 200);
  auto got = curl(work, with_cert + https(s.http_port(), "/api/traces/" + id));
  REQUIRE(got.status == 200);
  require_same_spans(req, id, parse_v1_json(got.body));

  // OTLP/gRPC: plaintext and a TLS client without a certificate fail, one with it succeeds.
  std::string gid = random_trace_hex();
  auto greq = make_request({gid}, 4, "mtls-grpc");
  CHECK_FALSE(s.export_grpc(greq).ok());  // the harness's plaintext channel
  CHECK_FALSE(export_over(tls_channel(s.grpc_port(), pki, false), greq).ok());
  auto st = export_over(tls_channel(s.grpc_port(), pki, true), greq);
  INFO(st.error_message());
  REQUIRE(st.ok());
  auto gread = curl(work, with_cert + https(s.http_port(), "/api/traces/" + gid));
  REQUIRE(gread.status == 200);
  require_same_spans(greq, gid, parse_v1_json(gread.body));
}

TEST_CASE("OTLP/gRPC over TLS without client certificates, on its own port") {
  Pki pki;
  ServerOptions o;
  o.shared_grpc_port = false;
  o.otlp_grpc_extra = tls_block("          ", pki.server_cert, pki.server_key);
  TempoServer s(o);
  s.start();
  std::string id = random_trace_hex();
  auto req = make_request({id}, 3, "tls-grpc");
  CHECK_FALSE(s.export_grpc(req).ok());
  auto st = export_over(tls_channel(s.grpc_port(), pki, false), req);
  INFO(st.error_message());
  REQUIRE(st.ok());
  auto got = s.get("/api/traces/" + id);  // the API port stays plaintext
  REQUIRE(got.status == 200);
  require_same_spans(req, id, parse_v1_json(got.body));
}

TEST_CASE("stream_over_http with TLS: gRPC clients negotiating h2 reach the streaming API") {
  Pki pki;
  TempDir work;
  ServerOptions o;
  o.stream_over_http = true;
  o.shared_grpc_port = false;
  o.server_extra = "  http_tls_config:\n    cert_file: " + pki.server_cert +
                   "\n    key_file: " + pki.server_key +
                   "\n    client_auth_type: RequireAndVerifyClientCert\n" +
                   "    client_ca_file: " + pki.ca + "\n";
  const std::string with_cert = client_cert_args(pki);
  o.ready_probe = ready_probe(work, with_cert);
  TempoServer s(o);
  s.start();
  std::string id = random_trace_hex();
  auto req = make_request({id}, 2, "tls-stream");
  REQUIRE(s.export_grpc(req).ok());

  // Tag values over the streaming API on the API port: the gRPC client offers only ALPN h2.
  auto values = [&](bool client_cert, std::vector<std::string>* got) {
    auto stub = tempopb::StreamingQuerier::NewStub(tls_channel(s.http_port(), pki, client_cert));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    tempopb::SearchTagValuesRequest r;
    r.set_tagname("resource.service.name");
    auto reader = stub->SearchTagValuesV2(&ctx, r);
    tempopb::SearchTagValuesV2Response resp;
    while (reader->Read(&resp)) {
      for (const auto& v : resp.tagvalues()) got->push_back(v.value());
    }
    return reader->Finish();
  };
  std::vector<std::string> got;
  auto st = values(true, &got);
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK(std::find(got.begin(), got.end(), "tls-stream") != got.end());

  // The streaming service's own validation answers, so the call got through to it.
  auto stub = tempopb::StreamingQuerier::NewStub(tls_channel(s.http_port(), pki, true));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  tempopb::SearchRequest bad;
  bad.set_query("{}");
  bad.set_spansperspanset(1000);
  auto reader = stub->Search(&ctx, bad);
  tempopb::SearchResponse ignored;
  while (reader->Read(&ignored)) {
  }
  auto bst = reader->Finish();
  CHECK(bst.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(bst.error_message() == "spans per span set exceeds 100. received 1000");

  // mTLS holds for the relayed gRPC too, and plaintext h2c is not taken on a TLS port.
  std::vector<std::string> none;
  CHECK_FALSE(values(false, &none).ok());
  CHECK(none.empty());
  auto plain = tempopb::StreamingQuerier::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(s.http_port()), grpc::InsecureChannelCredentials()));
  grpc::ClientContext pctx;
  pctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  auto preader = plain->Search(&pctx, bad);
  while (preader->Read(&ignored)) {
  }
  CHECK_FALSE(preader->Finish().ok());

  // HTTP/1.1 clients (curl offers h2 and http/1.1) are still served on the same port.
  auto ready = curl(work, with_cert + https(s.http_port(), "/ready"));
  CHECK(ready.status == 200);
  CHECK(ready.body == "ready");
  auto trace = curl(work, with_cert + https(s.http_port(), "/api/traces/" + id));
  REQUIRE(trace.status == 200);
  require_same_spans(req, id, parse_v1_json(trace.body));
}

TEST_CASE("a TLS handshake that never completes is dropped after the read timeout") {
  Pki pki;
  TempDir work;
  ServerOptions o;
  o.server_extra =
      "  http_server_read_timeout: 1s\n  http_tls_config:\n    cert_file: " + pki.server_cert +
      "\n    key_file: " + pki.server_key + "\n";
  o.ready_probe = [&](int port) {
    return curl(work, "--cacert " + pki.ca + " " + https(port, "/ready")).status == 200;
  };
  TempoServer s(o);
  s.start();
  for (bool partial : {false, true}) {
    INFO("partial ClientHello " << partial);
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(s.http_port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    if (partial) {
      // A handshake record header announcing 512 bytes, then nothing.
      const unsigned char hdr[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01};
      REQUIRE(::send(fd, hdr, sizeof hdr, 0) == static_cast<ssize_t>(sizeof hdr));
    }
    // Guard only: the server must close long before this.
    timeval tv{60, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[256];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    int err = errno;
    ::close(fd);
    INFO("recv " << n << " errno " << err);
    CHECK((n == 0 || (n < 0 && err == ECONNRESET)));
  }
  CHECK(curl(work, "--cacert " + pki.ca + " " + https(s.http_port(), "/ready")).status == 200);
}

TEST_CASE("bad TLS settings stop the start with an error naming the key") {
  Pki pki;
  TempDir dir;
  struct Case {
    std::string server;             // lines under server:
    std::string grpc;               // lines under the OTLP grpc protocol
    std::string http;               // lines under the OTLP http protocol
    std::string top;                // top-level lines
    std::vector<std::string> want;  // in the error
    bool at_load = true;            // refused while loading the config, before anything starts
  };
  const std::string cert = "    cert_file: " + pki.server_cert + "\n";
  const std::string key = "    key_file: " + pki.server_key + "\n";
  const std::vector<Case> cases = {
      {"  http_tls_config:\n" + cert + key + "    client_auth_type: Bogus\n",
       "",
       "",
       "",
       {"server.http_tls_config.client_auth_type", "is not one of NoClientCert"}},
      {"  http_tls_config:\n    cert_file: " + dir.sub("missing.crt") + "\n" + key,
       "",
       "",
       "",
       {"server.http_tls_config.cert_file", "cannot read", "missing.crt"}},
      {"  http_tls_config:\n" + cert + "    key_file: " + pki.client_key + "\n",
       "",
       "",
       "",
       {"server.http_tls_config.key_file", "does not match the certificate"}},
      {"  http_tls_config:\n    cert_file: " + dir.sub("garbage.crt") + "\n" + key,
       "",
       "",
       "",
       {"server.http_tls_config.cert_file", "holds no PEM certificate"}},
      {"  grpc_tls_config:\n" + cert + key + "    client_auth_type: RequireAndVerifyClientCert\n",
       "",
       "",
       "",
       {"server.grpc_tls_config", "no client_ca_file is set"}},
      {"  http_tls_config:\n" + cert + key + "    client_auth_type: VerifyClientCertIfGiven\n" +
           "    client_ca_file: " + dir.sub("nope.pem") + "\n",
       "",
       "",
       "",
       {"server.http_tls_config.client_ca_file", "cannot read"}},
      {"  http_tls_config:\n" + cert + key + "    client_ca_file: " + pki.ca + "\n",
       "",
       "",
       "",
       {"server.http_tls_config", "client_auth_type does not verify client certificates"}},
      {"  http_tls_config:\n" + key, "", "", "", {"server.http_tls_config.cert_file must be set"}},
      {"  tls_cipher_suites: TLS_AES_128_GCM_SHA256\n",
       "",
       "",
       "",
       {"server.tls_cipher_suites", "not supported by this build"}},
      {"  tls_min_version: VersionTLS13\n  grpc_tls_config:\n" + cert + key,
       "",
       "",
       "",
       {"server.tls_min_version", "cannot be enforced on the gRPC port"}},
      {"  tls_min_version: TLS1.2\n  http_tls_config:\n" + cert + key,
       "",
       "",
       "",
       {"server.tls_min_version", "is not one of VersionTLS10"}},
      {"",
       "",
       tls_block("          ", pki.server_cert, pki.server_key) +
           "            cipher_suites: [TLS_AES_128_GCM_SHA256]\n",
       "",
       {"distributor.receivers.otlp.protocols.http.tls.cipher_suites",
        "is not supported by this build"}},
      {"",
       "          tls:\n            key_file: " + pki.server_key + "\n",
       "",
       "",
       {"distributor.receivers.otlp.protocols.grpc.tls", "needs a certificate"}},
      {"",
       "",
       tls_block("          ", pki.server_cert, pki.server_key) +
           "            min_version: \"1.4\"\n",
       "",
       {"distributor.receivers.otlp.protocols.http.tls.min_version", "is not one of"}},
      {"",
       "",
       tls_block("          ", pki.server_cert, pki.server_key) + "            bogus: 1\n",
       "",
       {"unknown key", "distributor.receivers.otlp.protocols.http.tls.bogus"}},
      {"",
       "",
       "",
       "    jaeger:\n      protocols:\n        thrift_compact:\n          endpoint: 127.0.0.1:0\n"
       "          tls:\n            cert_file: x\n",
       {"distributor.receivers.jaeger.protocols.thrift_compact.tls", "UDP"}},
      // OTLP gRPC shares server.grpc_listen_port (both 0 here) but only one has TLS.
      {"",
       tls_block("          ", pki.server_cert, pki.server_key),
       "",
       "",
       {"is shared by", "with different TLS settings"},
       false},
  };
  std::ofstream(dir.sub("garbage.crt")) << "not a certificate\n";
  int i = 0;
  for (const auto& c : cases) {
    ++i;
    const std::string path = dir.sub("bad" + std::to_string(i) + ".yaml");
    // A jaeger receiver block goes under receivers; other top-level lines at the top.
    const bool receiver_top = c.top.rfind("    ", 0) == 0;
    std::ofstream(path) << (receiver_top ? "" : c.top) << "server:\n  http_listen_port: 0\n"
                        << "  grpc_listen_port: 0\n"
                        << c.server << "distributor:\n  receivers:\n"
                        << (receiver_top ? c.top : "")
                        << "    otlp:\n      protocols:\n        grpc:\n"
                        << "          endpoint: 127.0.0.1:0\n"
                        << c.grpc << "        http:\n          endpoint: 127.0.0.1:0\n"
                        << c.http << "storage:\n  trace:\n    backend: local\n    local:\n"
                        << "      path: " << dir.sub("blocks")
                        << "\n    wal:\n      path: " << dir.sub("wal") << "\n";
    INFO("case " << i << ":\n" << slurp(path));
    // `timeout` so a config wrongly accepted fails this test instead of running forever.
    std::string cmd = "timeout 60 " + std::string(TEMPO_BINARY) + " -config.file=" + path + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p);
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    int st = ::pclose(p);
    INFO(out);
    REQUIRE(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 1);
    CHECK(out.find("level=error") != std::string::npos);
    for (const auto& w : c.want) CHECK(out.find(w) != std::string::npos);
    if (c.at_load) {
      CHECK(out.find("failed to load config") != std::string::npos);
      CHECK(out.find("listening") == std::string::npos);
    }
  }
}
