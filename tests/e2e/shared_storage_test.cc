// Two server processes on one bucket (s3rver) or one local directory: the first ingests and
// flushes, the second only answers queries. After a block-list poll the second finds every
// trace by ID and gives the same search results; a block marked compacted by hand (a
// meta.compacted.json written through the backend) leaves its answers after the next poll.
// Two processes with compaction on over one directory: the compactor lease lets only one of
// them merge the tenant's blocks, and both answer every trace once, as before. On one bucket,
// one process ingests and compacts while the other serves queries: no answer the second gave
// ever disappears or changes while blocks are swapped, and at the end both agree on everything.

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
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

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Sum of the values of every line of `name` (any labels) in a /metrics text.
double metric_sum(const std::string& metrics, const std::string& name) {
  double sum = 0;
  size_t at = 0;
  while ((at = metrics.find("\n" + name, at)) != std::string::npos) {
    const size_t end = metrics.find('\n', at + 1);
    const std::string line = metrics.substr(at + 1, end - at - 1);
    const char next = line[name.size()];
    if (next == '{' || next == ' ') sum += std::stod(line.substr(line.rfind(' ') + 1));
    at = end;
  }
  return sum;
}

size_t blocklist_length(TempoServer& s) {
  const std::string body = s.get("/metrics").body;
  const std::string key = "tempodb_blocklist_length{tenant=\"single-tenant\"} ";
  const size_t at = body.find(key);
  if (at == std::string::npos) return 0;
  return static_cast<size_t>(std::stoul(body.substr(at + key.size())));
}

// One process ingests and compacts, the other only answers queries, both on `options`'s
// backend. The reader starts once the writer holds the tenant's compactor lease (it logs its
// first merge), so every merge is the writer's; the writer keeps ingesting and flushing while
// it merges. Throughout, an answer the reader gave for a trace by ID never turns into a 404 or
// a different body; at the end both have one block and give identical answers.
void ingest_and_compact_while_other_queries(ServerOptions o) {
  o.blocklist_poll = "200ms";
  ServerOptions reader_options = o;  // compaction_cycle 24h: the reader never merges
  TempoServer writer(o), reader(reader_options);
  writer.set_compaction_extra("    compaction_cycle: 300ms\n");
  writer.start();

  std::vector<std::pair<std::string, ExportTraceServiceRequest>> sent;
  auto ingest_block = [&] {
    for (int i = 0; i < 4; ++i) {
      const std::string id = random_trace_hex();
      sent.emplace_back(id, make_request({id}, 1 + i % 3, kService));
      REQUIRE(writer.export_grpc(sent.back().second).ok());
    }
    REQUIRE(writer.post("/flush").status == 204);
  };
  for (int blk = 0; blk < 8; ++blk) ingest_block();
  CHECK_THAT(writer.await_log("msg=\"compacting blocks\""),
             Catch::Contains("msg=\"compacting blocks\""));
  reader.start();

  // What the reader answered first for each trace; later answers must equal it.
  std::map<std::string, std::string> seen;
  size_t rounds = 0, rounds_mid_merge = 0;  // the latter: the reader still listed 2+ blocks
  auto query_round = [&] {
    ++rounds;
    if (blocklist_length(reader) > 1) ++rounds_mid_merge;
    for (const auto& [id, req] : sent) {
      auto r = reader.get("/api/traces/" + id);
      auto it = seen.find(id);
      if (it != seen.end()) {
        INFO("trace " << id << " in query round " << rounds);
        REQUIRE(r.status == 200);
        REQUIRE(r.body == it->second);
      } else if (r.status == 200) {
        require_same_spans(req, id, parse_v1_json(r.body));
        seen.emplace(id, r.body);
      } else {
        REQUIRE(r.status == 404);  // a block the reader has not polled yet
      }
    }
  };
  // Four more blocks while the writer merges and the reader queries.
  for (int blk = 0; blk < 4; ++blk) {
    ingest_block();
    query_round();
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < deadline &&
         (blocklist_length(writer) != 1 || blocklist_length(reader) != 1 ||
          seen.size() != sent.size())) {
    query_round();
  }
  INFO("reader query rounds: " << rounds << ", while it listed 2+ blocks: " << rounds_mid_merge);
  // The loop must have overlapped the merges, or it proved nothing about them.
  CHECK(rounds_mid_merge > 0);
  REQUIRE(blocklist_length(writer) == 1);
  REQUIRE(blocklist_length(reader) == 1);
  query_round();
  REQUIRE(seen.size() == sent.size());

  // Both give the same bytes for every trace, and the same search results.
  for (const auto& [id, req] : sent) {
    auto w = writer.get("/api/traces/" + id);
    REQUIRE(w.status == 200);
    CHECK(w.body == seen.at(id));
  }
  const json written = search_traces(writer);
  CHECK(search_ids(written).size() == sent.size());
  CHECK(search_traces(reader) == written);

  // Every merge was the writer's: 12 blocks into one is 11 merges of two.
  const std::string mw = writer.get("/metrics").body, mr = reader.get("/metrics").body;
  CHECK(metric_sum(mw, "tempodb_compaction_blocks_total") == 2 * 11);
  CHECK(metric_sum(mr, "tempodb_compaction_blocks_total") == 0);
  CHECK(metric_sum(mw, "tempodb_compaction_errors_total") == 0);
  CHECK(writer.stop() == 0);
  CHECK(reader.stop() == 0);
}

}  // namespace

