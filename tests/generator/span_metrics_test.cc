#include "tempo/generator/span_metrics.h"

#include <catch2/catch.hpp>

#include "generator/generator_testing.h"

using namespace tempo;
using namespace tempo::generator;
using namespace tempo::generator::testing;

namespace {

constexpr uint64_t kSec = 1000000000ULL;

std::map<std::string, double> run(const config::SpanMetricsConfig& cfg,
                                  const ExportTraceServiceRequest& req,
                                  SpanMetrics** keep = nullptr, Registry* reg = nullptr) {
  RegistryOptions o;
  o.tenant = "spanmetrics-test";
  Registry local(o);
  Registry& r = reg ? *reg : local;
  std::unique_ptr<SpanMetrics> p;
  Status s = SpanMetrics::create(cfg, {}, r, &p);
  REQUIRE(s.is_ok());
  r.set_now(1000);
  p->push(req);
  if (keep) *keep = nullptr;
  std::vector<Sample> out;
  r.collect(2000, &out);
  return values(out);
}

// Two spans of service "api": a 1.5s server span and a 3ms failed client span.
ExportTraceServiceRequest two_spans() {
  ExportTraceServiceRequest req;
  auto* server = add_span(&req, {{"service.name", "api"}, {"deployment.environment", "prod"}},
                          "GET /users", Span::SPAN_KIND_SERVER, 10 * kSec, 10 * kSec + kSec * 3 / 2,
                          trace_id(1), span_id(1), "", {{"http.method", "GET"}});
  server->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_OK);
  auto* client = add_span(&req, {{"service.name", "api"}}, "SELECT", Span::SPAN_KIND_CLIENT,
                          10 * kSec, 10 * kSec + 3000000, trace_id(1), span_id(2), span_id(1));
  client->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  client->mutable_status()->set_message("boom");
  return req;
}

}  // namespace

TEST_CASE("span metrics: calls, latency buckets and sizes per service, name, kind and status") {
  const auto req = two_spans();
  const double server_size =
      static_cast<double>(req.resource_spans(0).scope_spans(0).spans(0).ByteSizeLong());
  const double client_size =
      static_cast<double>(req.resource_spans(1).scope_spans(0).spans(0).ByteSizeLong());
  auto got = run(config::SpanMetricsConfig{}, req);
  const std::string srv =
      "service=\"api\",span_kind=\"SPAN_KIND_SERVER\",span_name=\"GET /users\","
      "status_code=\"STATUS_CODE_OK\"";
  const std::string cli =
      "service=\"api\",span_kind=\"SPAN_KIND_CLIENT\",span_name=\"SELECT\","
      "status_code=\"STATUS_CODE_ERROR\"";
  CHECK(with_prefix(got, "traces_spanmetrics_calls_total") ==
        std::map<std::string, double>{{"traces_spanmetrics_calls_total{" + cli + "}", 1},
                                      {"traces_spanmetrics_calls_total{" + srv + "}", 1}});
  CHECK(with_prefix(got, "traces_spanmetrics_size_total") ==
        std::map<std::string, double>{{"traces_spanmetrics_size_total{" + cli + "}", client_size},
                                      {"traces_spanmetrics_size_total{" + srv + "}", server_size}});
  // Tempo's default buckets: 0.002 * 2^i, i < 14.
  const std::vector<std::pair<std::string, double>> server_buckets = {
      {"0.002", 0}, {"0.004", 0}, {"0.008", 0}, {"0.016", 0},  {"0.032", 0},
      {"0.064", 0}, {"0.128", 0}, {"0.256", 0}, {"0.512", 0},  {"1.024", 0},
      {"2.048", 1}, {"4.096", 1}, {"8.192", 1}, {"16.384", 1}, {"+Inf", 1}};
  for (const auto& [le, want] : server_buckets) {
    INFO(le);
    // le sorts before service: labels are in name order.
    CHECK(got.at("traces_spanmetrics_latency_bucket{le=\"" + le + "\"," + srv + "}") == want);
    const double client_want = le == "0.002" ? 0 : 1;  // 3ms falls in le=0.004
    CHECK(got.at("traces_spanmetrics_latency_bucket{le=\"" + le + "\"," + cli + "}") ==
          client_want);
  }
  CHECK(got.at("traces_spanmetrics_latency_count{" + srv + "}") == 1);
  CHECK(got.at("traces_spanmetrics_latency_sum{" + srv + "}") == 1.5);
  CHECK(got.at("traces_spanmetrics_latency_sum{" + cli + "}") == Approx(0.003));
  CHECK(with_prefix(got, "traces_spanmetrics_latency_bucket").size() == 30);
  CHECK(got.size() == 2 + 2 + 30 + 2 + 2);
}

