// The TraceQL metrics endpoints' parameters and bodies: Tempo's time formats, defaults, limits
// and 400 messages, and the JSON shape of a query_range answer.

#include "frontend/metrics_params.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>

#include "frontend/metrics_encoding.h"
#include "tempopb/tempo.pb.h"

using namespace tempo;
using namespace tempo::frontend;

namespace {

constexpr uint64_t kS = 1000000000ULL;
constexpr uint64_t kNow = 1700000000ULL * kS;

Status parse_range(const QueryParams& p, querier::MetricsQueryRequest* out,
                   const MetricsLimits& limits = {}) {
  return parse_query_range_params(p, limits, kNow, out);
}

}  // namespace

TEST_CASE("metrics params: timestamps in every form Tempo takes") {
  uint64_t ns = 0;
  REQUIRE(parse_timestamp("1700000000", &ns).is_ok());
  CHECK(ns == 1700000000ULL * kS);
  REQUIRE(parse_timestamp("1700000000123456789", &ns).is_ok());
  CHECK(ns == 1700000000123456789ULL);
  REQUIRE(parse_timestamp("1700000000.5", &ns).is_ok());
  CHECK(ns == 1700000000ULL * kS + 500000000ULL);
  REQUIRE(parse_timestamp("2023-11-14T22:13:20Z", &ns).is_ok());
  CHECK(ns == 1700000000ULL * kS);
  REQUIRE(parse_timestamp("2023-11-15T00:13:20.25+02:00", &ns).is_ok());
  CHECK(ns == 1700000000ULL * kS + 250000000ULL);
  CHECK(parse_timestamp("yesterday", &ns).is(Status::Code::kInvalidArgument));
  REQUIRE(parse_step("15", &ns).is_ok());
  CHECK(ns == 15 * kS);
  REQUIRE(parse_step("0.5", &ns).is_ok());
  CHECK(ns == kS / 2);
  REQUIRE(parse_step("1m30s", &ns).is_ok());
  CHECK(ns == 90 * kS);
  CHECK(parse_step("-5s", &ns).message().find("step must be positive") != std::string::npos);
  CHECK(parse_step("fast", &ns).message() == "cannot parse \"fast\" to a valid duration");
}

TEST_CASE("metrics params: defaults for range, step and exemplars") {
  querier::MetricsQueryRequest r;
  REQUIRE(parse_range({{"q", "{ } | rate()"}}, &r).is_ok());
  CHECK(r.end_ns == kNow);
  CHECK(r.start_ns == kNow - 3600 * kS);  // since defaults to 1h
  CHECK(r.step_ns == 15 * kS);            // 1h / 240 points
  CHECK(r.exemplars == 100);              // max_exemplars when not asked
  CHECK_FALSE(r.instant);

  REQUIRE(parse_range(
              {{"query", "{ } | rate()"}, {"since", "2h"}, {"step", "1m"}, {"exemplars", "5"}}, &r)
              .is_ok());
  CHECK(r.query == "{ } | rate()");
  CHECK(r.start_ns == kNow - 7200 * kS);
  CHECK(r.step_ns == 60 * kS);
  CHECK(r.exemplars == 5);
  // The query's hint wins over the parameter; a request never exceeds max_exemplars.
  REQUIRE(parse_range({{"q", "{ } | rate() with(exemplars=3)"}, {"exemplars", "50"}}, &r).is_ok());
  CHECK(r.exemplars == 3);
  REQUIRE(parse_range({{"q", "{ } | rate() with(exemplars=false)"}}, &r).is_ok());
  CHECK(r.exemplars == 0);
  REQUIRE(parse_range({{"q", "{ } | rate()"}, {"exemplars", "5000"}}, &r).is_ok());
  CHECK(r.exemplars == 100);

  querier::MetricsQueryRequest i;
  REQUIRE(parse_query_instant_params(
              {{"q", "{ } | rate()"}, {"start", "1699999000"}, {"end", "1700000000"}}, {}, kNow, &i)
              .is_ok());
  CHECK(i.instant);
  CHECK(i.step_ns == 1000 * kS);
  CHECK(i.exemplars == 0);
}

