// What was acknowledged survives restarts, kill -9 and block flushes.

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "harness.h"

using namespace tempo;
using namespace tempo::e2e;
namespace fs = std::filesystem;

namespace {

size_t regular_files(const std::string& dir) { return files_under(dir).size(); }

std::vector<std::string> block_metas(const std::string& blocks_dir) {
  return files_under(blocks_dir, "meta.json");
}

void require_readable(TempoServer& s, const ExportTraceServiceRequest& req, const std::string& id) {
  auto res = s.get("/api/traces/" + id);
  INFO("trace " << id);
  REQUIRE(res.status == 200);
  require_same_spans(req, id, parse_v1_json(res.body));
}

}  // namespace

TEST_CASE("a clean restart keeps every trace") {
  TempoServer s;
  s.start();
  std::vector<std::pair<std::string, ExportTraceServiceRequest>> sent;
  for (int i = 0; i < 5; ++i) {
    std::string id = random_trace_hex();
    sent.emplace_back(id, make_request({id}, 3, "restart-" + std::to_string(i)));
    if (i % 2 == 0) {
      REQUIRE(s.export_grpc(sent.back().second).ok());
    } else {
      REQUIRE(
          s.export_http(sent.back().second.SerializeAsString(), "application/x-protobuf").status ==
          200);
    }
  }
  auto t0 = std::chrono::steady_clock::now();
  CHECK(s.stop() == 0);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  s.start();
  for (auto& [id, req] : sent) require_readable(s, req, id);
  // And once more, now that everything is in blocks from the first stop.
  CHECK(s.stop() == 0);
  s.start();
  for (auto& [id, req] : sent) require_readable(s, req, id);
}

TEST_CASE("kill -9 during ingestion loses no acknowledged span") {
  TempoServer s;
  s.start();
  std::mutex mu;
  std::vector<std::pair<std::string, ExportTraceServiceRequest>> acked;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  // No Catch assertions in these threads: Catch is not thread-safe. They only record what
  // the server acknowledged.
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      server::HttpClient http("127.0.0.1", static_cast<uint16_t>(s.otlp_http_port()),
                              std::chrono::seconds(5));
      for (int n = 0; !stop; ++n) {
        std::string id = random_trace_hex();
        auto req = make_request({id}, 1 + n % 3, "kill9-" + std::to_string(c));
        bool ok = false;
        if (c < 2) {
          ok = s.export_grpc(req).ok();
        } else {
          server::ClientResponse res;
          ok = http.post("/v1/traces", req.SerializeAsString(), "application/x-protobuf", &res)
                   .is_ok() &&
               res.status == 200;
        }
        if (ok) {
          std::lock_guard<std::mutex> l(mu);
          acked.emplace_back(id, std::move(req));
        }
      }
    });
  }
  // Kill once enough was acknowledged (bounded), while the clients are still sending.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard<std::mutex> l(mu);
      if (acked.size() > 20) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  s.kill9();
  stop = true;
  for (auto& t : clients) t.join();
  REQUIRE(acked.size() > 10);
  s.start();
  INFO(acked.size() << " acknowledged traces");
  for (auto& [id, req] : acked) require_readable(s, req, id);
}

