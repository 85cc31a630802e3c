#include <catch2/catch.hpp>

#include "config/test_helpers.h"

using namespace tempo;
using namespace tempo::config;
using namespace tempo::config::testing;
using namespace std::chrono_literals;

TEST_CASE("metrics_generator: Tempo's defaults when absent") {
  auto c = must_load("server:\n  http_listen_port: 3200\n");
  const auto& g = c.metrics_generator;
  CHECK(g.registry.collection_interval == 15s);
  CHECK(g.registry.stale_duration == 15min);
  CHECK(g.registry.max_label_name_length == 1024);
  CHECK(g.registry.max_label_value_length == 2048);
  CHECK_FALSE(g.registry.expose_on_metrics_endpoint);
  CHECK(g.processing_threads == 0);  // one per core, at most 4
  CHECK(g.span_metrics.histogram_buckets.size() == 14);
  CHECK(g.span_metrics.histogram_buckets.front() == 0.002);
  CHECK(g.span_metrics.histogram_buckets.back() == 16.384);
  CHECK(g.span_metrics.intrinsic_dimensions.service);
  CHECK_FALSE(g.span_metrics.intrinsic_dimensions.status_message);
  CHECK(g.service_graphs.wait == 10s);
  CHECK(g.service_graphs.max_items == 10000);
  CHECK(g.service_graphs.workers == 10);
  CHECK(g.service_graphs.histogram_buckets ==
        std::vector<double>{0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8});
  CHECK(g.service_graphs.peer_attributes ==
        std::vector<std::string>{"peer.service", "db.name", "db.system"});
  CHECK(c.overrides.metrics_generator_max_active_series == 0);
}

TEST_CASE("metrics_generator: every acted key loads without a warning") {
  auto c = must_load(R"(
metrics_generator:
  registry:
    collection_interval: 5s
    stale_duration: 1m
    external_labels: {cluster: eu, env: prod}
    inject_tenant_id_as: org
    max_label_name_length: 100
    max_label_value_length: 200
    expose_on_metrics_endpoint: true
  processor:
    span_metrics:
      histogram_buckets: [0.1, 1, 10]
      dimensions: [http.method]
      dimension_mappings:
        - name: env_method
          source_labels: [deployment.environment, http.method]
          join: "/"
      intrinsic_dimensions:
        status_message: true
        span_kind: false
      enable_target_info: true
      target_info_excluded_dimensions: [host.name]
      filter_policies:
        - include:
            match_type: strict
            attributes:
              - key: kind
                value: SPAN_KIND_SERVER
              - key: span.http.status_code
                value: 200
          exclude:
            match_type: regex
            attributes:
              - key: resource.service.name
                value: "^internal-"
    service_graphs:
      wait: 3s
      max_items: 50
      workers: 2
      histogram_buckets: [1, 2]
      dimensions: [cloud.region]
      peer_attributes: [peer.service]
      enable_client_server_prefix: true
      enable_virtual_node_label: true
      enable_messaging_system_latency_histogram: true
overrides:
  defaults:
    metrics_generator:
      processors: [span-metrics, service-graphs]
      max_active_series: 1000
)");
  CHECK(c.warnings.empty());
  const auto& g = c.metrics_generator;
  CHECK(g.registry.collection_interval == 5s);
  CHECK(g.registry.stale_duration == 1min);
  CHECK(g.registry.external_labels ==
        std::map<std::string, std::string>{{"cluster", "eu"}, {"env", "prod"}});
  CHECK(g.registry.inject_tenant_id_as == "org");
  CHECK(g.registry.max_label_name_length == 100);
  CHECK(g.registry.max_label_value_length == 200);
  CHECK(g.registry.expose_on_metrics_endpoint);
  const auto& sm = g.span_metrics;
  CHECK(sm.histogram_buckets == std::vector<double>{0.1, 1, 10});
  CHECK(sm.dimensions == std::vector<std::string>{"http.method"});
  REQUIRE(sm.dimension_mappings.size() == 1);
  CHECK(sm.dimension_mappings[0].name == "env_method");
  CHECK(sm.dimension_mappings[0].source_labels ==
        std::vector<std::string>{"deployment.environment", "http.method"});
  CHECK(sm.dimension_mappings[0].join == "/");
  CHECK(sm.intrinsic_dimensions.status_message);
  CHECK_FALSE(sm.intrinsic_dimensions.span_kind);
  CHECK(sm.enable_target_info);
  CHECK(sm.target_info_excluded_dimensions == std::vector<std::string>{"host.name"});
  REQUIRE(sm.filter_policies.size() == 1);
  const auto& inc = sm.filter_policies[0].include;
  CHECK(inc.present);
  CHECK(inc.match_type == "strict");
  REQUIRE(inc.attributes.size() == 2);
  CHECK(inc.attributes[0].first == "kind");
  CHECK(inc.attributes[0].second.s == "SPAN_KIND_SERVER");
  CHECK(inc.attributes[1].second.kind == FilterValue::Kind::kInt);
  CHECK(inc.attributes[1].second.i == 200);
  const auto& exc = sm.filter_policies[0].exclude;
  CHECK(exc.match_type == "regex");
  CHECK(exc.attributes[0].second.kind == FilterValue::Kind::kString);
  const auto& sg = g.service_graphs;
  CHECK(sg.wait == 3s);
  CHECK(sg.max_items == 50);
  CHECK(sg.workers == 2);
  CHECK(sg.histogram_buckets == std::vector<double>{1, 2});
  CHECK(sg.dimensions == std::vector<std::string>{"cloud.region"});
  CHECK(sg.peer_attributes == std::vector<std::string>{"peer.service"});
  CHECK(sg.enable_client_server_prefix);
  CHECK(sg.enable_virtual_node_label);
  CHECK(sg.enable_messaging_system_latency_histogram);
  CHECK(c.overrides.metrics_generator_processors ==
        std::vector<std::string>{"span-metrics", "service-graphs"});
  CHECK(c.overrides.metrics_generator_max_active_series == 1000);
}