TEST_CASE("span metrics: dimensions are sanitized, intrinsic names get __, mappings join values") {
  config::SpanMetricsConfig cfg;
  cfg.histogram_buckets = {1};
  cfg.intrinsic_dimensions.status_message = true;
  cfg.intrinsic_dimensions.span_kind = false;
  cfg.dimensions = {"http.method", "span_name", "missing.attr"};
  cfg.dimension_mappings = {{"env-method", {"deployment.environment", "http.method"}, "/"}};
  auto req = two_spans();
  auto* kv =
      req.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->add_attributes();
  kv->set_key("span_name");
  kv->mutable_value()->set_int_value(7);  // rendered in decimal
  auto got = run(cfg, req);
  CHECK(with_prefix(got, "traces_spanmetrics_calls_total") ==
        std::map<std::string, double>{
            {"traces_spanmetrics_calls_total{__span_name=\"7\",env_method=\"prod/GET\","
             "http_method=\"GET\",service=\"api\",span_name=\"GET /users\","
             "status_code=\"STATUS_CODE_OK\"}",
             1},
            {"traces_spanmetrics_calls_total{service=\"api\",span_name=\"SELECT\","
             "status_code=\"STATUS_CODE_ERROR\",status_message=\"boom\"}",
             1}});
}

TEST_CASE("span metrics: a dimension is looked up on the resource first, then the span") {
  config::SpanMetricsConfig cfg;
  cfg.dimensions = {"region"};
  ExportTraceServiceRequest req;
  add_span(&req, {{"service.name", "a"}, {"region", "res"}}, "x", Span::SPAN_KIND_INTERNAL, 0, 1,
           trace_id(1), span_id(1), "", {{"region", "span"}});
  add_span(&req, {{"service.name", "a"}}, "x", Span::SPAN_KIND_INTERNAL, 0, 1, trace_id(1),
           span_id(2), "", {{"region", "span"}});
  auto calls = with_prefix(run(cfg, req), "traces_spanmetrics_calls_total");
  CHECK(calls == std::map<std::string, double>{
                     {"traces_spanmetrics_calls_total{region=\"res\",service=\"a\",span_kind="
                      "\"SPAN_KIND_INTERNAL\",span_name=\"x\",status_code=\"STATUS_CODE_UNSET\"}",
                      1},
                     {"traces_spanmetrics_calls_total{region=\"span\",service=\"a\",span_kind="
                      "\"SPAN_KIND_INTERNAL\",span_name=\"x\",status_code=\"STATUS_CODE_UNSET\"}",
                      1}});
}

TEST_CASE("span metrics: filter policies include and exclude by intrinsic and attribute") {
  config::SpanMetricsConfig cfg;
  config::FilterPolicy keep_server;
  keep_server.include.present = true;
  keep_server.include.attributes = {
      {"kind", {config::FilterValue::Kind::kString, "SPAN_KIND_SERVER"}}};
  cfg.filter_policies = {keep_server};
  auto got = with_prefix(run(cfg, two_spans()), "traces_spanmetrics_calls_total");
  REQUIRE(got.size() == 1);
  CHECK(got.begin()->first.find("SPAN_KIND_SERVER") != std::string::npos);

  config::FilterPolicy drop_prod;
  drop_prod.exclude.present = true;
  drop_prod.exclude.match_type = "regex";
  drop_prod.exclude.attributes = {
      {"resource.deployment.environment", {config::FilterValue::Kind::kString, "^pr"}}};
  cfg.filter_policies = {drop_prod};
  got = with_prefix(run(cfg, two_spans()), "traces_spanmetrics_calls_total");
  REQUIRE(got.size() == 1);
  CHECK(got.begin()->first.find("SELECT") != std::string::npos);

  // strict on a span attribute: the value and its type must match
  config::FilterPolicy method;
  method.include.present = true;
  method.include.attributes = {{"span.http.method", {config::FilterValue::Kind::kString, "POST"}}};
  cfg.filter_policies = {method};
  CHECK(with_prefix(run(cfg, two_spans()), "traces_spanmetrics_calls_total").empty());

  config::FilterPolicy bad;
  bad.include.present = true;
  bad.include.attributes = {{"event.name", {config::FilterValue::Kind::kString, "x"}}};
  cfg.filter_policies = {bad};
  Registry r(RegistryOptions{});
  std::unique_ptr<SpanMetrics> p;
  Status s = SpanMetrics::create(cfg, {}, r, &p);
  CHECK(s.is(Status::Code::kInvalidArgument));
  CHECK(s.message().find("\"event.name\"") != std::string::npos);
  bad.include.match_type = "regex";
  bad.include.attributes = {{"name", {config::FilterValue::Kind::kString, "(unclosed"}}};
  cfg.filter_policies = {bad};
  s = SpanMetrics::create(cfg, {}, r, &p);
  CHECK(s.is(Status::Code::kInvalidArgument));
  CHECK(s.message().find("invalid regex") != std::string::npos);
}

