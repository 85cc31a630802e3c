// Search through the querier, with the real ingester: the same queries answered from the WAL
// (just acknowledged), from backend blocks (after a flush), and from both at once.

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "tempo/backend/backend.h"
#include "tempo/block/block_list.h"
#include "tempo/ingester/ingester.h"
#include "tempo/querier/querier.h"
#include "querier/querier_fixture.h"
#include "traceql/engine_cases.h"
#include "traceql/engine_dataset.h"

using namespace tempo;

namespace {

using engine_testing::Answer;

struct Fixture : querier_testing::QuerierFixture {
  using QuerierFixture::QuerierFixture;

  // trace letter -> (spansets, spans matched in all of them): what merging must not inflate.
  std::map<std::string, std::pair<size_t, uint32_t>> shape(const std::string& query) {
    querier::SearchRequest req;
    req.query = query;
    req.spans_per_spanset = 100;
    querier::SearchResult res;
    REQUIRE(q->search("t1", req, &res).is_ok());
    std::map<std::string, std::pair<size_t, uint32_t>> out;
    for (const auto& t : res.traces) {
      auto& [sets, matched] = out[engine_testing::letter_of(t.id)];
      sets += t.spansets.size();
      for (const auto& ss : t.spansets) matched += ss.matched;
    }
    return out;
  }

  Answer search(const std::string& query, uint32_t limit = 20) {
    querier::SearchRequest req;
    req.query = query;
    req.limit = limit;
    req.spans_per_spanset = 100;
    querier::SearchResult res;
    Status s = q->search("t1", req, &res);
    INFO(query << ": " << s.to_string());
    REQUIRE(s.is_ok());
    Answer out;
    for (const auto& t : res.traces) {
      auto& names = out[engine_testing::letter_of(t.id)];
      for (const auto& ss : t.spansets) {
        for (const auto& sp : ss.spans) names.insert(sp.name);
      }
    }
    return out;
  }
};


}  // namespace

TEST_CASE("search answers the engine table from the WAL, from blocks, and from both") {
  // Every case of the engine's table (tests/traceql/engine_cases.h) through the querier: the
  // expected trace and span sets while the data is live, after the flush, and with a second
  // copy in the WAL; spanset and matched counts must not change between the three.
  Fixture f;
  auto data = engine_testing::dataset();
  f.push(data);
  std::map<std::string, std::map<std::string, std::pair<size_t, uint32_t>>> live_shape;
  for (const auto& c : engine_testing::kCases) {
    INFO("live: " << c.query);
    CHECK(f.search(c.query) == c.want);
    live_shape[c.query] = f.shape(c.query);
  }

  REQUIRE(f.ing->flush().is_ok());
  REQUIRE(f.blocks.metas("t1").size() == 1);
  for (const auto& c : engine_testing::kCases) {
    INFO("from blocks: " << c.query);
    CHECK(f.search(c.query) == c.want);
    CHECK(f.shape(c.query) == live_shape[c.query]);
  }

  // The same traces again in the WAL: results merge per trace, nothing doubles.
  f.push(data);
  for (const auto& c : engine_testing::kCases) {
    INFO("from WAL and blocks: " << c.query);
    CHECK(f.search(c.query) == c.want);
    CHECK(f.shape(c.query) == live_shape[c.query]);
  }
}

TEST_CASE("search: a block split into jobs over shares of its row groups answers as one job") {
  Fixture f(4);  // a few spans per row group: the dataset's block has many groups
  f.push(engine_testing::dataset());
  REQUIRE(f.ing->flush().is_ok());
  REQUIRE(f.blocks.metas("t1").size() == 1);
  const uint64_t block_bytes = f.blocks.metas("t1")[0].size;

  auto metrics_of = [&](const std::string& query) {
    querier::SearchRequest req;
    req.query = query;
    req.limit = 0;
    querier::SearchResult res;
    REQUIRE(f.q->search("t1", req, &res).is_ok());
    return res.metrics;
  };
  f.q->set_target_bytes_per_job(0);  // one job for the block
  const auto whole = metrics_of("{}");
  CHECK(whole.total_jobs == 1);

  // About five shares, then one per group and past it (shares beyond the group count are
  // empty): every case still finds exactly its traces and spans, and the shares together
  // read each span once.
  for (uint64_t target : {block_bytes / 5, uint64_t{1}}) {
    f.q->set_target_bytes_per_job(target);
    for (const auto& c : engine_testing::kCases) {
      INFO("target " << target << ": " << c.query);
      CHECK(f.search(c.query) == c.want);
    }
    const auto split = metrics_of("{}");
    CHECK(split.total_jobs > 1);
    CHECK(split.total_blocks == 1);
    CHECK(split.completed_jobs == split.total_jobs);
    CHECK(split.inspected_spans == whole.inspected_spans);
    CHECK(split.inspected_traces == whole.inspected_traces);
  }
}

