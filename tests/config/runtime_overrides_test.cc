// The per-tenant runtime overrides file: both of Tempo's forms, the wildcard tenant, layering
// over tempo.yaml's overrides, and the errors a bad file gets.

#include "tempo/config/runtime_overrides.h"

#include <catch2/catch.hpp>

#include "test_helpers.h"

using namespace tempo;
using namespace tempo::config;
using namespace std::chrono_literals;

namespace {

RuntimeOverrides must_parse(const std::string& yaml, const OverridesConfig& defaults = {}) {
  RuntimeOverrides r;
  Status s = parse_runtime_overrides(yaml, "overrides.yaml", defaults, false, &r);
  INFO(yaml);
  INFO(s.to_string());
  REQUIRE(s.is_ok());
  return r;
}

Status parse_error(const std::string& yaml) {
  RuntimeOverrides r;
  return parse_runtime_overrides(yaml, "/etc/tempo/overrides.yaml", {}, false, &r);
}

// tempo.yaml's overrides block, the defaults every tenant starts from.
OverridesConfig defaults_from(const std::string& overrides_yaml) {
  return testing::must_load("overrides:\n" + overrides_yaml).overrides;
}

}  // namespace

TEST_CASE("runtime overrides: the scoped form, layered over tempo.yaml's defaults") {
  const OverridesConfig defaults = defaults_from(
      "  defaults:\n"
      "    ingestion: {rate_limit_bytes: 100, burst_size_bytes: 200}\n"
      "    global: {max_bytes_per_trace: 300}\n"
      "    metrics_generator: {processors: [span-metrics], max_active_series: 7}\n");
  auto r = must_parse(
      "overrides:\n"
      "  \"tenant-a\":\n"
      "    ingestion:\n"
      "      rate_limit_bytes: 1000\n"
      "      max_traces_per_user: 5\n"
      "    global:\n"
      "      max_bytes_per_trace: 50\n"
      "    read:\n"
      "      max_bytes_per_tag_values_query: 60\n"
      "    compaction:\n"
      "      block_retention: 24h\n"
      "    metrics_generator:\n"
      "      processors: [service-graphs, span-metrics]\n"
      "      max_active_series: 9\n"
      "  tenant-b: {}\n",
      defaults);
  CHECK_FALSE(r.legacy_format);
  CHECK(r.warnings.empty());
  REQUIRE(r.tenants.size() == 2);
  const OverridesConfig& a = r.tenants.at("tenant-a");
  CHECK(a.ingestion_rate_limit_bytes == 1000);
  CHECK(a.ingestion_burst_size_bytes == 200);  // not set: tempo.yaml's
  CHECK(a.max_traces_per_user == 5);
  CHECK(a.max_bytes_per_trace == 50);
  CHECK(a.max_bytes_per_tag_values_query == 60);
  CHECK(a.block_retention == 24h);
  CHECK(a.metrics_generator_processors ==
        std::vector<std::string>{"service-graphs", "span-metrics"});
  CHECK(a.metrics_generator_max_active_series == 9);
  // Listed with nothing set: exactly the defaults.
  const OverridesConfig& b = r.tenants.at("tenant-b");
  CHECK(b.ingestion_rate_limit_bytes == 100);
  CHECK(b.ingestion_burst_size_bytes == 200);
  CHECK(b.max_bytes_per_trace == 300);
  CHECK(b.max_bytes_per_tag_values_query == 1000000);  // Tempo's default, through tempo.yaml
  CHECK(b.metrics_generator_processors == std::vector<std::string>{"span-metrics"});
  CHECK(b.metrics_generator_max_active_series == 7);
}

TEST_CASE("runtime overrides: the legacy flat form reads the same settings") {
  auto r = must_parse(
      "overrides:\n"
      "  tenant-a:\n"
      "    ingestion_rate_limit_bytes: 1000\n"
      "    ingestion_burst_size_bytes: 2000\n"
      "    max_traces_per_user: 5\n"
      "    max_bytes_per_trace: 50\n"
      "    max_bytes_per_tag_values_query: 60\n"
      "    block_retention: 2d\n"
      "    metrics_generator_processors: [service-graphs]\n"
      "    metrics_generator_max_active_series: 9\n"
      "  \"*\":\n"
      "    max_bytes_per_trace: 70\n");
  CHECK(r.legacy_format);
  const OverridesConfig& a = r.tenants.at("tenant-a");
  CHECK(a.ingestion_rate_limit_bytes == 1000);
  CHECK(a.ingestion_burst_size_bytes == 2000);
  CHECK(a.max_traces_per_user == 5);
  CHECK(a.max_bytes_per_trace == 50);
  CHECK(a.max_bytes_per_tag_values_query == 60);
  CHECK(a.block_retention == 48h);
  CHECK(a.metrics_generator_processors == std::vector<std::string>{"service-graphs"});
  CHECK(a.metrics_generator_max_active_series == 9);
  const OverridesConfig& any = r.tenants.at(std::string(kWildcardTenant));
  CHECK(any.max_bytes_per_trace == 70);
  CHECK(any.ingestion_rate_limit_bytes == OverridesConfig{}.ingestion_rate_limit_bytes);
}

