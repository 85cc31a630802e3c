// metrics_generator.storage: the remote write keys, their defaults, and every bad value
// stopping the load with the key named.

#include <catch2/catch.hpp>
#include <fstream>

#include "tempo/config/config.h"
#include "test_helpers.h"
#include "testing/temp_dir.h"

using namespace tempo;
using namespace tempo::config::testing;
using namespace std::chrono_literals;

namespace {

const std::string kLocal = "storage:\n  trace:\n    backend: local\n    local:\n      path: /x\n";

std::string generator(const std::string& storage_body) {
  return kLocal + "metrics_generator:\n  storage:\n" + storage_body;
}

}  // namespace

TEST_CASE("remote write defaults are Tempo's and Prometheus's") {
  auto c = must_load(kLocal);
  const auto& s = c.metrics_generator.storage;
  CHECK(s.path.empty());
  CHECK(s.remote_write.empty());
  CHECK(s.remote_write_add_org_id_header);
  CHECK(s.remote_write_flush_deadline == 1min);
  CHECK(s.remote_write_queue_max_bytes == 256 << 20);

  c =
      must_load(generator("    path: /var/tempo/generator\n"
                          "    remote_write:\n"
                          "      - url: http://prometheus:9090/api/v1/write\n"));
  REQUIRE(c.metrics_generator.storage.remote_write.size() == 1);
  const auto& rw = c.metrics_generator.storage.remote_write[0];
  CHECK_FALSE(rw.https);
  CHECK(rw.host == "prometheus");
  CHECK(rw.port == 9090);
  CHECK(rw.target == "/api/v1/write");
  CHECK(rw.name.size() == 6);  // a hash of the URL, as Prometheus's remote_name
  CHECK_FALSE(rw.send_exemplars);
  CHECK(rw.remote_timeout == 30s);
  CHECK_FALSE(rw.basic_auth);
  CHECK(rw.headers.empty());
  CHECK(c.warnings.empty());
}

TEST_CASE("remote write reads every key it acts on") {
  tempo::testing::TempDir tmp;
  std::ofstream(tmp.sub("pw")) << "s3cret\n";
  std::ofstream(tmp.sub("ca.pem")) << "not parsed at load\n";
  auto c =
      must_load(generator("    path: /g\n"
                          "    remote_write_add_org_id_header: false\n"
                          "    remote_write_flush_deadline: 5s\n"
                          "    remote_write_queue_max_bytes: 8388608\n"
                          "    remote_write:\n"
                          "      - url: https://mimir.example:8443/api/v1/push?x=1\n"
                          "        name: mimir\n"
                          "        send_exemplars: true\n"
                          "        remote_timeout: 10s\n"
                          "        headers:\n"
                          "          X-Scope-OrgID: fixed\n"
                          "          X-Extra: v\n"
                          "        basic_auth:\n"
                          "          username: tempo\n"
                          "          password_file: " +
                          tmp.sub("pw") +
                          "\n"
                          "        tls_config:\n"
                          "          ca_file: " +
                          tmp.sub("ca.pem") +
                          "\n"
                          "          server_name: mimir.internal\n"
                          "          insecure_skip_verify: false\n"
                          "      - url: http://[::1]/write\n"
                          "        queue_config:\n"
                          "          max_shards: 4\n"));
  const auto& s = c.metrics_generator.storage;
  CHECK(s.path == "/g");
  CHECK_FALSE(s.remote_write_add_org_id_header);
  CHECK(s.remote_write_flush_deadline == 5s);
  CHECK(s.remote_write_queue_max_bytes == 8388608);
  REQUIRE(s.remote_write.size() == 2);
  const auto& a = s.remote_write[0];
  CHECK(a.https);
  CHECK(a.host == "mimir.example");
  CHECK(a.port == 8443);
  CHECK(a.target == "/api/v1/push?x=1");
  CHECK(a.name == "mimir");
  CHECK(a.send_exemplars);
  CHECK(a.remote_timeout == 10s);
  CHECK(a.headers == std::vector<std::pair<std::string, std::string>>{{"X-Scope-OrgID", "fixed"},
                                                                      {"X-Extra", "v"}});
  CHECK(a.basic_auth);
  CHECK(a.basic_auth_username == "tempo");
  CHECK(a.basic_auth_password == "s3cret");
  CHECK(a.tls_ca_file == tmp.sub("ca.pem"));
  CHECK(a.tls_server_name == "mimir.internal");
  const auto& b = s.remote_write[1];
  CHECK(b.host == "::1");
  CHECK(b.port == 80);
  CHECK(b.target == "/write");
  // queue_config is Prometheus's sharding; this build has one sender per queue.
  CHECK(warned(c, "metrics_generator.storage.remote_write[1].queue_config"));
}