TEST_CASE("search with progress: the updates carry every trace of the result and the final metrics") {
  Fixture f(4);
  const auto data = engine_testing::dataset();
  f.push(data);
  REQUIRE(f.ing->flush().is_ok());
  f.q->set_target_bytes_per_job(1);  // many jobs, so updates can come while jobs still run

  querier::SearchRequest req;
  req.limit = 0;
  querier::SearchProgress progress;
  progress.interval = std::chrono::milliseconds(1);
  std::map<TraceId, querier::SearchTrace> merged;  // as a client merges: latest copy wins
  std::vector<querier::SearchMetrics> seen;
  progress.update = [&](std::vector<querier::SearchTrace> changed,
                        const querier::SearchMetrics& m) {
    for (auto& t : changed) merged[t.id] = std::move(t);
    seen.push_back(m);
    return Status::ok();
  };
  querier::SearchResult res;
  REQUIRE(f.q->search("t1", req, &res, &progress).is_ok());
  REQUIRE(!seen.empty());
  CHECK(res.traces.size() == data.size());
  REQUIRE(merged.size() == res.traces.size());
  for (const auto& t : res.traces) {
    INFO(t.id.hex());
    REQUIRE(merged.count(t.id) == 1);
    CHECK(merged[t.id].spansets.size() == t.spansets.size());
    CHECK(merged[t.id].root_service_name == t.root_service_name);
  }
  CHECK(seen.back().completed_jobs == res.metrics.total_jobs);
  CHECK(seen.back().inspected_spans == res.metrics.inspected_spans);
  for (size_t i = 1; i < seen.size(); ++i) {
    CHECK(seen[i].completed_jobs >= seen[i - 1].completed_jobs);
  }

  // A client that goes away stops the search with its status.
  size_t calls = 0;
  progress.update = [&](std::vector<querier::SearchTrace>, const querier::SearchMetrics&) {
    ++calls;
    return Status::unavailable("client went away");
  };
  res = {};
  Status s = f.q->search("t1", req, &res, &progress);
  CHECK(s.is(Status::Code::kUnavailable));
  CHECK(s.message() == "client went away");
  CHECK(calls == 1);
}

TEST_CASE("search: tag values stop at max_bytes_per_tag_values_query") {
  Fixture f;
  f.push(engine_testing::dataset());
  querier::TagValuesRequest vr;
  vr.tag = "resource.service.name";
  querier::TagValuesResult all;
  REQUIRE(f.q->search_tag_values("t1", vr, &all).is_ok());
  REQUIRE(all.values.size() == 6);
  // "string" + a service name is 10 to 13 bytes: 20 bytes hold two values, not all six.
  f.q->set_max_bytes_per_tag_values(20);
  querier::TagValuesResult capped;
  REQUIRE(f.q->search_tag_values("t1", vr, &capped).is_ok());
  CHECK(capped.values.size() == 2);
  for (const auto& v : capped.values) {
    CHECK(std::find(all.values.begin(), all.values.end(), v) != all.values.end());
  }
}

TEST_CASE("search: limit, bad queries, tags and tag values") {
  Fixture f;
  f.push(engine_testing::dataset());
  CHECK(f.search("{}", 2).size() == 2);

  querier::SearchRequest bad;
  bad.query = "{ name = }";
  querier::SearchResult res;
  Status s = f.q->search("t1", bad, &res);
  CHECK(s.is(Status::Code::kInvalidArgument));
  CHECK(s.message().find("parse error") != std::string::npos);

  querier::TagsRequest tr;
  querier::TagsResult tags;
  REQUIRE(f.q->search_tags("t1", tr, &tags).is_ok());
  std::map<querier::TagScope, std::vector<std::string>> by_scope(tags.scopes.begin(), tags.scopes.end());
  CHECK(by_scope[querier::TagScope::kSpan] ==
        std::vector<std::string>{"cached", "db.system", "http.status_code", "ratio", "retry", "user.id"});
  CHECK(by_scope[querier::TagScope::kResource] == std::vector<std::string>{"service.name"});
  CHECK(by_scope[querier::TagScope::kEvent] == std::vector<std::string>{"exception.message"});
  CHECK(by_scope[querier::TagScope::kLink] == std::vector<std::string>{"reason"});
  CHECK(by_scope[querier::TagScope::kInstrumentation] == std::vector<std::string>{"lib.lang"});
  CHECK(by_scope.count(querier::TagScope::kIntrinsic) == 0);  // the frontend lists those

  querier::TagValuesRequest vr;
  vr.tag = "resource.service.name";
  querier::TagValuesResult vals;
  REQUIRE(f.q->search_tag_values("t1", vr, &vals).is_ok());
  std::vector<std::string> names;
  for (const auto& v : vals.values) {
    CHECK(v.type == "string");
    names.push_back(v.value);
  }
  CHECK(names == std::vector<std::string>{"auth", "cart", "db", "email", "frontend", "payment"});

  vr.query = "{ status = error }";
  vals = {};
  REQUIRE(f.q->search_tag_values("t1", vr, &vals).is_ok());
  names.clear();
  for (const auto& v : vals.values) names.push_back(v.value);
  CHECK(names == std::vector<std::string>{"db", "payment"});

  vr.tag = "span.http.status_code";
  vr.query.clear();
  vals = {};
  REQUIRE(f.q->search_tag_values("t1", vr, &vals).is_ok());
  REQUIRE(vals.values.size() == 2);
  CHECK(vals.values[0] == querier::TagValue{"int", "200"});
  CHECK(vals.values[1] == querier::TagValue{"int", "500"});

  vr.tag = "status";
  vals = {};
  REQUIRE(f.q->search_tag_values("t1", vr, &vals).is_ok());
  std::set<std::string> statuses;
  for (const auto& v : vals.values) statuses.insert(v.value);
  CHECK(statuses == std::set<std::string>{"error", "ok", "unset"});
}

