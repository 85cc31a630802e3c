// The TLS blocks of tempo.yaml: dskit's server.*_tls_config and the Collector's receiver `tls`.
// Certificates are made with the openssl command at test time; nothing is committed.

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "test_helpers.h"
#include "testing/temp_dir.h"

namespace {

using namespace tempo::config;
using namespace tempo::config::testing;
using tempo::Status;

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A self-signed certificate (it is its own CA) and a second, unrelated key.
struct Certs {
  tempo::testing::TempDir dir;
  std::string cert = dir.sub("c.crt"), key = dir.sub("c.key"), other_key = dir.sub("o.key");
  Certs() {
    const std::string cmd =
        "cd " + dir.path() +
        " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
        " -subj /CN=localhost -keyout c.key -out c.crt > log 2>&1"
        " && openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:prime256v1 -out o.key"
        " >> log 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
  }
};

const char* kStorage = "storage:\n  trace:\n    backend: local\n    local:\n      path: /tmp/b\n";

}  // namespace

TEST_CASE("server TLS blocks load the certificate, key, client policy and minimum version") {
  Certs certs;
  auto c = must_load(std::string(kStorage) + "server:\n  tls_min_version: VersionTLS13\n" +
                     "  http_tls_config:\n    cert_file: " + certs.cert + "\n    key_file: " +
                     certs.key + "\n    client_auth_type: VerifyClientCertIfGiven\n" +
                     "    client_ca_file: " + certs.cert + "\n");
  const auto& t = c.server.http_tls;
  CHECK(t.enabled);
  CHECK(t.key_path == "server.http_tls_config");
  CHECK(t.cert_pem == slurp(certs.cert));
  CHECK(t.key_pem == slurp(certs.key));
  CHECK(t.client_ca_pem == slurp(certs.cert));
  CHECK(t.client_auth == ClientAuth::kVerifyClientCertIfGiven);
  CHECK(t.min_version == TlsVersion::k1_3);
  CHECK_FALSE(c.server.grpc_tls.enabled);
  CHECK_FALSE(warned(c, "server.http_tls_config"));
  CHECK_FALSE(warned(c, "server.tls_min_version"));
}

TEST_CASE("a receiver tls block follows the Collector: client_ca_file requires client certs") {
  Certs certs;
  const std::string pem = slurp(certs.cert);
  std::string inline_pem;
  for (char ch : pem) {
    if (ch == '\n')
      inline_pem += "\n              ";
    else
      inline_pem += ch;
  }
  auto c = must_load(std::string(kStorage) +
                     "distributor:\n  receivers:\n    otlp:\n      protocols:\n        grpc:\n"
                     "          tls:\n            cert_file: " +
                     certs.cert + "\n            key_file: " + certs.key +
                     "\n            client_ca_file: " + certs.cert +
                     "\n        http:\n          tls:\n            cert_pem: |\n              " +
                     inline_pem + "\n            key_file: " + certs.key +
                     "\n            min_version: \"1.3\"\n"
                     "    zipkin:\n      tls:\n        cert_file: " +
                     certs.cert + "\n        key_file: " + certs.key + "\n");
  const auto& r = c.distributor.receivers;
  CHECK(r.otlp.grpc.tls.enabled);
  CHECK(r.otlp.grpc.tls.client_auth == ClientAuth::kRequireAndVerifyClientCert);
  CHECK(r.otlp.grpc.tls.client_ca_pem == pem);
  CHECK(r.otlp.http.tls.enabled);
  CHECK(r.otlp.http.tls.cert_pem.find(pem.substr(0, 40)) == 0);
  CHECK(r.otlp.http.tls.min_version == TlsVersion::k1_3);
  CHECK(r.otlp.http.tls.client_auth == ClientAuth::kNoClientCert);
  CHECK(r.zipkin.tls.enabled);
  CHECK(r.zipkin.tls.key_path == "distributor.receivers.zipkin.tls");
  CHECK_FALSE(r.jaeger_grpc.tls.enabled);
}