TEST_CASE("bad remote write settings stop the load with the key named") {
  struct Case {
    std::string storage;
    std::string key;
  };
  const std::string rw = "    path: /g\n    remote_write:\n";
  const std::vector<Case> cases = {
      {rw + "      - name: a\n", "metrics_generator.storage.remote_write[0].url"},
      {rw + "      - url: ftp://h/x\n", "metrics_generator.storage.remote_write[0].url"},
      {rw + "      - url: http:///x\n", "metrics_generator.storage.remote_write[0].url"},
      {rw + "      - url: http://h:99999/x\n", "metrics_generator.storage.remote_write[0].url"},
      {rw + "      - url: http://u:p@h/x\n", "metrics_generator.storage.remote_write[0].url"},
      {rw + "      - url: http://h/x\n        remote_timeout: 0s\n",
       "metrics_generator.storage.remote_write[0].remote_timeout"},
      {rw + "      - url: http://h/x\n        remote_timeout: soon\n",
       "metrics_generator.storage.remote_write[0].remote_timeout"},
      {rw + "      - url: http://h/x\n        send_exemplars: maybe\n",
       "metrics_generator.storage.remote_write[0].send_exemplars"},
      {rw + "      - url: http://h/x\n        headers:\n          Content-Type: text/plain\n",
       "metrics_generator.storage.remote_write[0].headers.Content-Type"},
      {rw + "      - url: http://h/x\n        headers: [a]\n",
       "metrics_generator.storage.remote_write[0].headers"},
      {rw + "      - url: http://h/x\n        authorization:\n          credentials: t\n",
       "metrics_generator.storage.remote_write[0].authorization"},
      {rw + "      - url: http://h/x\n        oauth2:\n          client_id: c\n",
       "metrics_generator.storage.remote_write[0].oauth2"},
      {rw + "      - url: http://h/x\n        sigv4:\n          region: r\n",
       "metrics_generator.storage.remote_write[0].sigv4"},
      {rw + "      - url: http://h/x\n        proxy_url: http://p:3128\n",
       "metrics_generator.storage.remote_write[0].proxy_url"},
      {rw + "      - url: http://h/x\n        basic_auth:\n          password: p\n",
       "metrics_generator.storage.remote_write[0].basic_auth.username"},
      {rw + "      - url: http://h/x\n        basic_auth:\n          username: u\n"
            "          password: p\n          password_file: /nonexistent\n",
       "metrics_generator.storage.remote_write[0].basic_auth"},
      {rw + "      - url: http://h/x\n        basic_auth:\n          username: u\n"
            "          password_file: /nonexistent/pw\n",
       "metrics_generator.storage.remote_write[0].basic_auth.password_file"},
      {rw + "      - url: http://h/x\n        tls_config:\n          insecure_skip_verify: true\n",
       "metrics_generator.storage.remote_write[0].tls_config"},
      {rw + "      - url: https://h/x\n        tls_config:\n          ca_file: /nonexistent/ca\n",
       "metrics_generator.storage.remote_write[0].tls_config.ca_file"},
      {rw + "      - url: https://h/x\n        tls_config:\n          cert_file: /c\n",
       "metrics_generator.storage.remote_write[0].tls_config"},
      {rw + "      - url: https://h/x\n        tls_config:\n          min_version: TLS13\n",
       "metrics_generator.storage.remote_write[0].tls_config.min_version"},
      {rw + "      - url: http://h/x\n      - url: http://h/x\n",
       "metrics_generator.storage.remote_write[1]"},
      {rw + "      - url: http://a/x\n        name: n\n      - url: http://b/x\n        name: n\n",
       "metrics_generator.storage.remote_write[1]"},
      {"    remote_write:\n      - url: http://h/x\n", "metrics_generator.storage.path"},
      {"    remote_write_flush_deadline: -1s\n",
       "metrics_generator.storage.remote_write_flush_deadline"},
      {"    remote_write_queue_max_bytes: 1000\n",
       "metrics_generator.storage.remote_write_queue_max_bytes"},
      {"    remote_write_add_org_id_header: sometimes\n",
       "metrics_generator.storage.remote_write_add_org_id_header"},
  };
  for (const auto& c : cases) {
    INFO(c.storage);
    Status s = load_error(generator(c.storage));
    INFO(s.message());
    REQUIRE(s.is(Status::Code::kInvalidArgument));
    CHECK(s.message().find("config key \"" + c.key + "\"") != std::string::npos);
    CHECK(s.message().rfind("line ", 0) == 0);
  }
}

TEST_CASE("a misspelt key inside a remote write item is an unknown key") {
  Status s =
      load_error(generator("    path: /g\n    remote_write:\n      - url: http://h/x\n"
                           "        send_exemplar: true\n"));
  REQUIRE(s.is(Status::Code::kInvalidArgument));
  CHECK(
      s.message().find("unknown key \"metrics_generator.storage.remote_write[0].send_exemplar\"") !=
      std::string::npos);
}