TEST_CASE("metrics_generator: the legacy flat overrides spell the same limits") {
  auto c = must_load(
      "overrides:\n  metrics_generator_processors: [service-graphs]\n"
      "  metrics_generator_max_active_series: 5\n");
  CHECK(c.overrides.metrics_generator_processors == std::vector<std::string>{"service-graphs"});
  CHECK(c.overrides.metrics_generator_max_active_series == 5);
}

TEST_CASE("metrics_generator: bad values fail with the key and the reason") {
  struct Case {
    std::string yaml, want;
  };
  const std::vector<Case> cases = {
      {"metrics_generator:\n  processor:\n    span_metrics:\n      histogram_buckets: [1, x]\n",
       "line 4: config key \"metrics_generator.processor.span_metrics.histogram_buckets\" must be "
       "a list of numbers, got \"x\""},
      {"metrics_generator:\n  processor:\n    span_metrics:\n      histogram_buckets: [2, 1]\n",
       "must be in increasing order"},
      {"metrics_generator:\n  processor:\n    service_graphs:\n      histogram_buckets: []\n",
       "must be a non-empty list of numbers"},
      {"metrics_generator:\n  processor:\n    span_metrics:\n      filter_policies:\n"
       "        - include:\n            match_type: glob\n",
       "config key \"metrics_generator.processor.span_metrics.filter_policies[0].include."
       "match_type\" must be strict or regex"},
      {"metrics_generator:\n  processor:\n    span_metrics:\n      filter_policies:\n"
       "        - inclde: {}\n",
       "filter_policies[0].inclde\" is unknown"},
      {"metrics_generator:\n  processor:\n    span_metrics:\n      dimension_mappings:\n"
       "        - source_labels: [a]\n",
       "dimension_mappings[0].name\" must be set"},
      {"metrics_generator:\n  processor:\n    service_graphs:\n      max_items: 0\n",
       "max_items must be > 0"},
      {"metrics_generator:\n  registry:\n    collection_interval: 0s\n",
       "collection_interval must be > 0"},
      {"metrics_generator:\n  registry:\n    external_labels: [a]\n",
       "external_labels\" must be a map"},
      {"overrides:\n  defaults:\n    metrics_generator:\n      processors: [span-metric]\n",
       "metrics_generator processor \"span-metric\" is not a known processor"},
      {"metrics_generator:\n  registry:\n    expose_on_metrics_endpoint: maybe\n",
       "expose_on_metrics_endpoint"},
      {"metrics_generator:\n  processing_threads: -1\n",
       "metrics_generator.processing_threads must be between 0"},
      {"metrics_generator:\n  processing_threads: 65\n",
       "metrics_generator.processing_threads must be between 0"},
      {"metrics_generator:\n  processing_threads: many\n", "processing_threads"},
  };
  for (const auto& c : cases) {
    INFO(c.yaml);
    Status s = load_error(c.yaml);
    INFO(s.message());
    REQUIRE_FALSE(s.is_ok());
    CHECK(s.is(Status::Code::kInvalidArgument));
    CHECK(s.message().find(c.want) != std::string::npos);
  }
}

TEST_CASE("metrics_generator: processing_threads, this build's own key, is read") {
  auto c = must_load("metrics_generator:\n  processing_threads: 3\n");
  CHECK(c.metrics_generator.processing_threads == 3);
  CHECK(c.warnings.empty());  // acted on, not merely accepted
}
