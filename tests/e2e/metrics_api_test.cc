// TraceQL metrics as Grafana's Tempo data source calls them: GET /api/metrics/query_range and
// /api/metrics/query on the real binary, in JSON and protobuf, before and after a flush, and
// the StreamingQuerier's MetricsQueryRange over gRPC.
//
// The spans of make_request start at 1700000000 s (span 0) and 1 µs apart. With start =
// 1699999000, end = 1700001000 and step = 1000 s, alignment adds one step in front: the
// intervals end at 1699999000, 1700000000 (span 0 exactly) and 1700001000 (the others).

#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>

#include "harness.h"
#include "tempo/server/http_server.h"
#include "tempopb/tempo.grpc.pb.h"

using namespace tempo;
using namespace tempo::e2e;
using nlohmann::json;

namespace {

const std::string kRange = "&start=1699999000&end=1700001000&step=1000";

std::string body_text(std::string b) {
  while (!b.empty() && (b.back() == '\n' || b.back() == ' ')) b.pop_back();
  return b;
}

// service -> [(timestampMs, value)], from a query_range JSON body.
std::map<std::string, std::vector<std::pair<std::string, double>>> samples_by_service(
    const json& j) {
  std::map<std::string, std::vector<std::pair<std::string, double>>> out;
  for (const auto& s : j.at("series")) {
    REQUIRE(s["labels"].size() == 1);
    CHECK(s["labels"][0]["key"] == "resource.service.name");
    auto& v = out[s["labels"][0]["value"]["stringValue"].get<std::string>()];
    for (const auto& p : s["samples"]) {
      // A zero value is left out of the JSON, as Tempo's jsonpb leaves it out.
      v.emplace_back(p["timestampMs"].get<std::string>(), p.value("value", 0.0));
    }
  }
  return out;
}

void send_data(TempoServer& s, std::string* api_trace) {
  const std::string a = random_trace_hex(), b = random_trace_hex();
  *api_trace = a;
  REQUIRE(s.export_grpc(make_request({a}, 3, "api")).ok());
  REQUIRE(s.export_grpc(make_request({b}, 2, "db")).ok());
}

}  // namespace

