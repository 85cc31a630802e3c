// Compaction through the real binary, on local disk and on a real S3 server (s3rver): many
// small blocks (one per /flush) merged while queries run in a loop; every trace by ID
// (v1 and v2 JSON) and every search result stays identical byte for byte; kill -9 during
// compaction and a restart leave every trace there exactly once.

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "harness.h"
#include "tempo/server/http_server.h"
#include "testing/s3rver.h"

namespace tempo::e2e {
namespace {

using json = nlohmann::json;
using tempo::server::url_encode;
using Clock = std::chrono::steady_clock;

const std::string kRange = "&start=1699999000&end=1700001000";

// Everything a client can ask about the stored traces, as the server answers it.
struct Snapshot {
  // Trace ID -> body of /api/traces, and of /api/v2/traces without its metrics.
  std::map<std::string, std::string> v1, v2;
  std::map<std::string, std::string> search;  // query -> its traces, sorted by trace ID
};

const char* const kQueries[] = {"{}", "{ resource.service.name = \"svc-1\" }", "{ status = error }",
                                "{ span:kind = server }"};

// The `traces` of a search response sorted by trace ID, as one string (metrics such as
// inspectedBytes change with the block layout, and are left out). A trace listed twice fails.
// For a trace stored in pieces in several blocks, the querier lists one spanset per block that
// matched; once the pieces are one block, one spanset: only its trace-level fields are
// compared.
std::string search_traces(TempoServer& s, const std::string& q,
                          const std::set<std::string>& split) {
  auto r = s.get("/api/search?q=" + url_encode(q) + "&limit=100000&spss=100" + kRange);
  REQUIRE(r.status == 200);
  json body = json::parse(r.body);
  std::map<std::string, std::string> by_id;
  for (auto t : body.at("traces")) {
    const std::string id = t.at("traceID").get<std::string>();
    // Search gives trace IDs without leading zeros, as Tempo does.
    auto unpadded = [](const std::string& hex) { return hex.substr(hex.find_first_not_of('0')); };
    if (std::any_of(split.begin(), split.end(),
                    [&](const std::string& s) { return unpadded(s) == id; })) {
      t.erase("spanSet");
      t.erase("spanSets");
    }
    auto [it, fresh] = by_id.emplace(id, t.dump());
    INFO(q << " lists trace " << it->first << " twice");
    REQUIRE(fresh);
  }
  std::string out;
  for (const auto& [id, t] : by_id) out += t + "\n";
  return out;
}

struct Ingested {
  std::vector<std::string> ids;  // every trace
  std::set<std::string> split;   // those sent in two pieces, to two blocks
};

Snapshot snapshot(TempoServer& s, const Ingested& in) {
  const auto& ids = in.ids;
  Snapshot snap;
  for (const auto& id : ids) {
    auto r1 = s.get("/api/traces/" + id);
    REQUIRE(r1.status == 200);
    snap.v1[id] = r1.body;
    auto r2 = s.get("/api/v2/traces/" + id);
    REQUIRE(r2.status == 200);
    // Its metrics (inspectedBytes) depend on the blocks read; the trace must not.
    json v2 = json::parse(r2.body);
    v2.erase("metrics");
    snap.v2[id] = v2.dump();
  }
  for (const char* q : kQueries) snap.search[q] = search_traces(s, q, in.split);
  return snap;
}

void require_same(const Snapshot& want, const Snapshot& got) {
  for (const auto& [id, body] : want.v1) {
    INFO("trace " << id);
    REQUIRE(got.v1.at(id) == body);
    REQUIRE(got.v2.at(id) == want.v2.at(id));
  }
  for (const auto& [q, traces] : want.search) {
    INFO("search " << q);
    REQUIRE(got.search.at(q) == traces);
  }
}

std::string metric_line(const std::string& metrics, const std::string& prefix) {
  size_t at = metrics.find("\n" + prefix);
  if (at == std::string::npos) return "";
  size_t end = metrics.find('\n', at + 1);
  return metrics.substr(at + 1, end - at - 1);
}

size_t blocklist_length(TempoServer& s) {
  const std::string line =
      metric_line(s.get("/metrics").body, "tempodb_blocklist_length{tenant=\"single-tenant\"} ");
  REQUIRE_FALSE(line.empty());
  return static_cast<size_t>(std::stoul(line.substr(line.rfind(' ') + 1)));
}

// `rounds` flushes, each a block: 6 whole traces of 3 spans (services svc-0..svc-3), and one
// trace sent in two rounds: its spans 0-1 in the first, then the same two again (exact
// duplicates) with spans 2-3, so its pieces sit in two blocks with duplicate spans.
Ingested ingest_small_blocks(TempoServer& s, int rounds) {
  Ingested in;
  std::string split;
  auto head = [](const std::string& id) { return make_request({id}, 2, "svc-split"); };
  for (int r = 0; r < rounds; ++r) {
    for (int i = 0; i < 6; ++i) {
      in.ids.push_back(random_trace_hex());
      REQUIRE(s.export_grpc(make_request({in.ids.back()}, 3, "svc-" + std::to_string(i % 4))).ok());
    }
    if (!split.empty()) {
      auto rest = make_request({split}, 4, "svc-split");
      auto* spans = rest.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans();
      spans->DeleteSubrange(0, 2);
      REQUIRE(s.export_grpc(head(split)).ok());
      REQUIRE(s.export_grpc(rest).ok());
    }
    split = random_trace_hex();
    in.ids.push_back(split);
    in.split.insert(split);
    REQUIRE(s.export_grpc(head(split)).ok());
    REQUIRE(s.post("/flush").status == 204);
  }
  return in;
}

// Compaction while queries run: every answer, every time, equals the one before compaction.
void compact_under_queries(ServerOptions o) {
  const int rounds = 12;
  TempoServer s(o);
  s.start();
  const auto in = ingest_small_blocks(s, rounds);
  REQUIRE(blocklist_length(s) == rounds);
  const Snapshot before = snapshot(s, in);

  // Restart with a short cycle: compaction begins half a second later, while we query.
  REQUIRE(s.stop() == 0);
  s.set_compaction_extra("    compaction_cycle: 500ms\n");
  s.start();
  const auto deadline = Clock::now() + std::chrono::seconds(90);
  int rounds_queried = 0;
  size_t blocks = rounds;
  while (Clock::now() < deadline) {
    require_same(before, snapshot(s, in));
    ++rounds_queried;
    blocks = blocklist_length(s);
    if (blocks == 1) break;
  }
  INFO("query rounds during compaction: " << rounds_queried);
  REQUIRE(blocks == 1);
  require_same(before, snapshot(s, in));
  const std::string metrics = s.get("/metrics").body;
  // 12 level-0 blocks into one: 11 merges of two blocks each.
  CHECK_THAT(metrics, Catch::Contains("tempodb_compaction_blocks_total{level="));
  CHECK(metric_line(metrics, "tempodb_compaction_errors_total").find(" 0") != std::string::npos);
  CHECK_THAT(metrics, Catch::Contains("tempodb_compaction_objects_combined_total{level="));
  CHECK_THAT(s.await_log("msg=\"compaction complete\""),
             Catch::Contains("msg=\"compaction complete\""));

  // And after a restart that reads the block list back from the backend.
  REQUIRE(s.stop() == 0);
  s.set_compaction_extra("");
  s.start();
  REQUIRE(blocklist_length(s) == 1);
  require_same(before, snapshot(s, in));
}

// kill -9 as compaction runs, several times, then restarts: each trace is there once, with
// the same answers as before.
void kill_during_compaction(ServerOptions o) {
  TempoServer s(o);
  s.start();
  const auto in = ingest_small_blocks(s, 10);
  const Snapshot before = snapshot(s, in);
  REQUIRE(s.stop() == 0);
  s.set_compaction_extra("    compaction_cycle: 100ms\n");
  for (int kill = 0; kill < 4; ++kill) {
    const size_t seen = s.log().size();
    s.start();
    // Kill as soon as this run has started a merge (the next one, for later kills, so the
    // crash lands at different steps).
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    size_t wanted = 1 + static_cast<size_t>(kill % 2);
    while (Clock::now() < deadline) {
      const std::string log = s.log().substr(seen);
      size_t n = 0;
      for (size_t at = log.find("msg=\"compacting blocks\""); at != std::string::npos;
           at = log.find("msg=\"compacting blocks\"", at + 1)) {
        ++n;
      }
      if (n >= wanted || log.find("compaction complete") != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    s.kill9();
  }
  // How many runs died with a merge started and not complete (the kill is not synchronised
  // with the merge, so it may land before or after one): said, not asserted.
  {
    const std::string log = s.log();
    size_t started = 0, completed = 0;
    for (size_t at = log.find("msg=\"compacting blocks\""); at != std::string::npos;
         at = log.find("msg=\"compacting blocks\"", at + 1)) {
      ++started;
    }
    for (size_t at = log.find("msg=\"compaction complete\""); at != std::string::npos;
         at = log.find("msg=\"compaction complete\"", at + 1)) {
      ++completed;
    }
    if (started == completed) WARN("no kill landed inside a merge this time");
  }
  // No compaction in this run: what the crashes left is what queries see.
  s.set_compaction_extra("");
  s.start();
  require_same(before, snapshot(s, in));
  REQUIRE(s.stop() == 0);
  // Then let compaction finish the job.
  s.set_compaction_extra("    compaction_cycle: 200ms\n");
  s.start();
  const auto deadline = Clock::now() + std::chrono::seconds(90);
  while (blocklist_length(s) > 1 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(blocklist_length(s) == 1);
  require_same(before, snapshot(s, in));
}

}  // namespace

TEST_CASE("compaction on local disk keeps every answer identical before and during and after") {
  ServerOptions o;
  compact_under_queries(o);
}

TEST_CASE("compaction on local disk survives kill -9 mid-compaction with every trace once") {
  ServerOptions o;
  kill_during_compaction(o);
}

TEST_CASE("compaction on s3 keeps every answer identical before and during and after") {
  testing::S3rver s3;
  ::setenv("TEST_S3_KEY", "S3RVER", 1);
  ServerOptions o;
  o.s3_endpoint = s3.endpoint();
  compact_under_queries(o);
  // The compacted inputs stay in the bucket with their marker until compacted_block_retention:
  // 12 blocks became one in 11 merges of two, so 22 inputs (10 of them merge outputs).
  namespace fs = std::filesystem;
  const fs::path root = fs::path(s3.directory()) / s3.bucket() / "single-tenant";
  CHECK(files_under(root.string(), "meta.compacted.json._S3rver_object").size() == 22);
}

TEST_CASE("compaction on s3 survives kill -9 mid-compaction with every trace once") {
  testing::S3rver s3;
  ::setenv("TEST_S3_KEY", "S3RVER", 1);
  ServerOptions o;
  o.s3_endpoint = s3.endpoint();
  kill_during_compaction(o);
}

}  // namespace tempo::e2e
