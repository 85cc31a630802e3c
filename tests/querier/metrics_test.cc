// TraceQL metrics through the querier with the real ingester: the same series from the WAL
// (just acknowledged) and from backend blocks (after a flush), and from a block split into many
// jobs. The dataset and its intervals are tests/traceql/metrics_test.cc's.

#include <catch2/catch.hpp>
#include <cmath>

#include "querier/querier_fixture.h"

using namespace tempo;
using engine_testing::kBase;

namespace {

constexpr uint64_t kS = 1000000000ULL;

const char* const kQueries[] = {
    "{ } | rate()",
    "{ } | rate() by (resource.service.name)",
    "{ } | count_over_time() by (name)",
    "{ } | sum_over_time(duration) by (resource.service.name)",
    "{ } | avg_over_time(duration)",
    "{ } | min_over_time(duration) by (kind)",
    "{ } | max_over_time(duration)",
    "{ } | quantile_over_time(duration, 0.5, 0.9)",
    "{ } | histogram_over_time(duration)",
    "{ } | compare({ status = error })",
    "{ status = error } | count_over_time() by (resource.service.name) | topk(1)",
};

querier::MetricsQueryRequest request(const std::string& query) {
  querier::MetricsQueryRequest r;
  r.query = query;
  r.start_ns = kBase;
  r.end_ns = kBase + 30 * kS;
  r.step_ns = 10 * kS;
  r.exemplars = 3;
  return r;
}

// Labels, values (NaN as "none") and exemplars, as text: equal text, equal answer.
std::string dump(const querier::MetricsQueryResult& r) {
  std::string out;
  for (const auto& s : r.series) {
    for (const auto& l : s.labels) out += l.name + "=" + l.value.to_text() + ",";
    out += " :";
    for (double v : s.values) out += " " + (std::isnan(v) ? std::string("-") : std::to_string(v));
    for (const auto& e : s.exemplars) {
      out += " ex(" + std::to_string(e.timestamp_ms);
      for (const auto& l : e.labels) out += " " + l.value.s;
      out += ")";
    }
    out += "\n";
  }
  return out;
}

querier::MetricsQueryResult run(querier::Querier& q, const querier::MetricsQueryRequest& req) {
  querier::MetricsQueryResult res;
  Status s = q.metrics_query("t1", req, &res);
  INFO(req.query << ": " << s.to_string());
  REQUIRE(s.is_ok());
  return res;
}

}  // namespace

TEST_CASE("metrics queries answer the same from the WAL and from blocks") {
  querier_testing::QuerierFixture f;
  f.push(engine_testing::dataset());
  std::map<std::string, std::string> live;
  for (const char* query : kQueries) {
    auto res = run(*f.q, request(query));
    CHECK_FALSE(res.series.empty());
    live[query] = dump(res);
  }
  // The answer of one query, exactly: the spans per service per 10 s over 10 s.
  auto rate = run(*f.q, request("{ } | rate() by (resource.service.name)"));
  REQUIRE(rate.series.size() == 6);
  CHECK(rate.series[5].labels[0].value.s == "payment");
  CHECK(rate.series[5].values == std::vector<double>{0, 0.1, 0.1, 0});
  CHECK(rate.request.start_ns == kBase - 10 * kS);  // aligned, one step earlier
  CHECK(rate.metrics.inspected_spans == 7);

  REQUIRE(f.ing->flush().is_ok());
  REQUIRE(f.blocks.metas("t1").size() == 1);
  for (const char* query : kQueries) {
    INFO("from blocks: " << query);
    auto res = run(*f.q, request(query));
    CHECK(dump(res) == live[query]);
    CHECK(res.metrics.total_blocks == 1);
  }
}

TEST_CASE("metrics: a block split into many jobs answers as one job") {
  querier_testing::QuerierFixture f(2);  // two spans per row group: many groups
  f.push(engine_testing::dataset());
  REQUIRE(f.ing->flush().is_ok());
  std::map<std::string, std::string> whole;
  for (const char* query : kQueries) whole[query] = dump(run(*f.q, request(query)));
  f.q->set_target_bytes_per_job(1);
  for (const char* query : kQueries) {
    INFO(query);
    auto res = run(*f.q, request(query));
    CHECK(res.metrics.total_jobs > 1);
    CHECK(dump(res) == whole[query]);
  }
}

TEST_CASE("metrics with progress: the last snapshot is the result") {
  querier_testing::QuerierFixture f;
  f.push(engine_testing::dataset());
  querier::MetricsProgress progress;
  std::vector<std::string> snapshots;
  progress.update = [&](const querier::MetricsQueryResult& r) {
    snapshots.push_back(dump(r));
    return Status::ok();
  };
  querier::MetricsQueryResult res;
  REQUIRE(f.q->metrics_query("t1", request("{ } | rate() by (name)"), &res, &progress).is_ok());
  REQUIRE_FALSE(snapshots.empty());
  CHECK(snapshots.back() == dump(res));
  CHECK(res.series.size() == 7);
}

TEST_CASE("metrics: max_series and the cell cap stop with a partial answer, bad requests are refused") {
  querier_testing::QuerierFixture f;
  f.push(engine_testing::dataset());
  auto req = request("{ } | count_over_time() by (name)");
  req.max_series = 2;
  auto res = run(*f.q, req);
  CHECK(res.partial);
  CHECK(res.series.size() == 2);
  CHECK(res.message.find("maximum series limit of 2") != std::string::npos);

  // Series times intervals beyond the querier's cap: stopped, partial, the reason given.
  f.q->set_max_metrics_cells(10);
  auto big = run(*f.q, request("{ } | count_over_time() by (name)"));  // 7 series x 4 intervals
  CHECK(big.partial);
  CHECK(big.message.find("series times intervals") != std::string::npos);
  auto small = run(*f.q, request("{ } | count_over_time()"));  // 1 series x 4 intervals
  CHECK_FALSE(small.partial);
  f.q->set_max_metrics_cells(querier::Querier::kDefaultMaxMetricsCells);

  querier::MetricsQueryResult out;
  Status s = f.q->metrics_query("t1", request("{ } | rate( by"), &out);
  CHECK(s.is(Status::Code::kInvalidArgument));
  s = f.q->metrics_query("t1", request("{ .a = 1 }"), &out);
  CHECK(s.is(Status::Code::kInvalidArgument));
  auto back = request("{ } | rate()");
  back.end_ns = back.start_ns;
  s = f.q->metrics_query("t1", back, &out);
  CHECK(s.message() == "end must be greater than start");
}