TEST_CASE("TLS settings that cannot be applied are config errors naming the key") {
  Certs certs;
  const std::string pair = "    cert_file: " + certs.cert + "\n    key_file: " + certs.key + "\n";
  const std::string rpair =
      "            cert_file: " + certs.cert + "\n            key_file: " + certs.key + "\n";
  auto otlp_http = [](const std::string& tls) {
    return "distributor:\n  receivers:\n    otlp:\n      protocols:\n        http:\n"
           "          tls:\n" +
           tls;
  };
  struct Case {
    std::string yaml;
    std::string want;
  };
  const Case cases[] = {
      {"server:\n  http_tls_config:\n" + pair + "    client_auth_type: requireandverify\n",
       "server.http_tls_config.client_auth_type \"requireandverify\" is not one of"},
      {"server:\n  http_tls_config:\n    cert_file: " + certs.cert +
           "\n    key_file: " + certs.other_key + "\n",
       "server.http_tls_config.key_file \"" + certs.other_key +
           "\" does not match the certificate"},
      {"server:\n  grpc_tls_config:\n" + pair +
           "    client_auth_type: RequireAndVerifyClientCert\n",
       "server.grpc_tls_config: client certificates are to be verified but no client_ca_file"},
      {"server:\n  grpc_tls_config:\n" + pair + "    client_ca_file: " + certs.key + "\n",
       "server.grpc_tls_config: client_ca_file is set but client_auth_type does not verify"},
      {"server:\n  http_tls_config:\n" + pair + "    client_auth_type: VerifyClientCertIfGiven\n" +
           "    client_ca_file: " + certs.key + "\n",
       "server.http_tls_config.client_ca_file holds no PEM certificate"},
      {"server:\n  http_tls_config:\n" + pair + "    ca_file: x\n",
       "unknown key \"server.http_tls_config.ca_file\""},
      {"server:\n  http_tls_config:\n    cert_file: " + certs.cert + "\n",
       "server.http_tls_config.key_file must be set along with cert_file"},
      {"server:\n  tls_cipher_suites: TLS_AES_128_GCM_SHA256\n",
       "\"server.tls_cipher_suites\" is not supported by this build"},
      {"server:\n  tls_min_version: VersionTLS14\n",
       "server.tls_min_version \"VersionTLS14\" is not one of"},
      {"server:\n  tls_min_version: VersionTLS13\n  grpc_tls_config:\n" + pair,
       "server.tls_min_version VersionTLS13 cannot be enforced on the gRPC port"},
      {otlp_http(rpair + "            ca_file: " + certs.cert + "\n"),
       "\"distributor.receivers.otlp.protocols.http.tls.ca_file\" is not supported by this build"},
      {otlp_http(rpair + "            reload_interval: 1h\n"),
       "\"distributor.receivers.otlp.protocols.http.tls.reload_interval\" is not supported"},
      {otlp_http(rpair + "            cert_pem: x\n"),
       "distributor.receivers.otlp.protocols.http.tls: set cert_file or cert_pem, not both"},
      {otlp_http("            cert_file: " + certs.cert + "\n"),
       "distributor.receivers.otlp.protocols.http.tls: a TLS server needs a private key"},
      {otlp_http(rpair + "            min_version: \"1.3\"\n            max_version: \"1.2\"\n"),
       "the minimum TLS version is above the maximum"},
      {"distributor:\n  receivers:\n    otlp:\n      protocols:\n        grpc:\n          tls:\n" +
           rpair + "            max_version: \"1.2\"\n",
       "distributor.receivers.otlp.protocols.grpc.tls: a maximum TLS version below 1.3"},
      {"distributor:\n  receivers:\n    jaeger:\n      protocols:\n        thrift_binary:\n"
       "          tls:\n" +
           rpair,
       "\"distributor.receivers.jaeger.protocols.thrift_binary.tls\" cannot be applied"},
      {"distributor:\n  receivers:\n    zipkin:\n      tls:\n        cert_file: /nonexistent.crt\n"
       "        key_file: /nonexistent.key\n",
       "distributor.receivers.zipkin.tls.cert_file: cannot read \"/nonexistent.crt\""},
  };
  for (const auto& c : cases) {
    INFO(c.yaml);
    Status s = load_error(std::string(kStorage) + c.yaml);
    INFO(s.message());
    REQUIRE_FALSE(s.is_ok());
    CHECK(s.message().find(c.want) != std::string::npos);
  }
}

TEST_CASE("server.tls_min_version without a server TLS block loads with a warning") {
  auto c = must_load(std::string(kStorage) + "server:\n  tls_min_version: VersionTLS12\n");
  CHECK(warning_for(c, "server.tls_min_version") ==
        "config key \"server.tls_min_version\" has no effect: neither server.http_tls_config nor "
        "server.grpc_tls_config sets a certificate");
  CHECK_FALSE(c.server.http_tls.enabled);
}
