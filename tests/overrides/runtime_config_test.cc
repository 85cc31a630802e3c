// The runtime overrides file as the server reads it: loaded at start (a bad file is an error),
// re-read on reload (a bad file keeps what is in force, and is counted), and its metrics.

#include "tempo/overrides/runtime_config.h"

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <fstream>

#include "tempo/observability/metrics.h"
#include "tempo/overrides/status.h"
#include "testing/temp_dir.h"

using namespace tempo;

namespace {

void write(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::trunc);
  f << text;
}

// The value of an unlabelled series on the registry, or -1.
double metric(const std::string& name) {
  const std::string text = metrics::serialize_text();
  const auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + name.size() + 2));
}

}  // namespace

TEST_CASE("runtime config: loads, reloads a changed file, keeps the last good one on errors") {
  testing::TempDir dir;
  const std::string path = dir.sub("overrides.yaml");
  write(path, "overrides:\n  a:\n    global:\n      max_bytes_per_trace: 10\n");
  config::OverridesConfig defaults;
  defaults.max_bytes_per_trace = 100;
  overrides::Overrides ov(defaults);
  config::PerTenantOverridesFile file;
  file.path = path;
  file.period = std::chrono::seconds(0);  // reloads only when asked, here
  overrides::RuntimeConfig rc(ov, file);
  REQUIRE(rc.load().is_ok());
  CHECK(ov.for_tenant("a")->max_bytes_per_trace == 10);
  CHECK(ov.for_tenant("b")->max_bytes_per_trace == 100);
  CHECK(metric("tempo_runtime_config_last_reload_successful") == 1);
  CHECK(metrics::serialize_text().find("tempo_runtime_config_hash{sha256=\"") != std::string::npos);

  write(path, "overrides:\n  a:\n    global:\n      max_bytes_per_trace: 20\n  b: {}\n");
  REQUIRE(rc.reload().is_ok());
  CHECK(ov.for_tenant("a")->max_bytes_per_trace == 20);
  CHECK(ov.snapshot()->tenants().count("b") == 1);

  const double failures = metric("tempo_runtime_config_reload_failures_total");
  write(path, "overrides:\n  a:\n    global:\n      max_bytes_per_trace: twenty\n");
  Status bad = rc.reload();
  CHECK_FALSE(bad.is_ok());
  CHECK(bad.message().find("overrides.a.global.max_bytes_per_trace") != std::string::npos);
  CHECK(ov.for_tenant("a")->max_bytes_per_trace == 20);  // the last good file stays
  CHECK(metric("tempo_runtime_config_last_reload_successful") == 0);
  CHECK(metric("tempo_runtime_config_reload_failures_total") == failures + 1);
  CHECK(rc.text().find("max_bytes_per_trace: 20") != std::string::npos);

  std::remove(path.c_str());  // a vanished file is a failed reload too
  CHECK_FALSE(rc.reload().is_ok());
  CHECK(ov.for_tenant("a")->max_bytes_per_trace == 20);

  write(path, "overrides:\n  \"*\":\n    global:\n      max_bytes_per_trace: 30\n");
  REQUIRE(rc.reload().is_ok());
  CHECK(metric("tempo_runtime_config_last_reload_successful") == 1);
  CHECK(ov.for_tenant("a")->max_bytes_per_trace == 30);
  // One hash series: the old file's is gone.
  const std::string text = metrics::serialize_text();
  const auto first = text.find("tempo_runtime_config_hash{");
  REQUIRE(first != std::string::npos);
  CHECK(text.find("tempo_runtime_config_hash{", first + 1) == std::string::npos);
}

TEST_CASE("runtime config: a bad file at start is an error naming the file") {
  testing::TempDir dir;
  const std::string path = dir.sub("overrides.yaml");
  write(path, "overrides:\n  a:\n    ingestion:\n      rate_limits: 1\n");
  overrides::Overrides ov({});
  config::PerTenantOverridesFile file;
  file.path = path;
  overrides::RuntimeConfig rc(ov, file);
  Status s = rc.load();
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.message().rfind("per-tenant overrides file " + path +
                              ": line 4: unknown key "
                              "\"overrides.a.ingestion.rate_limits\"",
                          0) == 0);
  overrides::RuntimeConfig missing(ov, {dir.sub("nope.yaml"), std::chrono::seconds(10), false});
  CHECK(missing.load().message() ==
        "cannot read per-tenant overrides file " + dir.sub("nope.yaml"));
}

TEST_CASE("runtime config: /status/runtime_config shows the defaults and each tenant") {
  config::OverridesConfig defaults;
  defaults.max_bytes_per_trace = 100;
  overrides::Overrides ov(defaults);
  config::RuntimeOverrides r;
  config::OverridesConfig a = defaults;
  a.max_bytes_per_trace = 5;
  a.metrics_generator_processors = {"span-metrics"};
  r.tenants["a"] = a;
  ov.set_runtime(r);
  const std::string full = overrides::runtime_config_yaml(*ov.snapshot(), false);
  CHECK(full.rfind("---\ndefaults:\n  ingestion:\n    rate_limit_bytes: 15000000\n", 0) == 0);
  CHECK(full.find("overrides:\n  a:\n    ingestion:") != std::string::npos);
  CHECK(full.find("    global:\n      max_bytes_per_trace: 5\n") != std::string::npos);
  CHECK(full.find("block_retention: 0s") != std::string::npos);
  // The wildcard tenant is a YAML alias indicator unquoted: it must come out quoted, and the
  // whole answer must read back as the values it shows.
  r.tenants["*"] = defaults;
  ov.set_runtime(r);
  const YAML::Node back = YAML::Load(overrides::runtime_config_yaml(*ov.snapshot(), false));
  CHECK(back["overrides"]["*"]["global"]["max_bytes_per_trace"].as<int64_t>() == 100);
  CHECK(back["overrides"]["a"]["metrics_generator"]["processors"][0].as<std::string>() ==
        "span-metrics");
  CHECK(back["defaults"]["compaction"]["block_retention"].as<std::string>() == "0s");
  r.tenants.erase("*");
  ov.set_runtime(r);
  // diff: only what the tenant changes.
  CHECK(overrides::runtime_config_yaml(*ov.snapshot(), true) ==
        "---\noverrides:\n  a:\n    global:\n      max_bytes_per_trace: 5\n"
        "    metrics_generator:\n      processors: [span-metrics]\n");
}
