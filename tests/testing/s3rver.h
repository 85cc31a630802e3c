#pragma once
// A real S3-compatible server for tests: s3rver (npm, installed by scripts/setup.sh under
// tests/interop) started on a free loopback port with one bucket, stopped on destruction.
// Its access key is "S3RVER" (secret "S3RVER"); it does not verify SigV4 signatures.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

#include "testing/temp_dir.h"

extern char** environ;

namespace tempo::testing {

class S3rver {
 public:
  explicit S3rver(std::string bucket = "tempo") : bucket_(std::move(bucket)) {
    int out[2];
    REQUIRE(::pipe(out) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    const std::string script = std::string(TEMPO_SOURCE_DIR) + "/tests/interop/s3rver_server.mjs";
    std::string node = "node", port = "0", dir = dir_.path();
    char* argv[] = {node.data(), const_cast<char*>(script.c_str()), port.data(), dir.data(),
                    bucket_.data(), nullptr};
    int rc = posix_spawnp(&pid_, "node", &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    REQUIRE(rc == 0);
    // The first line is "listening <port>"; EOF first means it failed to start.
    FILE* f = ::fdopen(out[0], "r");
    char line[128] = {};
    const bool got = std::fgets(line, sizeof line, f) != nullptr;
    std::fclose(f);
    INFO("s3rver said: " << line);
    REQUIRE(got);
    REQUIRE(std::sscanf(line, "listening %d", &port_) == 1);
  }
  ~S3rver() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  S3rver(const S3rver&) = delete;
  S3rver& operator=(const S3rver&) = delete;

  int port() const { return port_; }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& bucket() const { return bucket_; }
  // Where s3rver keeps its files (to check what is stored, not how).
  const std::string& directory() const { return dir_.path(); }

 private:
  std::string bucket_;
  TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace tempo::testing
