#pragma once
// A real Prometheus (Debian's `prometheus`, installed by scripts/setup.sh) started on a
// loopback port with the remote write receiver and exemplar storage on, for the remote write
// end-to-end test. Its TSDB lives in `dir`, so a restart keeps what it stored.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "tempo/server/http_client.h"

extern char** environ;

namespace tempo::testing {

class PrometheusProcess {
 public:
  PrometheusProcess(std::string dir, uint16_t port) : dir_(std::move(dir)), port_(port) {
    std::ofstream(dir_ + "/prometheus.yml") << "global:\n  scrape_interval: 1m\n";
  }
  ~PrometheusProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
  }

  static std::string binary() {
    for (const char* p : {"/usr/bin/prometheus", "/usr/local/bin/prometheus"}) {
      if (::access(p, X_OK) == 0) return p;
    }
    return "";
  }

  void start() {
    REQUIRE(pid_ <= 0);
    const std::string bin = binary();
    if (bin.empty()) FAIL("prometheus is not installed; run scripts/setup.sh");
    const std::string log = dir_ + "/prometheus.log";
    std::string a0 = bin, a1 = "--web.enable-remote-write-receiver",
                a2 = "--storage.tsdb.path=" + dir_ + "/tsdb",
                a3 = "--config.file=" + dir_ + "/prometheus.yml",
                a4 = "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                a5 = "--enable-feature=exemplar-storage";
    char* argv[] = {a0.data(), a1.data(), a2.data(), a3.data(), a4.data(), a5.data(), nullptr};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int rc = posix_spawn(&pid_, bin.c_str(), &fa, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    REQUIRE(rc == 0);
    server::HttpClient c("127.0.0.1", port_, std::chrono::seconds(2));
    for (int i = 0; i < 1200; ++i) {  // a bound, not a timing assertion
      server::ClientResponse res;
      if (c.get("/-/ready", &res).is_ok() && res.status == 200) return;
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL("prometheus exited during start-up:\n" << log_text());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("prometheus did not become ready:\n" << log_text());
  }

  // SIGTERM and wait: Prometheus closes its TSDB cleanly, as in a rolling restart.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
  }

  // GET `target` on the HTTP API; the body of a 200 answer.
  std::string get(const std::string& target) {
    server::HttpClient c("127.0.0.1", port_, std::chrono::seconds(10));
    server::ClientResponse res;
    Status s = c.get(target, &res);
    REQUIRE(s.is_ok());
    INFO(res.body);
    REQUIRE(res.status == 200);
    return res.body;
  }

  std::string log_text() const {
    std::ifstream f(dir_ + "/prometheus.log");
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  uint16_t port() const { return port_; }

 private:
  std::string dir_;
  uint16_t port_;
  pid_t pid_ = -1;
};

}  // namespace tempo::testing
