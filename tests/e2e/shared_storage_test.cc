// Two server processes on one bucket (s3rver) or one local directory: the first ingests and
// flushes, the second only answers queries. After a block-list poll the second finds every
// trace by ID and gives the same search results; a block marked compacted by hand (a
// meta.compacted.json written through the backend) leaves its answers after the next poll.

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "harness.h"
#include "tempo/backend/backend.h"
#include "tempo/server/http_server.h"
#include "testing/s3rver.h"
#include "testing/temp_dir.h"

namespace tempo::e2e {
namespace {

using nlohmann::json;
using server::url_encode;

const std::string kTenant = "single-tenant";
const std::string kService = "shared-svc";
const std::string kSearch =
    "/api/search?q=" + url_encode("{ resource.service.name = \"" + kService + "\" }") +
    "&limit=1000&spss=5&start=1699999000&end=1700001000";

// Polls `done` until it holds or 20 s pass; returns its last answer. The wait is for the
// other process's block-list poll (200 ms here), not a timing assertion.
bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

// The traces of a search answer, sorted by trace ID (the order of equal-start traces is not
// part of the contract); the per-query "metrics" differ between processes and are left out.
json search_traces(TempoServer& s) {
  auto r = s.get(kSearch);
  REQUIRE(r.status == 200);
  json traces = json::parse(r.body).at("traces");
  std::sort(traces.begin(), traces.end(), [](const json& a, const json& b) {
    return a.at("traceID").get<std::string>() < b.at("traceID").get<std::string>();
  });
  return traces;
}

std::set<std::string> search_ids(const json& traces) {
  std::set<std::string> out;
  for (const auto& t : traces) {
    std::string id = t.at("traceID");
    out.insert(std::string(32 - id.size(), '0') + id);
  }
  return out;
}

// The block IDs of the tenant in the backend.
std::vector<std::string> block_ids(backend::Backend& b) {
  std::vector<std::string> names, out;
  REQUIRE(b.list(kTenant + "/", &names).is_ok());
  for (const auto& n : names) {
    if (n.size() == 36) out.push_back(n);  // block directories are UUIDs
  }
  return out;
}

// Marks a block compacted as a compactor does (Tempo's shape): meta.compacted.json is its
// meta.json plus compactedTime; then meta.json goes.
void mark_compacted(backend::Backend& b, const std::string& block_id) {
  const std::string dir = kTenant + "/" + block_id + "/";
  std::string meta;
  REQUIRE(b.read(dir + "meta.json", &meta).is_ok());
  json j = json::parse(meta);
  j["compactedTime"] = "2026-01-02T03:04:05.123456789Z";
  REQUIRE(b.write(dir + "meta.compacted.json", j.dump()).is_ok());
  REQUIRE(b.remove(dir + "meta.json").is_ok());
}

void run_shared(ServerOptions options, backend::Backend& store) {
  options.blocklist_poll = "200ms";
  TempoServer writer(options), reader(options);
  writer.start();
  reader.start();

  // Two flushes, two blocks: batch 1 then batch 2.
  std::vector<std::vector<std::pair<std::string, ExportTraceServiceRequest>>> batches(2);
  std::string first_block;
  for (int b = 0; b < 2; ++b) {
    for (int i = 0; i < 8; ++i) {
      const std::string id = random_trace_hex();
      batches[b].emplace_back(id, make_request({id}, 1 + i % 3, kService));
      REQUIRE(writer.export_grpc(batches[b].back().second).ok());
    }
    REQUIRE(writer.post("/flush").status == 204);
    if (b == 0) {
      auto ids = block_ids(store);
      REQUIRE(ids.size() == 1);
      first_block = ids[0];
    }
  }
  REQUIRE(block_ids(store).size() == 2);

  // The writer sees its own blocks at once; the reader after a poll.
  for (const auto& batch : batches) {
    for (const auto& [id, req] : batch) {
      auto w = writer.get("/api/traces/" + id);
      REQUIRE(w.status == 200);
      require_same_spans(req, id, parse_v1_json(w.body));
    }
  }
  CHECK(eventually([&] {
    for (const auto& batch : batches) {
      for (const auto& [id, req] : batch) {
        if (reader.get("/api/traces/" + id).status != 200) return false;
      }
    }
    return true;
  }));
  for (const auto& batch : batches) {
    for (const auto& [id, req] : batch) {
      auto r = reader.get("/api/traces/" + id);
      REQUIRE(r.status == 200);
      require_same_spans(req, id, parse_v1_json(r.body));
    }
  }
  const json written = search_traces(writer);
  CHECK(search_ids(written).size() == 16);
  CHECK(search_traces(reader) == written);
  CHECK_THAT(reader.get("/metrics").body,
             Catch::Contains("tempodb_blocklist_length{tenant=\"single-tenant\"} 2"));

  // The first block marked compacted behind both processes' backs: its traces leave the
  // reader's answers after a poll, the second block's stay.
  mark_compacted(store, first_block);
  CHECK(eventually([&] { return reader.get("/api/traces/" + batches[0][0].first).status == 404; }));
  for (const auto& [id, req] : batches[0]) CHECK(reader.get("/api/traces/" + id).status == 404);
  for (const auto& [id, req] : batches[1]) {
    auto r = reader.get("/api/traces/" + id);
    REQUIRE(r.status == 200);
    require_same_spans(req, id, parse_v1_json(r.body));
  }
  std::set<std::string> second;
  for (const auto& [id, req] : batches[1]) second.insert(id);
  CHECK(search_ids(search_traces(reader)) == second);
  CHECK_THAT(reader.get("/metrics").body,
             Catch::Contains("tempodb_blocklist_length{tenant=\"single-tenant\"} 1") &&
                 Catch::Contains("tempodb_blocklist_poll_duration_seconds_count"));
  CHECK(writer.stop() == 0);
  CHECK(reader.stop() == 0);
}

}  // namespace

TEST_CASE(
    "shared storage: a second process on one local directory answers for blocks the first "
    "flushed") {
  testing::TempDir shared;
  ServerOptions o;
  o.blocks_dir = shared.sub("blocks");
  auto store = backend::make_local_backend(o.blocks_dir);
  run_shared(o, *store);
}

TEST_CASE(
    "shared storage: a second process on one S3 bucket answers for blocks the first flushed") {
  testing::S3rver s3;
  ::setenv("TEST_S3_KEY", "S3RVER", 1);
  ServerOptions o;
  o.s3_endpoint = s3.endpoint();
  backend::S3Options so;
  so.bucket = s3.bucket();
  so.endpoint = s3.endpoint();
  so.insecure = true;
  so.access_key = so.secret_key = "S3RVER";
  std::unique_ptr<backend::Backend> store;
  REQUIRE(backend::make_s3_backend(so, &store).is_ok());
  run_shared(o, *store);
}

}  // namespace tempo::e2e
