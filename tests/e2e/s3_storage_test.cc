// The binary with storage.trace.backend: s3 against a real S3-compatible server (s3rver):
// blocks are flushed to the bucket, survive restarts and kill -9, and retention deletes them.

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "harness.h"
#include "testing/s3rver.h"

namespace tempo::e2e {
namespace {

namespace fs = std::filesystem;

// meta.json objects s3rver holds for `tenant` (its files are "<key>._S3rver_object").
size_t s3_block_count(const testing::S3rver& s3, const std::string& tenant) {
  const fs::path root = fs::path(s3.directory()) / s3.bucket() / tenant;
  return files_under(root.string(), "meta.json._S3rver_object").size();
}

void require_trace(TempoServer& s, const ExportTraceServiceRequest& req, const std::string& id) {
  auto r = s.get("/api/traces/" + id);
  REQUIRE(r.status == 200);
  require_same_spans(req, id, parse_v1_json(r.body));
}

}  // namespace

TEST_CASE("s3 backend: flushed blocks live in the bucket and survive restart and kill -9") {
  testing::S3rver s3;
  ::setenv("TEST_S3_KEY", "S3RVER", 1);
  ServerOptions o;
  o.s3_endpoint = s3.endpoint();
  TempoServer s(o);
  s.start();
  std::vector<std::pair<std::string, ExportTraceServiceRequest>> sent;
  for (int i = 0; i < 10; ++i) {
    std::string id = random_trace_hex();
    sent.emplace_back(id, make_request({id}, 3));
    REQUIRE(s.export_grpc(sent.back().second).ok());
  }
  CHECK(s.post("/flush").status == 204);
  CHECK(s3_block_count(s3, "single-tenant") == 1);
  for (auto& [id, req] : sent) require_trace(s, req, id);

  // More data, a second block, then a crash: both blocks and the WAL come back.
  std::string late = random_trace_hex();
  auto late_req = make_request({late}, 2);
  REQUIRE(s.export_grpc(late_req).ok());
  CHECK(s.post("/flush").status == 204);
  CHECK(s3_block_count(s3, "single-tenant") == 2);
  std::string unflushed = random_trace_hex();
  auto unflushed_req = make_request({unflushed}, 2);
  REQUIRE(s.export_grpc(unflushed_req).ok());
  s.kill9();
  s.start();
  for (auto& [id, req] : sent) require_trace(s, req, id);
  require_trace(s, late_req, late);
  require_trace(s, unflushed_req, unflushed);
  auto metrics = s.get("/metrics").body;
  // The two flushed blocks, plus the replayed WAL written as a block of its own.
  CHECK_THAT(metrics, Catch::Contains("tempodb_blocklist_length{tenant=\"single-tenant\"} 3"));
  CHECK_THAT(metrics, Catch::Contains("tempodb_backend_request_duration_seconds_count{operation=\"GET\",status_code=\"206\"}"));
  CHECK_THAT(metrics, Catch::Contains("tempodb_backend_request_duration_seconds_count{operation=\"LIST\",status_code=\"200\"}"));
  CHECK(s.stop() == 0);
  CHECK(s3_block_count(s3, "single-tenant") == 3);
}

TEST_CASE("s3 backend: retention deletes old blocks from the bucket") {
  testing::S3rver s3;
  ::setenv("TEST_S3_KEY", "S3RVER", 1);
  ServerOptions o;
  o.s3_endpoint = s3.endpoint();
  o.block_retention = "24h";  // test spans are from 2023
  o.blocklist_poll = "200ms";
  o.compaction_extra = "    compacted_block_retention: 0s\n";  // deleted as soon as marked
  TempoServer s(o);
  s.start();
  const std::string id = random_trace_hex();
  REQUIRE(s.export_grpc(make_request({id}, 1)).ok());
  CHECK(s.post("/flush").status == 204);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (s3_block_count(s3, "single-tenant") > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(s3_block_count(s3, "single-tenant") == 0);
  CHECK(s.get("/api/traces/" + id).status == 404);
}

TEST_CASE("s3 backend: an unreachable endpoint fails start-up with the reason") {
  testing::TempDir dir;
  const std::string config = dir.sub("tempo.yaml");
  std::ofstream(config) << "server:\n  http_listen_port: 0\n"
                        << "storage:\n  trace:\n    backend: s3\n    s3:\n      bucket: tempo\n"
                        << "      endpoint: 127.0.0.1:1\n      insecure: true\n"
                        << "      access_key: a\n      secret_key: b\n"
                        << "    wal:\n      path: " << dir.sub("wal") << "\n";
  auto r = run_tempo("-config.file=" + config);
  INFO(r.output);
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Catch::Contains("error starting tempo") &&
                           Catch::Contains("s3 GET http://127.0.0.1:1/tempo") &&
                           Catch::Contains("Couldn't connect to server"));
}

}  // namespace tempo::e2e