TEST_CASE("runtime overrides: empty files, null tenants and keys this build does not act on") {
  CHECK(must_parse("").tenants.empty());
  CHECK(must_parse("overrides:\n").tenants.empty());
  // A tenant given as null is as if not listed (Tempo's forUser returns nothing for it).
  auto r = must_parse("overrides:\n  quiet:\n  loud: {global: {max_bytes_per_trace: 1}}\n");
  CHECK(r.tenants.count("quiet") == 0);
  CHECK(r.tenants.at("loud").max_bytes_per_trace == 1);
  // A key Tempo knows and this build does not act on: accepted, named once in a warning.
  auto w = must_parse("overrides:\n  a:\n    ingestion:\n      tenant_shard_size: 3\n");
  REQUIRE(w.warnings.size() == 1);
  CHECK(w.warnings[0] ==
        "config key \"overrides.a.ingestion.tenant_shard_size\" is accepted but not yet "
        "supported; it has no effect");
  CHECK(w.tenants.count("a") == 1);
}

TEST_CASE("runtime overrides: -config.expand-env applies to the file") {
  ::setenv("TEMPO_TEST_TRACE_BYTES", "4242", 1);
  RuntimeOverrides r;
  REQUIRE(
      parse_runtime_overrides(
          "overrides:\n  a:\n    global:\n      max_bytes_per_trace: ${TEMPO_TEST_TRACE_BYTES}\n",
          "overrides.yaml", {}, true, &r)
          .is_ok());
  CHECK(r.tenants.at("a").max_bytes_per_trace == 4242);
  ::unsetenv("TEMPO_TEST_TRACE_BYTES");
}

TEST_CASE("runtime overrides: a bad file is refused with the file, the line and the key") {
  struct Case {
    std::string yaml;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"overrides:\n  a:\n    ingestion:\n      rate_limit: 1\n",
       "line 4: unknown key \"overrides.a.ingestion.rate_limit\" in /etc/tempo/overrides.yaml"},
      {"overrides:\n  a:\n    global:\n      max_bytes_per_trace: lots\n",
       "line 4: config key \"overrides.a.global.max_bytes_per_trace\" must be an integer, got "
       "\"lots\""},
      {"overrides:\n  a:\n    compaction:\n      block_retention: 14 days\n",
       "overrides.a.compaction.block_retention"},
      {"overrides:\n  a:\n    metrics_generator:\n      processors: [span-metric]\n",
       "line 4: config key \"overrides.a.metrics_generator.processors\": metrics_generator "
       "processor \"span-metric\" is not a known processor"},
      {"overrides:\n  a:\n    ingestion:\n      rate_limit_bytes: 0\n",
       "overrides.a ingestion rate_limit_bytes and burst_size_bytes must be positive"},
      {"overrides:\n  a:\n    global: 5\n",
       "line 3: config key \"overrides.a.global\" must be a map of keys, got a single value"},
      // One file, two forms: read as legacy (max_bytes_per_trace), so `ingestion` is unknown.
      {"overrides:\n  a:\n    ingestion: {rate_limit_bytes: 1}\n  b:\n    max_bytes_per_trace: 2\n",
       "unknown key \"overrides.a.ingestion\""},
      {"overrides:\n  a:\n    ingestion: {rate_limit_bytes: 1}\n  b:\n    max_bytes_per_trace: 2\n",
       "legacy flat form because of key \"overrides.b.max_bytes_per_trace\" (line 5)"},
      {"overrides:\n  a: {}\n  a: {}\n", "line 3: tenant \"a\" is given twice"},
      {"limits:\n  a: {}\n", "line 1: unknown key \"limits\""},
      {"overrides: [a]\n", "config key \"overrides\" must be a map of tenant to limits"},
      {"overrides:\n  a: {\n", "invalid YAML"},
      // tempo.yaml's own settings are not a tenant's.
      {"overrides:\n  a:\n    per_tenant_override_config: x\n",
       "unknown key \"overrides.a.per_tenant_override_config\""},
  };
  for (const auto& c : cases) {
    INFO(c.yaml);
    Status s = parse_error(c.yaml);
    INFO(s.message());
    REQUIRE_FALSE(s.is_ok());
    CHECK(s.is(Status::Code::kInvalidArgument));
    CHECK(s.message().rfind("per-tenant overrides file /etc/tempo/overrides.yaml: ", 0) == 0);
    CHECK(s.message().find(c.want) != std::string::npos);
  }
  std::string text;
  Status missing = read_runtime_overrides_file("/nonexistent/overrides.yaml", &text);
  CHECK(missing.message() == "cannot read per-tenant overrides file /nonexistent/overrides.yaml");
}

TEST_CASE("runtime overrides: per_tenant_override_period is read and checked") {
  auto c = testing::must_load(
      "overrides:\n  per_tenant_override_config: /o.yaml\n  per_tenant_override_period: 1s\n");
  CHECK(c.per_tenant_overrides.path == "/o.yaml");
  CHECK(c.per_tenant_overrides.period == 1s);
  CHECK_FALSE(c.per_tenant_overrides.expand_env);
  CHECK(testing::must_load("overrides:\n  per_tenant_override_config: /o.yaml\n", true)
            .per_tenant_overrides.expand_env);
  auto neg = testing::must_load(
      "storage:\n  trace:\n    backend: local\n    local:\n      path: /tmp/blocks\n"
      "overrides:\n  per_tenant_override_period: -1s\n");
  Status s = validate(neg);
  INFO(s.to_string());
  CHECK(s.message().find("overrides.per_tenant_override_period must not be negative") !=
        std::string::npos);
}