TEST_CASE("metrics params: bad requests get Tempo's 400 messages") {
  querier::MetricsQueryRequest r;
  MetricsLimits limits;
  auto msg = [&](const QueryParams& p) {
    Status s = parse_range(p, &r, limits);
    CHECK(s.is(Status::Code::kInvalidArgument));
    return s.message();
  };
  CHECK(msg({{"q", "{ } | rate()"}, {"start", "1700000000"}, {"end", "1699999999"}}) ==
        "end must be greater than start");
  CHECK(msg({{"q", "{ } | rate()"}, {"since", "48h"}}) ==
        "metrics query time range exceeds the maximum allowed duration of 24h0m0s");
  CHECK(msg({{"q", "{ } | rate()"}, {"step", "0.1"}}) ==
        "step of 100ms is too small, minimum step for given range is 360ms");
  CHECK(msg({{"q", "{ } | rate()"}, {"start", "soon"}}).find("could not parse 'start' parameter") ==
        0);
  CHECK(msg({{"q", "{ } | rate()"}, {"since", "a while"}}).find("could not parse 'since'") == 0);
  CHECK(msg({{"q", "{ } | rate( by"}}).find("parse error") == 0);
  CHECK(msg({{"q", "{ .a = 1 }"}}).find("not a metrics query") == 0);
  CHECK(msg({}).find("query is required") == 0);
  CHECK(msg({{"q", "{ } | rate() | topk(0)"}}).find("0") != std::string::npos);
  limits.max_query_bytes = 5;
  CHECK(msg({{"q", "{ } | rate()"}}).find("exceeds the configured maximum size") !=
        std::string::npos);
  limits = {};
  limits.max_duration = std::chrono::nanoseconds(0);  // unlimited
  limits.max_intervals = 0;
  CHECK(parse_range({{"q", "{ } | rate()"}, {"since", "48h"}, {"step", "1s"}}, &r, limits).is_ok());

  tempopb::QueryRangeRequest pr;
  pr.set_query("{ } | rate()");
  pr.set_start(kNow - 600 * kS);
  pr.set_end(kNow);
  pr.set_step(0);
  REQUIRE(parse_query_range_proto(pr, {}, &r).is_ok());
  CHECK(r.step_ns == 2 * kS);  // the default for 10 minutes
  pr.set_end(pr.start());
  CHECK(parse_query_range_proto(pr, {}, &r).message() == "end must be greater than start");
}

TEST_CASE("metrics encoding: Tempo's query_range JSON, samples only where there are values") {
  querier::MetricsQueryResult res;
  res.request.start_ns = 1000 * kS;
  res.request.end_ns = 1030 * kS;
  res.request.step_ns = 10 * kS;
  traceql::MetricsSeries s;
  traceql::LabelValue v;
  v.s = "api";
  s.labels.push_back({"resource.service.name", v});
  s.values = {0.5, std::nan(""), 0};
  traceql::MetricsExemplar e;
  e.timestamp_ms = 1005000;
  e.value = 0.25;
  traceql::LabelValue id;
  id.s = "0102";
  e.labels.push_back({"trace:id", id});
  s.exemplars.push_back(e);
  res.series.push_back(s);
  res.metrics.inspected_spans = 7;
  res.metrics.total_jobs = 2;
  tempopb::QueryRangeResponse pb;
  to_proto(res, &pb);
  auto j = nlohmann::json::parse(to_json(pb));
  REQUIRE(j["series"].size() == 1);
  const auto& js = j["series"][0];
  CHECK(js["labels"][0]["key"] == "resource.service.name");
  CHECK(js["labels"][0]["value"]["stringValue"] == "api");
  REQUIRE(js["samples"].size() == 2);
  CHECK(js["samples"][0]["timestampMs"] == "1010000");
  CHECK(js["samples"][0]["value"] == 0.5);
  CHECK(js["samples"][1]["timestampMs"] == "1030000");
  CHECK_FALSE(js["samples"][1].contains("value"));  // zero is left out, as Tempo's jsonpb does
  CHECK(js["exemplars"][0]["timestampMs"] == "1005000");
  CHECK(js["exemplars"][0]["value"] == 0.25);
  CHECK(js["exemplars"][0]["labels"][0]["key"] == "trace:id");
  CHECK(j["metrics"]["inspectedSpans"] == "7");
  CHECK(j["metrics"]["totalJobs"] == 2);

  tempopb::QueryRangeResponse empty;
  to_proto(querier::MetricsQueryResult{}, &empty);
  CHECK(to_json(empty) == "{\"series\":[],\"metrics\":{}}");

  res.request.instant = true;
  res.partial = true;
  res.message = "too many";
  tempopb::QueryInstantResponse inst;
  to_proto(res, &inst);
  auto ji = nlohmann::json::parse(to_json(inst));
  CHECK(ji["series"][0]["value"] == 0.5);
  CHECK(ji["status"] == "PARTIAL");
  CHECK(ji["message"] == "too many");
}