TEST_CASE("span metrics: target_info per resource and job/instance labels on the span series") {
  config::SpanMetricsConfig cfg;
  cfg.enable_target_info = true;
  cfg.histogram_buckets = {1};
  ExportTraceServiceRequest req;
  add_span(&req,
           {{"service.name", "api"},
            {"service.namespace", "shop"},
            {"service.instance.id", "i-1"},
            {"k8s.pod.name", "pod-1"},
            {"job", "x"}},
           "op", Span::SPAN_KIND_SERVER, 0, kSec / 2, trace_id(1), span_id(1));
  // Without attributes besides the service ones: no target_info.
  add_span(&req, {{"service.name", "bare"}}, "op", Span::SPAN_KIND_SERVER, 0, kSec / 2, trace_id(1),
           span_id(2));
  auto got = run(cfg, req);
  CHECK(with_prefix(got, "traces_target_info") ==
        std::map<std::string, double>{{"traces_target_info{__job=\"x\",instance=\"i-1\",job=\"shop/"
                                       "api\",k8s_pod_name=\"pod-1\"}",
                                       1}});
  CHECK(with_prefix(got, "traces_spanmetrics_calls_total") ==
        std::map<std::string, double>{
            {"traces_spanmetrics_calls_total{instance=\"i-1\",job=\"shop/api\",service=\"api\","
             "span_kind=\"SPAN_KIND_SERVER\",span_name=\"op\",status_code=\"STATUS_CODE_UNSET\"}",
             1},
            {"traces_spanmetrics_calls_total{job=\"bare\",service=\"bare\","
             "span_kind=\"SPAN_KIND_SERVER\",span_name=\"op\",status_code=\"STATUS_CODE_UNSET\"}",
             1}});
}

TEST_CASE("span metrics: the latency exemplar carries the trace ID without leading zeros") {
  config::SpanMetricsConfig cfg;
  cfg.histogram_buckets = {1};
  ExportTraceServiceRequest req;
  std::string tid = trace_id(0xab);
  tid[0] = 0;
  tid[1] = 0x0c;
  add_span(&req, {{"service.name", "a"}}, "x", Span::SPAN_KIND_SERVER, 0, kSec / 4, tid,
           span_id(1));
  Registry r(RegistryOptions{});
  std::unique_ptr<SpanMetrics> p;
  REQUIRE(SpanMetrics::create(cfg, {}, r, &p).is_ok());
  r.set_now(5);
  p->push(req);
  std::vector<Sample> out;
  r.collect(10, &out);
  int exemplars = 0;
  for (const auto& s : out) {
    for (const auto& e : s.exemplars) {
      ++exemplars;
      CHECK(series_text(s).find("le=\"1\"") != std::string::npos);
      CHECK(e.labels == std::vector<Label>{{"trace_id", "cabababababababababababababab"}});
      CHECK(e.value == 0.25);
    }
  }
  CHECK(exemplars == 1);
}

TEST_CASE("span metrics: spans with invalid IDs and the count/latency/size parts") {
  ExportTraceServiceRequest req;
  add_span(&req, {{"service.name", "a"}}, "bad", Span::SPAN_KIND_SERVER, 0, 1, "short", span_id(1));
  add_span(&req, {{"service.name", "a"}}, "ok", Span::SPAN_KIND_SERVER, 0, 1, trace_id(1),
           span_id(1));
  Registry r(RegistryOptions{});
  std::unique_ptr<SpanMetrics> p;
  REQUIRE(SpanMetrics::create(config::SpanMetricsConfig{}, {true, false, false}, r, &p).is_ok());
  p->push(req);
  std::vector<Sample> out;
  r.collect(10, &out);
  auto got = values(out);
  REQUIRE(got.size() == 1);
  CHECK(got.begin()->first.rfind("traces_spanmetrics_calls_total{", 0) == 0);
  CHECK(got.begin()->first.find("span_name=\"ok\"") != std::string::npos);
}

TEST_CASE("span metrics: dimensions that produce the same label are refused at start") {
  config::SpanMetricsConfig cfg;
  cfg.dimensions = {"http.method", "http_method"};
  Status s = SpanMetrics::validate(cfg);
  CHECK(s.is(Status::Code::kInvalidArgument));
  CHECK(s.message().find("label \"http_method\" is produced twice") != std::string::npos);
  cfg.dimensions = {"job"};
  CHECK(SpanMetrics::validate(cfg).is_ok());
  cfg.enable_target_info = true;  // job is then a label of its own
  CHECK(SpanMetrics::validate(cfg).message().find("\"job\"") != std::string::npos);
  Registry r(RegistryOptions{});
  std::unique_ptr<SpanMetrics> p;
  CHECK(SpanMetrics::create(cfg, {}, r, &p).is(Status::Code::kInvalidArgument));
}