TEST_CASE("shared storage: two compacting processes on one local directory merge each block once") {
  testing::TempDir shared;
  ServerOptions o;
  o.blocks_dir = shared.sub("blocks");
  o.blocklist_poll = "200ms";
  auto store = backend::make_local_backend(o.blocks_dir);
  TempoServer a(o), b(o);

  // Eight flushes, eight blocks of one old window, written with compaction off.
  a.start();
  std::vector<std::pair<std::string, ExportTraceServiceRequest>> sent;
  const int kBlocks = 8;
  for (int blk = 0; blk < kBlocks; ++blk) {
    for (int i = 0; i < 4; ++i) {
      const std::string id = random_trace_hex();
      sent.emplace_back(id, make_request({id}, 1 + i % 3, kService));
      REQUIRE(a.export_grpc(sent.back().second).ok());
    }
    REQUIRE(a.post("/flush").status == 204);
  }
  REQUIRE(block_ids(*store).size() == kBlocks);
  const json before = search_traces(a);
  REQUIRE(search_ids(before).size() == sent.size());
  REQUIRE(a.stop() == 0);

  // Both restart compacting every 300ms over the same directory.
  a.set_compaction_extra("    compaction_cycle: 300ms\n");
  b.set_compaction_extra("    compaction_cycle: 300ms\n");
  const size_t a_seen = a.log().size();
  a.start();
  b.start();
  // Waits for the merges (the first cycle also waits out the lease's 2 s settle) and for the
  // other process's poll; not a timing assertion.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < deadline &&
         (blocklist_length(a) != 1 || blocklist_length(b) != 1)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(blocklist_length(a) == 1);
  REQUIRE(blocklist_length(b) == 1);

  // Every trace, by ID, on both, once, with the spans sent; search the same as before.
  for (TempoServer* s : {&a, &b}) {
    for (const auto& [id, req] : sent) {
      auto r = s->get("/api/traces/" + id);
      REQUIRE(r.status == 200);
      require_same_spans(req, id, parse_v1_json(r.body));
    }
    CHECK(search_traces(*s) == before);
  }

  // One process did every merge: 8 blocks of one old window become one in 7 merges of two,
  // 14 inputs, whichever process held the lease; the other merged nothing.
  const std::string ma = a.get("/metrics").body, mb = b.get("/metrics").body;
  const double blocks_a = metric_sum(ma, "tempodb_compaction_blocks_total");
  const double blocks_b = metric_sum(mb, "tempodb_compaction_blocks_total");
  INFO("blocks compacted by a: " << blocks_a << ", by b: " << blocks_b);
  CHECK(blocks_a + blocks_b == 2 * (kBlocks - 1));
  CHECK((blocks_a == 0 || blocks_b == 0));
  CHECK(metric_sum(ma, "tempodb_compaction_errors_total") == 0);
  CHECK(metric_sum(mb, "tempodb_compaction_errors_total") == 0);
  const size_t done_a = count(a.log().substr(a_seen), "msg=\"compaction complete\"");
  const size_t done_b = count(b.log(), "msg=\"compaction complete\"");
  CHECK(done_a + done_b == kBlocks - 1);
  CHECK((done_a == 0 || done_b == 0));
  // A marker for every input, and no output made twice.
  // 8 inputs and 6 intermediate outputs marked, plus the final block: 15 directories.
  CHECK(files_under(o.blocks_dir + "/" + kTenant, "meta.compacted.json").size() ==
        2 * (kBlocks - 1));
  CHECK(block_ids(*store).size() == 2 * (kBlocks - 1) + 1);
  CHECK(a.stop() == 0);
  CHECK(b.stop() == 0);
}

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

TEST_CASE(
    "shared storage: on one S3 bucket one process ingests and compacts while a second serves "
    "queries") {
  testing::S3rver s3;
  ::setenv("TEST_S3_KEY", "S3RVER", 1);
  ServerOptions o;
  o.s3_endpoint = s3.endpoint();
  ingest_and_compact_while_other_queries(o);
}

TEST_CASE(
    "shared storage: on one local directory one process ingests and compacts while a second "
    "serves queries") {
  testing::TempDir shared;
  ServerOptions o;
  o.blocks_dir = shared.sub("blocks");
  ingest_and_compact_while_other_queries(o);
}

}  // namespace tempo::e2e
