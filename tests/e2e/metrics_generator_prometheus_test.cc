// The whole metrics pipeline with a real Prometheus: OTLP traces into the real
// binary, the generator's span metrics and service graph series remote-written
// to Debian's Prometheus, and read back through Prometheus's query API with
// exact values, also for what was collected while Prometheus was down (queued
// on disk under metrics_generator.storage.path, sent once it is back on the
// same port and TSDB).


#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "generator/prometheus_process.h"
#include "harness.h"
#include "testing/free_port.h"

using namespace tempo;
using namespace tempo::e2e;

namespace {

using opentelemetry::proto::trace::v1::Span;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void add_span(ExportTraceServiceRequest *req, const std::string &service, Span::SpanKind kind,
              const std::string &trace, const std::string &span, const std::string &parent,
              bool error) {
  auto *rs = req->add_resource_spans();
  auto *kv = rs->mutable_resource()->add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value(service);
  auto *s = rs->add_scope_spans()->add_spans();
  s->set_name("GET /x");
  s->set_kind(kind);
  // Recent start times, so no ingestion time window of the generator can drop
  // them.
  const uint64_t start = static_cast<uint64_t>(now_ms() - 1000) * 1000000ULL;
  s->set_start_time_unix_nano(start);
  s->set_end_time_unix_nano(start + 20000000ULL);
  s->set_trace_id(trace);
  s->set_span_id(span);
  s->set_parent_span_id(parent);
  if (error) {
    s->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  }
}

// `traces` traces of web (CLIENT, root) -> api (SERVER, "GET /x"), the first
// `errors` of which fail on the server side. Trace IDs are all byte `first +
// i`.
ExportTraceServiceRequest batch(uint8_t first, int traces, int errors) {
  ExportTraceServiceRequest req;
  for (int i = 0; i < traces; ++i) {
    const char t = static_cast<char>(first + i);
    const std::string trace(16, t), client(8, t);
    std::string server = client;
    server[7] = static_cast<char>(server[7] ^ 0x5a);
    add_span(&req, "web", Span::SPAN_KIND_CLIENT, trace, client, "", false);
    add_span(&req, "api", Span::SPAN_KIND_SERVER, trace, server, client, i < errors);
  }
  return req;
}

std::string url_encode(const std::string &s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// The value of an instant PromQL query that yields at most one series; -1 when
// it yields none.
double instant(testing::PrometheusProcess &prom, const std::string &q) {
  auto j = nlohmann::json::parse(prom.get("/api/v1/query?query=" + url_encode(q)));
  REQUIRE(j["status"] == "success");
  REQUIRE(j["data"]["resultType"] == "vector");
  const auto &r = j["data"]["result"];
  if (r.empty()) return -1;
  REQUIRE(r.size() == 1);
  return std::stod(r[0]["value"][1].get<std::string>());
}

// Polls Prometheus (bounded, not a timing assertion) until `q` is `want`; the
// last value.
double await_value(testing::PrometheusProcess &prom, const std::string &q, double want) {
  double got = -1;
  for (int i = 0; i < 600; ++i) {
    got = instant(prom, q);
    if (got == want) return got;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return got;
}

// Every raw sample of the one series `selector` selects over the last hour:
// (ms, value).
std::vector<std::pair<int64_t, double>> raw(testing::PrometheusProcess &prom,
                                            const std::string &selector) {
  const double at = static_cast<double>(now_ms()) / 1000.0 + 60;
  auto j = nlohmann::json::parse(prom.get("/api/v1/query?query=" + url_encode(selector + "[1h]") +
                                          "&time=" + std::to_string(at)));
  REQUIRE(j["status"] == "success");
  REQUIRE(j["data"]["resultType"] == "matrix");
  REQUIRE(j["data"]["result"].size() == 1);
  std::vector<std::pair<int64_t, double>> out;
  for (const auto &v : j["data"]["result"][0]["values"]) {
    out.emplace_back(std::llround(v[0].get<double>() * 1000), std::stod(v[1].get<std::string>()));
  }
  return out;
}

double await_metric_value(TempoServer &s, const std::string &series, double at_least) {
  double got = -1;
  for (int i = 0; i < 600; ++i) {
    got = metric_value(s, series);
    if (got >= at_least) return got;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return got;
}

}  // namespace

TEST_CASE(
    "metrics generator remote-writes span metrics and service graphs to "
    "a real Prometheus, "
    "and what it collected while Prometheus was down arrives after its "
    "restart") {
  if (testing::PrometheusProcess::binary().empty()) {
    FAIL("prometheus is not installed; run scripts/setup.sh");
  }
  testing::TempDir tmp;
  const uint16_t port = testing::free_loopback_port();
  REQUIRE(port != 0);
  testing::PrometheusProcess prom(tmp.path(), port);
  prom.start();

  ServerOptions o;
  o.overrides_extra =
      "    metrics_generator:\n      processors: "
      "[span-metrics, service-graphs]\n";
  o.top_extra =
      "metrics_generator:\n"
      "  registry:\n"
      "    collection_interval: 1s\n"
      "  storage:\n"
      "    path: " +
      tmp.sub("generator") +
      "\n"
      "    remote_write_flush_deadline: 10s\n"
      "    remote_write:\n"
      "      - url: http://127.0.0.1:" +
      std::to_string(port) + "/api/v1/write\n";
  TempoServer s(o);
  s.start();

  const std::string calls = "sum(traces_spanmetrics_calls_total{service=\"api\"})";
  const std::string errors =
      "sum(traces_spanmetrics_calls_total{service="
      "\"api\",status_code=\"STATUS_CODE_ERROR\"})";
  const std::string unset =
      "sum(traces_spanmetrics_calls_total{service="
      "\"api\",status_code=\"STATUS_CODE_UNSET\"})";
  const std::string edge = "sum(traces_service_graph_request_total{client=\"web\",server=\"api\"})";
  const std::string edge_failed =
      "sum(traces_service_graph_request_failed_"
      "total{client=\"web\",server=\"api\"})";
  const std::string received =
      "tempo_metrics_generator_spans_received_total{tenant=\"single-tenant\"}";
  const std::string collections =
      "tempo_metrics_generator_registry_"
      "collections_total{tenant=\"single-tenant\"}";

  // 1. Prometheus up: 6 requests, 2 of them failing in api.
  REQUIRE(s.export_grpc(batch(0x10, 6, 2)).ok());
  {
    INFO(s.log());
    INFO(prom.log_text());
    REQUIRE(await_value(prom, calls, 6) == 6);
    REQUIRE(await_value(prom, edge, 6) == 6);
  }
  CHECK(instant(prom, errors) == 2);
  CHECK(instant(prom, unset) == 4);
  CHECK(await_value(prom, edge_failed, 2) == 2);
  // Only the server spans of api count for it: web's client spans are web's.
  CHECK(instant(prom, "sum(traces_spanmetrics_calls_total{service=\"web\"})") == 6);
  CHECK(instant(prom, "count(traces_spanmetrics_calls_total{service=\"api\"})") == 2);

  // 2. Prometheus goes down; 4 more requests, 1 failing. Once the generator has
  // them and has
  //    collected twice more, their samples can only be in its on-disk queue.
  prom.stop();
  const int64_t down_ms = now_ms();
  REQUIRE(s.export_grpc(batch(0x40, 4, 1)).ok());
  REQUIRE(await_metric_value(s, received, 20) == 20);
  const double c0 = metric_value(s, collections);
  REQUIRE(c0 >= 0);
  REQUIRE(await_metric_value(s, collections, c0 + 2) >= c0 + 2);
  const int64_t up_ms = now_ms();

  // 3. Prometheus back on the same port and TSDB: the totals include the second
  // batch.
  prom.start();
  {
    INFO(s.log());
    INFO(prom.log_text());
    REQUIRE(await_value(prom, calls, 10) == 10);
    REQUIRE(await_value(prom, edge, 10) == 10);
  }
  CHECK(instant(prom, errors) == 3);
  CHECK(instant(prom, unset) == 7);
  CHECK(await_value(prom, edge_failed, 3) == 3);
  CHECK(instant(prom, "sum(traces_spanmetrics_calls_total{service=\"web\"})") == 10);

  // The samples collected while Prometheus was down arrived, stamped with their
  // collection time, and the last of them already counted the second batch.
  auto points = raw(prom,
                    "traces_spanmetrics_calls_total{service=\"api\","
                    "status_code=\"STATUS_CODE_UNSET\"}");
  std::vector<double> while_down;
  for (const auto &[ts, v] : points) {
    if (ts > down_ms && ts < up_ms) while_down.push_back(v);
  }
  INFO("samples: " << points.size() << " while down: " << while_down.size());
  REQUIRE(while_down.size() >= 2);
  CHECK(while_down.back() == 7);
  // A counter: never goes down over the whole run.
  for (size_t i = 1; i < points.size(); ++i) CHECK(points[i].second >= points[i - 1].second);

  CHECK(s.stop() == 0);
  prom.stop();
}
