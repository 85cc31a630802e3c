// The metrics generator end to end: traces sent over OTLP to the real binary, the span metrics
// and service graph series read back from its own /metrics
// (metrics_generator.registry.expose_on_metrics_endpoint) with exact values.

#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <sstream>
#include <thread>

#include "harness.h"

using namespace tempo;
using namespace tempo::e2e;

namespace {

using opentelemetry::proto::trace::v1::Span;

constexpr uint64_t kMs = 1000000ULL;

void add(ExportTraceServiceRequest* req, const std::string& service, const std::string& name,
         Span::SpanKind kind, uint64_t start_ms, uint64_t dur_ms, const std::string& trace,
         const std::string& span, const std::string& parent,
         std::vector<std::pair<std::string, std::string>> attrs = {}, bool error = false) {
  auto* rs = req->add_resource_spans();
  auto* kv = rs->mutable_resource()->add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value(service);
  auto* s = rs->add_scope_spans()->add_spans();
  s->set_name(name);
  s->set_kind(kind);
  const uint64_t base = 1700000000000ULL * kMs;
  s->set_start_time_unix_nano(base + start_ms * kMs);
  s->set_end_time_unix_nano(base + (start_ms + dur_ms) * kMs);
  s->set_trace_id(trace);
  s->set_span_id(span);
  s->set_parent_span_id(parent);
  for (auto& [k, v] : attrs) {
    auto* a = s->add_attributes();
    a->set_key(k);
    a->mutable_value()->set_string_value(v);
  }
  if (error)
    s->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
}

// One request of frontend -> backend (backend fails) -> database, trace ID bytes all `t`.
ExportTraceServiceRequest request_of(uint8_t t) {
  const std::string trace(16, static_cast<char>(t));
  auto id = [t](uint8_t n) {
    std::string s(8, static_cast<char>(t));
    s[7] = static_cast<char>(n);
    return s;
  };
  ExportTraceServiceRequest req;
  add(&req, "frontend", "GET /checkout", Span::SPAN_KIND_SERVER, 0, 400, trace, id(1), "");
  add(&req, "frontend", "POST /pay", Span::SPAN_KIND_CLIENT, 10, 300, trace, id(2), id(1),
      {{"http.method", "POST"}});
  add(&req, "backend", "pay", Span::SPAN_KIND_SERVER, 20, 250, trace, id(3), id(2),
      {{"http.method", "POST"}}, /*error=*/true);
  add(&req, "backend", "INSERT", Span::SPAN_KIND_CLIENT, 30, 50, trace, id(4), id(3),
      {{"db.system", "postgresql"}, {"db.name", "payments"}});
  return req;
}

// GET /metrics as {series: value}, generated series without __metrics_gen_instance, source
// and tenant.
std::map<std::string, double> scrape(TempoServer& s) {
  std::map<std::string, double> out;
  std::istringstream in(s.get("/metrics").body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto sp = line.rfind(' ');
    std::string series = line.substr(0, sp);
    if (series.rfind("traces_", 0) == 0) {
      // Every generated series carries the instance, the external label and the tenant;
      // checked here and left out of the keys.
      auto inst = series.find("__metrics_gen_instance=\"");
      REQUIRE(inst != std::string::npos);
      auto end = series.find('"', inst + 24);
      series.erase(inst, end - inst + 2);  // the label, its closing quote and the comma
      for (const std::string label : {",source=\"tempo\"", ",tenant=\"single-tenant\""}) {
        auto at = series.find(label);
        INFO(series);
        REQUIRE(at != std::string::npos);
        series.erase(at, label.size());
      }
    }
    out[series] = std::stod(line.substr(sp + 1));
  }
  return out;
}

// Polls /metrics until `series` has `want` (collections run every second), up to a generous
// bound; returns the last scrape.
std::map<std::string, double> await(TempoServer& s, const std::string& series, double want) {
  std::map<std::string, double> m;
  for (int i = 0; i < 300; ++i) {
    m = scrape(s);
    auto it = m.find(series);
    if (it != m.end() && it->second == want) return m;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return m;
}

}  // namespace

TEST_CASE("metrics generator: span metrics and service graphs from OTLP, exposed on /metrics") {
  ServerOptions o;
  o.overrides_extra = "    metrics_generator:\n      processors: [span-metrics, service-graphs]\n";
  o.top_extra =
      "metrics_generator:\n"
      "  registry:\n"
      "    collection_interval: 1s\n"
      "    external_labels: {source: tempo}\n"
      "    expose_on_metrics_endpoint: true\n"
      "  processor:\n"
      "    span_metrics:\n"
      "      histogram_buckets: [0.1, 0.3]\n"
      "      dimensions: [http.method]\n"
      "    service_graphs:\n"
      "      histogram_buckets: [0.1, 0.3]\n"
      "      wait: 2s\n";
  TempoServer s(o);
  s.start();
  REQUIRE(s.export_grpc(request_of(0x11)).ok());
  REQUIRE(s.export_grpc(request_of(0x22)).ok());

  const std::string t;  // source and tenant: checked on every series by scrape()
  const std::string pay_server =
      "{http_method=\"POST\",service=\"backend\",span_kind=\"SPAN_KIND_SERVER\",span_name=\"pay\","
      "status_code=\"STATUS_CODE_ERROR\"" +
      t + "}";
  // The root span of each trace pairs with "user" once `wait` (2s) has passed: wait for that.
  const std::string user_edge =
      "traces_service_graph_request_total{client=\"user\",connection_type=\"virtual_node\","
      "server=\"frontend\"" +
      t + "}";
  auto m = await(s, user_edge, 2);
  INFO(s.log());
  CHECK(m[user_edge] == 2);
  CHECK(m["traces_spanmetrics_calls_total" + pay_server] == 2);
  CHECK(m["traces_spanmetrics_latency_count" + pay_server] == 2);
  CHECK(m["traces_spanmetrics_latency_sum" + pay_server] == Approx(0.5));
  CHECK(m["traces_spanmetrics_latency_bucket{http_method=\"POST\",le=\"0.1\",service=\"backend\","
          "span_kind=\"SPAN_KIND_SERVER\",span_name=\"pay\",status_code=\"STATUS_CODE_ERROR\"" +
          t + "}"] == 0);
  CHECK(m["traces_spanmetrics_latency_bucket{http_method=\"POST\",le=\"0.3\",service=\"backend\","
          "span_kind=\"SPAN_KIND_SERVER\",span_name=\"pay\",status_code=\"STATUS_CODE_ERROR\"" +
          t + "}"] == 2);
  CHECK(m["traces_spanmetrics_calls_total{service=\"frontend\",span_kind=\"SPAN_KIND_SERVER\","
          "span_name=\"GET /checkout\",status_code=\"STATUS_CODE_UNSET\"" +
          t + "}"] == 2);
  int spanmetric_calls_series = 0;
  for (const auto& [k, v] : m) {
    if (k.rfind("traces_spanmetrics_calls_total{", 0) == 0) {
      ++spanmetric_calls_series;
      CHECK(v == 2);
    }
  }
  CHECK(spanmetric_calls_series == 4);

  const std::string edge = "{client=\"frontend\",server=\"backend\"" + t + "}";
  CHECK(m["traces_service_graph_request_total" + edge] == 2);
  CHECK(m["traces_service_graph_request_failed_total" + edge] == 2);
  CHECK(m["traces_service_graph_request_server_seconds_sum" + edge] == Approx(0.5));
  CHECK(m["traces_service_graph_request_client_seconds_sum" + edge] == Approx(0.6));
  CHECK(m["traces_service_graph_request_client_seconds_bucket{client=\"frontend\",le=\"0.3\","
          "server=\"backend\"" +
          t + "}"] == 2);
  CHECK(m["traces_service_graph_request_server_seconds_bucket{client=\"frontend\",le=\"0.1\","
          "server=\"backend\"" +
          t + "}"] == 0);
  const std::string db =
      "{client=\"backend\",connection_type=\"database\",server=\"payments\"" + t + "}";
  CHECK(m["traces_service_graph_request_total" + db] == 2);
  CHECK(m.count("traces_service_graph_request_failed_total" + db) == 0);
  // Everything paired: nothing unpaired or dropped.
  for (const auto& [k, v] : m) {
    CHECK(k.rfind("traces_service_graph_unpaired_spans_total", 0) != 0);
    CHECK(k.rfind("traces_service_graph_dropped_spans_total", 0) != 0);
  }
  CHECK(m["tempo_metrics_generator_spans_received_total{tenant=\"single-tenant\"}"] == 8);

  // A third request adds to the same series.
  REQUIRE(s.export_grpc(request_of(0x33)).ok());
  m = await(s, user_edge, 3);
  CHECK(m[user_edge] == 3);
  CHECK(m["traces_spanmetrics_calls_total" + pay_server] == 3);
  CHECK(m["traces_service_graph_request_total" + edge] == 3);
  CHECK(s.stop() == 0);
}

TEST_CASE(
    "metrics generator: off unless a processor is enabled, and then /metrics has none of its "
    "series") {
  ServerOptions o;
  o.top_extra =
      "metrics_generator:\n  registry:\n    collection_interval: 1s\n"
      "    expose_on_metrics_endpoint: true\n";
  TempoServer s(o);
  s.start();
  REQUIRE(s.export_grpc(request_of(0x44)).ok());
  // The span is stored (the ingest path is unaffected) ...
  std::string hex(32, '4');
  CHECK(s.get("/api/traces/" + hex).status == 200);
  // Long enough for a generator to take the span (its thread does at once) and for a 1 s
  // collection to run. Off means the span never reached one: no received count for any
  // tenant, and no generated series.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const std::string body = s.get("/metrics").body;
  CHECK(body.find("tempo_metrics_generator_spans_received_total{") == std::string::npos);
  CHECK(body.find("traces_spanmetrics") == std::string::npos);
  CHECK(body.find("traces_service_graph") == std::string::npos);
  CHECK(s.stop() == 0);
}