TEST_CASE("metrics API: query_range answers exact samples, the same before and after a flush") {
  TempoServer s;
  s.start();
  std::string api_trace;
  send_data(s, &api_trace);
  using Samples = std::vector<std::pair<std::string, double>>;
  for (bool flushed : {false, true}) {
    INFO("after flush " << flushed);
    if (flushed) REQUIRE(s.post("/flush").status == 204);
    auto res = s.get("/api/metrics/query_range?q=" +
                     server::url_encode("{ } | count_over_time() by (resource.service.name)") +
                     kRange + "&exemplars=2");
    REQUIRE(res.status == 200);
    auto j = json::parse(res.body);
    auto got = samples_by_service(j);
    CHECK(got["api"] == Samples{{"1699999000000", 0}, {"1700000000000", 1}, {"1700001000000", 2}});
    CHECK(got["db"] == Samples{{"1699999000000", 0}, {"1700000000000", 1}, {"1700001000000", 1}});
    CHECK(got.size() == 2);
    CHECK(j["metrics"]["inspectedSpans"] == "5");
    // Exemplars: the two earliest spans of each series, with their trace and span IDs.
    for (const auto& series : j["series"]) {
      if (series["labels"][0]["value"]["stringValue"] != "api") continue;
      REQUIRE(series["exemplars"].size() == 2);
      const auto& e = series["exemplars"][0];
      CHECK(e["timestampMs"] == "1700000000000");
      bool trace_found = false;
      for (const auto& l : e["labels"]) {
        if (l["key"] == "trace:id") trace_found = l["value"]["stringValue"] == api_trace;
      }
      CHECK(trace_found);
    }

    auto rate = s.get("/api/metrics/query_range?q=" +
                      server::url_encode("{ resource.service.name = \"api\" } | rate()") + kRange);
    REQUIRE(rate.status == 200);
    auto jr = json::parse(rate.body);
    REQUIRE(jr["series"].size() == 1);
    CHECK(jr["series"][0]["labels"][0]["key"] == "__name__");
    CHECK(jr["series"][0]["labels"][0]["value"]["stringValue"] == "rate");
    REQUIRE(jr["series"][0]["samples"].size() == 3);
    CHECK(jr["series"][0]["samples"][1]["value"] == 0.001);
    CHECK(jr["series"][0]["samples"][2]["value"] == 0.002);

    // Durations are 500 µs + 7 ns: max in seconds, and the 0.5 quantile's log2 bucket.
    auto max =
        s.get("/api/metrics/query_range?q=" + server::url_encode("{ } | max_over_time(duration)") +
              kRange);
    auto jm = json::parse(max.body);
    REQUIRE(jm["series"].size() == 1);
    REQUIRE(jm["series"][0]["samples"].size() == 2);  // no sample where no span
    CHECK(jm["series"][0]["samples"][0]["value"] == 0.000500007);
    auto q = s.get("/api/metrics/query_range?q=" +
                   server::url_encode("{ } | quantile_over_time(duration, 0.5)") + kRange);
    auto jq = json::parse(q.body);
    REQUIRE(jq["series"].size() == 1);
    CHECK(jq["series"][0]["labels"][0]["key"] == "p");
    CHECK(jq["series"][0]["labels"][0]["value"]["doubleValue"] == 0.5);
    // Two spans in the 2^19 ns bucket: the median interpolates halfway down it, 2^18.5 ns.
    CHECK(jq["series"][0]["samples"][1]["value"].get<double>() ==
          Approx(0.000524288 / std::sqrt(2.0)).epsilon(1e-12));

    // Instant: one value per series over [start, end].
    auto inst = s.get("/api/metrics/query?q=" +
                      server::url_encode("{ } | count_over_time() by (resource.service.name)") +
                      "&start=1699999000&end=1700001000");
    REQUIRE(inst.status == 200);
    auto ji = json::parse(inst.body);
    std::map<std::string, double> values;
    for (const auto& ser : ji["series"]) {
      values[ser["labels"][0]["value"]["stringValue"]] = ser["value"].get<double>();
    }
    CHECK(values == std::map<std::string, double>{{"api", 3}, {"db", 2}});
  }

  // Protobuf when Accept asks for it.
  auto pb = s.get("/api/metrics/query_range?q=" + server::url_encode("{ } | rate()") + kRange,
                  {{"Accept", "application/protobuf"}});
  REQUIRE(pb.status == 200);
  tempopb::QueryRangeResponse msg;
  REQUIRE(msg.ParseFromString(pb.body));
  REQUIRE(msg.series_size() == 1);
  REQUIRE(msg.series(0).samples_size() == 3);
  CHECK(msg.series(0).samples(2).timestamp_ms() == 1700001000000);
  CHECK(msg.series(0).samples(2).value() == 0.003);

  // The streaming service: the last message holds the answer.
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(s.server_grpc_port()),
                                     grpc::InsecureChannelCredentials());
  auto stub = tempopb::StreamingQuerier::NewStub(channel);
  tempopb::QueryRangeRequest req;
  req.set_query("{ } | count_over_time()");
  req.set_start(1699999000ULL * 1000000000ULL);
  req.set_end(1700001000ULL * 1000000000ULL);
  req.set_step(1000ULL * 1000000000ULL);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto reader = stub->MetricsQueryRange(&ctx, req);
  tempopb::QueryRangeResponse r, last;
  int messages = 0;
  while (reader->Read(&r)) {
    last = r;
    ++messages;
  }
  REQUIRE(reader->Finish().ok());
  REQUIRE(messages >= 1);
  REQUIRE(last.series_size() == 1);
  REQUIRE(last.series(0).samples_size() == 3);
  CHECK(last.series(0).samples(1).value() == 2);
  CHECK(last.series(0).samples(2).value() == 3);

  tempopb::QueryInstantRequest ireq;
  ireq.set_query("{ } | count_over_time()");
  ireq.set_start(req.start());
  ireq.set_end(req.end());
  grpc::ClientContext ictx;
  ictx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto ireader = stub->MetricsQueryInstant(&ictx, ireq);
  tempopb::QueryInstantResponse ir, ilast;
  while (ireader->Read(&ir)) ilast = ir;
  REQUIRE(ireader->Finish().ok());
  REQUIRE(ilast.series_size() == 1);
  CHECK(ilast.series(0).value() == 5);

  tempopb::QueryRangeRequest bad = req;
  bad.set_query("{ } | rate( by");
  grpc::ClientContext bctx;
  auto breader = stub->MetricsQueryRange(&bctx, bad);
  while (breader->Read(&r)) {
  }
  auto st = breader->Finish();
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("metrics API: bad requests answer 400 with the reason") {
  TempoServer s;
  s.start();
  struct Case {
    std::string target;
    std::string message;
  };
  const Case cases[] = {
      {"/api/metrics/query_range?q=" + server::url_encode("{ } | rate()") +
           "&start=1700001000&end=1699999000",
       "end must be greater than start"},
      {"/api/metrics/query_range?q=" + server::url_encode("{ } | rate()") +
           "&start=1600000000&end=1700000000",
       "metrics query time range exceeds the maximum allowed duration of 24h0m0s"},
      {"/api/metrics/query_range?q=" + server::url_encode("{ } | rate()") +
           "&start=1699999000&end=1700019000&step=0.01",
       "step of 10ms is too small, minimum step for given range is 2s"},
      {"/api/metrics/query_range?q=" + server::url_encode("{ } | rate()") + "&step=soon",
       "cannot parse \"soon\" to a valid duration"},
      {"/api/metrics/query_range?q=" + server::url_encode("{ .a = 1 }") + kRange,
       "not a metrics query: add a metrics function, e.g. { } | rate()"},
      {"/api/metrics/query?q=" + server::url_encode("{ } | rate()") + "&end=yesterday",
       "could not parse 'end' parameter: \"yesterday\" is not unix seconds, unix nanoseconds or "
       "RFC 3339"},
  };
  for (const auto& c : cases) {
    INFO(c.target);
    auto res = s.get(c.target);
    CHECK(res.status == 400);
    CHECK(body_text(res.body) == c.message);
  }
  auto syntax =
      s.get("/api/metrics/query_range?q=" + server::url_encode("{ } | rate( by") + kRange);
  CHECK(syntax.status == 400);
  CHECK(syntax.body.find("parse error at line 1") == 0);
  auto metrics = s.get("/metrics").body;
  CHECK(metrics.find("tempo_query_frontend_queries_total{op=\"metrics\",result=\"failed\","
                     "tenant=\"single-tenant\"}") != std::string::npos);
}