TEST_CASE("/flush writes blocks and empties the WAL and data stays readable across restart") {
  TempoServer s;
  s.start();
  std::vector<std::pair<std::string, ExportTraceServiceRequest>> sent;
  for (int i = 0; i < 20; ++i) {
    std::string id = random_trace_hex();
    sent.emplace_back(id, make_request({id}, 2));
    REQUIRE(s.export_grpc(sent.back().second).ok());
  }
  CHECK(regular_files(s.wal_dir()) > 0);
  auto res = s.post("/flush");
  CHECK(res.status == 204);
  CHECK(regular_files(s.wal_dir()) == 0);
  auto metas = block_metas(s.blocks_dir());
  REQUIRE(metas.size() == 1);
  // <local.path>/<tenant>/<uuid>/meta.json, and the meta describes that block.
  fs::path meta_path(metas[0]);
  std::string block_id = meta_path.parent_path().filename().string();
  CHECK(meta_path.parent_path().parent_path() == fs::path(s.blocks_dir()) / "single-tenant");
  CHECK(std::regex_match(
      block_id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  std::ifstream meta_file(metas[0]);
  auto meta = nlohmann::json::parse(meta_file, nullptr, /*allow_exceptions=*/false);
  INFO(meta.dump());
  REQUIRE(meta.is_object());
  CHECK(meta.value("blockID", "") == block_id);
  CHECK(meta.value("tenantID", "") == "single-tenant");
  CHECK(meta.value("totalObjects", 0) == 20);
  for (auto& [id, req] : sent) require_readable(s, req, id);
  CHECK(s.stop() == 0);
  s.start();
  for (auto& [id, req] : sent) require_readable(s, req, id);
  auto metrics = s.get("/metrics").body;
  CHECK(metrics.find("tempodb_blocklist_length{tenant=\"single-tenant\"} 1") != std::string::npos);
}

TEST_CASE("the head block is cut after max_block_duration without /flush") {
  ServerOptions o;
  o.ingester_extra = "  max_block_duration: 1s\n  flush_check_period: 200ms\n";
  TempoServer s(o);
  s.start();
  std::string id = random_trace_hex();
  auto req = make_request({id}, 2);
  REQUIRE(s.export_grpc(req).ok());
  for (int i = 0; i < 100 && block_metas(s.blocks_dir()).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(block_metas(s.blocks_dir()).size() == 1);
  for (int i = 0; i < 50 && regular_files(s.wal_dir()) > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(regular_files(s.wal_dir()) == 0);
  require_readable(s, req, id);
  CHECK(s.get("/metrics")
            .body.find("tempo_ingester_blocks_flushed_total{tenant=\"single-tenant\"} 1") !=
        std::string::npos);
}

TEST_CASE("SIGTERM flushes: the WAL is empty after a clean stop") {
  TempoServer s;
  s.start();
  std::string id = random_trace_hex();
  auto req = make_request({id}, 2);
  REQUIRE(s.export_grpc(req).ok());
  auto t0 = std::chrono::steady_clock::now();
  CHECK(s.stop() == 0);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  CHECK(regular_files(s.wal_dir()) == 0);
  CHECK(block_metas(s.blocks_dir()).size() == 1);
  CHECK(s.log().find("Tempo stopped") != std::string::npos);
}

TEST_CASE("retention deletes flushed blocks whose spans are older than block_retention") {
  ServerOptions o;
  o.block_retention = "24h";  // test spans are from 2023
  o.blocklist_poll = "200ms";
  // Marked blocks are deleted in the same pass (the default keeps them an hour for queries).
  o.compaction_extra = "    compacted_block_retention: 0s\n";
  TempoServer s(o);
  s.start();
  const std::string id = random_trace_hex();
  REQUIRE(s.export_grpc(make_request({id}, 2)).ok());
  CHECK(s.post("/flush").status == 204);
  // The block is written, then the next retention pass marks it and deletes it: from queries
  // and disk. Wait for the pass to finish (its log line comes after the delete), then look.
  const std::string log = s.await_log("deleted compacted block");
  CHECK_THAT(log, Catch::Contains("marking block for deletion: past retention"));
  CHECK_THAT(log, Catch::Contains("deleted compacted block"));
  CHECK(block_metas(s.blocks_dir()).empty());
  CHECK(s.get("/api/traces/" + id).status == 404);
  auto metrics = s.get("/metrics").body;
  CHECK_THAT(metrics, Catch::Contains("tempodb_retention_marked_for_deletion_total 1"));
  CHECK_THAT(metrics, Catch::Contains("tempodb_retention_deleted_total 1"));
  CHECK_THAT(metrics, Catch::Contains("tempodb_blocklist_length{tenant=\"single-tenant\"} 0"));
}
