#include "tempo/generator/generator.h"

#include <catch2/catch.hpp>
#include <mutex>

#include "generator/generator_testing.h"

using namespace tempo;
using namespace tempo::generator;
using namespace tempo::generator::testing;

namespace {

ExportTraceServiceRequest one_span(const std::string& service) {
  ExportTraceServiceRequest req;
  add_span(&req, {{"service.name", service}}, "op", Span::SPAN_KIND_SERVER, 0, 1000000, trace_id(1),
           span_id(1));
  return req;
}

}  // namespace

TEST_CASE("generator: processors per tenant, external labels, tenant label, one batch per tenant") {
  GeneratorOptions o;
  o.default_processors = {"span-metrics"};
  o.tenant_processors["quiet"] = {};
  o.tenant_processors["graphs"] = {"service-graphs"};
  o.config.registry.external_labels = {{"cluster", "c1"}};
  o.config.registry.inject_tenant_id_as = "org";
  o.instance = "gen-1";
  CaptureSink sink;
  Generator g(o, sink);
  CHECK(g.enabled_for("acme"));
  CHECK_FALSE(g.enabled_for("quiet"));
  CHECK(g.enabled_for("graphs"));
  g.offer_request("acme", one_span("api"));
  g.offer_request("quiet", one_span("api"));
  g.offer_request("graphs", one_span("api"));  // a root server span: waits for `wait`
  g.run_once(5000, /*collect=*/true);
  CHECK(sink.by_tenant.count("quiet") == 0);
  REQUIRE(sink.by_tenant.count("acme") == 1);
  auto acme = values(sink.by_tenant["acme"]);
  CHECK(acme.at(
            "traces_spanmetrics_calls_total{cluster=\"c1\",org=\"acme\",service=\"api\","
            "span_kind=\"SPAN_KIND_SERVER\",span_name=\"op\",status_code=\"STATUS_CODE_UNSET\"}") ==
        1);
  for (const auto& s : sink.by_tenant["acme"]) {
    CHECK(s.labels.front() == Label{"__metrics_gen_instance", "gen-1"});
  }
  CHECK(sink.by_tenant["graphs"].empty());  // nothing paired yet
  // After `wait` (10s) the root span becomes user -> api.
  g.run_once(15000, true);
  auto graphs = values(sink.by_tenant["graphs"]);
  CHECK(graphs.at("traces_service_graph_request_total{client=\"user\",cluster=\"c1\","
                  "connection_type=\"virtual_node\",org=\"graphs\",server=\"api\"}") == 1);
  CHECK(g.dropped_spans() == 0);
}

TEST_CASE("generator: a full queue drops offers and counts them, never blocks") {
  GeneratorOptions o;
  o.default_processors = {"span-metrics"};
  o.queue_spans = 2;
  CaptureSink sink;
  Generator g(o, sink);
  g.offer_request("t", one_span("a"));
  g.offer_request("t", one_span("b"));
  g.offer_request("t", one_span("c"));  // over the bound
  CHECK(g.dropped_spans() == 1);
  g.run_once(1000, true);
  auto got = with_prefix(values(sink.by_tenant["t"]), "traces_spanmetrics_calls_total");
  CHECK(got.size() == 2);
  CHECK(got.count("traces_spanmetrics_calls_total{service=\"c\",span_kind=\"SPAN_KIND_SERVER\","
                  "span_name=\"op\",status_code=\"STATUS_CODE_UNSET\"}") == 0);
  g.offer_request("t", one_span("c"));  // room again
  CHECK(g.dropped_spans() == 1);
}

TEST_CASE("generator: the thread collects on the interval and once more on stop") {
  GeneratorOptions o;
  o.default_processors = {"span-metrics"};
  o.config.registry.collection_interval = std::chrono::hours(1);  // only the final collection
  CaptureSink sink;
  {
    Generator g(o, sink);
    REQUIRE(g.start().is_ok());
    g.offer_request("t", one_span("a"));
    g.stop();
  }
  auto got = with_prefix(values(sink.by_tenant["t"]), "traces_spanmetrics_calls_total");
  CHECK(got == std::map<std::string, double>{
                   {"traces_spanmetrics_calls_total{service=\"a\",span_kind=\"SPAN_KIND_SERVER\","
                    "span_name=\"op\",status_code=\"STATUS_CODE_UNSET\"}",
                    1}});
}

TEST_CASE("generator: a filter policy that cannot compile stops the start") {
  GeneratorOptions o;
  o.default_processors = {"span-metrics"};
  config::FilterPolicy p;
  p.include.present = true;
  p.include.match_type = "regex";
  p.include.attributes = {{"name", {config::FilterValue::Kind::kString, "("}}};
  o.config.span_metrics.filter_policies = {p};
  CaptureSink sink;
  Generator g(o, sink);
  Status s = g.start();
  CHECK(s.is(Status::Code::kInvalidArgument));
  CHECK(s.message().find("invalid regex") != std::string::npos);
}