TEST_CASE("search: past querier.search.query_timeout a search fails with 503 and the reason") {
  Fixture f;
  f.push(engine_testing::dataset());
  f.q->set_search_timeout(std::chrono::nanoseconds(1));
  querier::SearchRequest req;
  querier::SearchResult res;
  Status s = f.q->search("t1", req, &res);
  CHECK(s.is(Status::Code::kUnavailable));
  CHECK(s.message().find("querier.search.query_timeout") != std::string::npos);
  f.q->set_search_timeout(std::chrono::seconds(30));
  res = {};
  REQUIRE(f.q->search("t1", req, &res).is_ok());
  CHECK(res.traces.size() == 3);
}

namespace {

// Trace `n` of the live-cache test: one span named "s<n>-0" under service "svc".
std::pair<TraceId, opentelemetry::proto::trace::v1::TracesData> small_trace(uint32_t n, int span) {
  TraceId id;
  id.bytes[0] = 0x77;
  id.bytes[12] = static_cast<uint8_t>(n >> 24);
  id.bytes[13] = static_cast<uint8_t>(n >> 16);
  id.bytes[14] = static_cast<uint8_t>(n >> 8);
  id.bytes[15] = static_cast<uint8_t>(n);
  opentelemetry::proto::trace::v1::TracesData d;
  auto* rs = d.add_resource_spans();
  auto* a = rs->mutable_resource()->add_attributes();
  a->set_key("service.name");
  a->mutable_value()->set_string_value("svc");
  auto* sp = rs->add_scope_spans()->add_spans();
  sp->set_trace_id(std::string(id.view()));
  sp->set_span_id(engine_testing::sid((uint64_t{n} << 8) | static_cast<uint64_t>(span + 1)));
  sp->set_name("s" + std::to_string(n) + "-" + std::to_string(span));
  sp->set_start_time_unix_nano(engine_testing::kBase + span);
  sp->set_end_time_unix_nano(engine_testing::kBase + span + 1000);
  return {id, std::move(d)};
}

}  // namespace

TEST_CASE("live search cache: traces that grow after being cached come back whole, once") {
  Fixture f;
  const uint32_t n = 600;  // more than one kept chunk (ingester/live_tables.h)
  std::vector<std::pair<TraceId, opentelemetry::proto::trace::v1::TracesData>> batch;
  for (uint32_t i = 0; i < n; ++i) batch.push_back(small_trace(i, 0));
  f.push(batch);
  querier::SearchRequest req;
  req.query = "{ resource.service.name = \"svc\" }";
  req.limit = 0;  // all
  req.spans_per_spanset = 0;
  querier::SearchResult res;
  REQUIRE(f.q->search("t1", req, &res).is_ok());
  REQUIRE(res.traces.size() == n);

  // Grow every second trace (more than half of each cached chunk goes stale for some, so
  // both the skip path and the drop-and-rebuild path run), then a few more.
  for (int round = 1; round <= 2; ++round) {
    batch.clear();
    for (uint32_t i = 0; i < n; i += (round == 1 ? 2 : 7)) batch.push_back(small_trace(i, round));
    f.push(batch);
    res = {};
    REQUIRE(f.q->search("t1", req, &res).is_ok());
    REQUIRE(res.traces.size() == n);
    for (const auto& t : res.traces) {
      uint32_t i = (uint32_t{t.id.bytes[14]} << 8) | t.id.bytes[15];
      size_t want = 1 + (i % 2 == 0 ? 1 : 0) + (round == 2 && i % 7 == 0 ? 1 : 0);
      size_t got = 0;
      for (const auto& ss : t.spansets) got += ss.matched;
      INFO("trace " << i << " round " << round);
      REQUIRE(t.spansets.size() == 1);
      CHECK(got == want);
    }
  }
}