TEST_CASE("generator: overrides_for gives each tenant its processors and series limit") {
  std::map<std::string, std::shared_ptr<const config::OverridesConfig>, std::less<>> per_tenant;
  auto with = [](std::vector<std::string> processors, int64_t max_series) {
    auto o = std::make_shared<config::OverridesConfig>();
    o->metrics_generator_processors = std::move(processors);
    o->metrics_generator_max_active_series = max_series;
    return std::shared_ptr<const config::OverridesConfig>(std::move(o));
  };
  per_tenant["on"] = with({"span-metrics"}, 0);
  per_tenant["capped"] = with({"span-metrics"}, 1);
  const auto off = with({}, 0);
  GeneratorOptions o;
  o.default_processors = {"span-metrics"};  // unused: overrides_for decides
  o.overrides_for = [&per_tenant, off](std::string_view t) {
    auto it = per_tenant.find(t);
    return it != per_tenant.end() ? it->second : off;
  };
  o.instance = "gen-1";
  CaptureSink sink;
  Generator g(o, sink);
  CHECK(g.enabled_for("on"));
  CHECK_FALSE(g.enabled_for("other"));
  g.offer_request("on", one_span("api"));
  g.offer_request("capped", one_span("api"));
  g.offer_request("other", one_span("api"));
  g.run_once(5000, true);
  CHECK(sink.by_tenant.count("other") == 0);
  const auto on = values(sink.by_tenant["on"]);
  CHECK(on.at("traces_spanmetrics_calls_total{service=\"api\",span_kind=\"SPAN_KIND_SERVER\","
              "span_name=\"op\",status_code=\"STATUS_CODE_UNSET\"}") == 1);
  // max_active_series 1: only one series of the many span-metrics makes for one span.
  CHECK(values(sink.by_tenant["capped"]).size() == 1);
  CHECK(on.size() > 1);
  // A reload enables the tenant: its next spans are taken.
  per_tenant["other"] = with({"span-metrics"}, 0);
  CHECK(g.enabled_for("other"));
  g.offer_request("other", one_span("api"));
  g.run_once(6000, true);
  CHECK(values(sink.by_tenant["other"])
            .at("traces_spanmetrics_calls_total{service=\"api\",span_kind=\"SPAN_KIND_SERVER\","
                "span_name=\"op\",status_code=\"STATUS_CODE_UNSET\"}") == 1);
}

TEST_CASE("generator: a reload that changes a running tenant's processors or limit applies to its next spans") {
  auto with = [](std::vector<std::string> processors, int64_t max_series) {
    auto o = std::make_shared<config::OverridesConfig>();
    o->metrics_generator_processors = std::move(processors);
    o->metrics_generator_max_active_series = max_series;
    return std::shared_ptr<const config::OverridesConfig>(std::move(o));
  };
  std::shared_ptr<const config::OverridesConfig> current = with({"span-metrics"}, 0);
  std::mutex mu;
  GeneratorOptions o;
  o.config.processing_threads = 2;
  o.config.service_graphs.wait = std::chrono::seconds(10);
  o.overrides_for = [&](std::string_view) {
    std::lock_guard<std::mutex> lock(mu);
    return current;
  };
  o.instance = "gen-1";
  CaptureSink sink;
  Generator g(o, sink);
  // A client/server pair web -> api in one trace.
  auto edge = [](uint8_t trace) {
    ExportTraceServiceRequest req;
    add_span(&req, {{"service.name", "web"}}, "call", Span::SPAN_KIND_CLIENT, 0, 2000000,
             trace_id(trace), span_id(1));
    add_span(&req, {{"service.name", "api"}}, "op", Span::SPAN_KIND_SERVER, 0, 1000000,
             trace_id(trace), span_id(2), span_id(1));
    return req;
  };
  const std::string calls =
      "traces_spanmetrics_calls_total{service=\"api\",span_kind=\"SPAN_KIND_SERVER\","
      "span_name=\"op\",status_code=\"STATUS_CODE_UNSET\"}";
  const std::string graph = "traces_service_graph_request_total{client=\"web\",server=\"api\"}";
  g.offer_request("t", edge(1));
  g.run_once(5000, true);
  auto first = values(sink.by_tenant["t"]);
  CHECK(first.at(calls) == 1);
  CHECK(first.count(graph) == 0);
  // The reload adds service-graphs: the next trace makes an edge, and the span-metrics
  // counted before the reload carry on from where they were.
  {
    std::lock_guard<std::mutex> lock(mu);
    current = with({"span-metrics", "service-graphs"}, 0);
  }
  g.offer_request("t", edge(2));
  g.run_once(6000, true);
  auto second = values(sink.by_tenant["t"]);
  CHECK(second.at(calls) == 2);
  CHECK(second.at(graph) == 1);
  // A reload that gives the same settings in a new snapshot changes nothing.
  {
    std::lock_guard<std::mutex> lock(mu);
    current = with({"span-metrics", "service-graphs"}, 0);
  }
  g.offer_request("t", edge(3));
  g.run_once(7000, true);
  auto third = values(sink.by_tenant["t"]);
  CHECK(third.at(calls) == 3);
  CHECK(third.at(graph) == 2);
  // A limit set at reload holds the tenant's series where they are: a new service's spans
  // make no series.
  const size_t held = third.size();
  {
    std::lock_guard<std::mutex> lock(mu);
    current = with({"span-metrics", "service-graphs"}, static_cast<int64_t>(held) / 2);
  }
  g.offer_request("t", one_span("brand-new-service"));
  g.run_once(8000, true);
  auto fourth = values(sink.by_tenant["t"]);
  for (const auto& [series, v] : fourth) {
    CHECK(series.find("brand-new-service") == std::string::npos);
  }
}
