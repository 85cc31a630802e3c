// The per-tenant runtime overrides file against the real binary: limits that differ between
// tenants, a rewritten file taking effect without a restart, a bad file (at start: no start;
// later: the previous overrides stay), and metrics-generator processors for one tenant only.

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "harness.h"

using namespace tempo;
using namespace tempo::e2e;

namespace {

// Written beside and renamed over, so the server never reads half a file.
void write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << text;
  }
  REQUIRE(std::rename(tmp.c_str(), path.c_str()) == 0);
}

// Polls until `done` holds (the file is re-read every second), up to a generous bound.
bool eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 600; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

std::string runtime_config(TempoServer& s) {
  auto r = s.get("/status/runtime_config");
  REQUIRE(r.status == 200);
  return r.body;
}

uint32_t rejected(TempoServer& s, const ExportTraceServiceRequest& req, const std::string& tenant,
                  std::string* message = nullptr) {
  ExportTraceServiceResponse resp;
  grpc::Status st = s.export_grpc(req, tenant, false, &resp);
  INFO(st.error_message());
  REQUIRE(st.ok());
  if (message) *message = resp.partial_success().error_message();
  return static_cast<uint32_t>(resp.partial_success().rejected_spans());
}

void require_stored(TempoServer& s, const ExportTraceServiceRequest& req, const std::string& id,
                    const std::string& tenant) {
  auto r = s.get("/api/traces/" + id, {{"X-Scope-OrgID", tenant}});
  REQUIRE(r.status == 200);
  require_same_spans(req, id, parse_v1_json(r.body));
}

const char* kTinyTraces = "    global:\n      max_bytes_per_trace: 100\n";

}  // namespace

TEST_CASE("runtime overrides: one tenant's limit refuses its spans, another's are stored") {
  testing::TempDir dir;
  const std::string path = dir.sub("overrides.yaml");
  write_file(path, std::string("overrides:\n  tenant-a:\n") + kTinyTraces);
  ServerOptions o;
  o.multitenancy = true;
  o.overrides_extra =
      "  per_tenant_override_config: " + path + "\n  per_tenant_override_period: 1s\n";
  TempoServer s(o);
  s.start();

  const std::string a1 = random_trace_hex(), b1 = random_trace_hex();
  const auto ra1 = make_request({a1}, 3, "svc-a"), rb1 = make_request({b1}, 3, "svc-b");
  std::string why;
  CHECK(rejected(s, ra1, "tenant-a", &why) == 3);
  CHECK_THAT(why, Catch::StartsWith("TRACE_TOO_LARGE: max size of trace (100) exceeded"));
  CHECK(rejected(s, rb1, "tenant-b") == 0);
  CHECK(s.get("/api/traces/" + a1, {{"X-Scope-OrgID", "tenant-a"}}).status == 404);
  require_stored(s, rb1, b1, "tenant-b");

  const std::string shown = runtime_config(s);
  INFO(shown);
  CHECK(shown.find("overrides:\n  tenant-a:\n") != std::string::npos);
  CHECK(shown.find("      max_bytes_per_trace: 100\n") != std::string::npos);
  CHECK(s.get("/status/runtime_config?mode=diff").body ==
        "---\noverrides:\n  tenant-a:\n    global:\n      max_bytes_per_trace: 100\n");
  CHECK(metric_value(s, "tempo_runtime_config_last_reload_successful") == 1);

  // The limit moves to tenant-b; no restart.
  write_file(path, std::string("overrides:\n  tenant-b:\n") + kTinyTraces);
  REQUIRE(eventually(
      [&] { return runtime_config(s).find("overrides:\n  tenant-b:\n") != std::string::npos; }));
  const std::string a2 = random_trace_hex(), b2 = random_trace_hex();
  const auto ra2 = make_request({a2}, 3, "svc-a"), rb2 = make_request({b2}, 3, "svc-b");
  CHECK(rejected(s, ra2, "tenant-a") == 0);
  CHECK(rejected(s, rb2, "tenant-b") == 3);
  require_stored(s, ra2, a2, "tenant-a");
  CHECK(s.get("/api/traces/" + b2, {{"X-Scope-OrgID", "tenant-b"}}).status == 404);

  // A bad file is not applied: tenant-b keeps its limit, and the failure shows.
  write_file(path, "overrides:\n  tenant-b:\n    global:\n      max_bytes_per_trace: lots\n");
  REQUIRE(eventually(
      [&] { return metric_value(s, "tempo_runtime_config_last_reload_successful") == 0; }));
  CHECK(metric_value(s, "tempo_runtime_config_reload_failures_total") >= 1);
  CHECK_THAT(s.log(), Catch::Contains("runtime overrides not reloaded; the previous ones stay"));
  CHECK_THAT(s.log(), Catch::Contains("overrides.tenant-b.global.max_bytes_per_trace"));
  const std::string b3 = random_trace_hex();
  CHECK(rejected(s, make_request({b3}, 2, "svc-b"), "tenant-b") == 2);
  CHECK(runtime_config(s).find("overrides:\n  tenant-b:\n") != std::string::npos);

  // Fixed again, with the wildcard: every tenant not listed gets it.
  write_file(path, std::string("overrides:\n  \"*\":\n") + kTinyTraces + "  tenant-b: {}\n");
  REQUIRE(eventually(
      [&] { return metric_value(s, "tempo_runtime_config_last_reload_successful") == 1; }));
  const std::string a4 = random_trace_hex(), b4 = random_trace_hex(), c4 = random_trace_hex();
  const auto rb4 = make_request({b4}, 2, "svc-b");
  CHECK(rejected(s, make_request({a4}, 2, "svc-a"), "tenant-a") == 2);
  CHECK(rejected(s, make_request({c4}, 2, "svc-c"), "tenant-c") == 2);
  CHECK(rejected(s, rb4, "tenant-b") == 0);  // listed: the defaults, not "*"
  require_stored(s, rb4, b4, "tenant-b");
}

TEST_CASE("runtime overrides: a bad file stops the start and -config.verify, naming file and key") {
  testing::TempDir dir;
  const std::string overrides = dir.sub("overrides.yaml");
  write_file(overrides, "overrides:\n  tenant-a:\n    ingestion:\n      rate_limit: 5\n");
  const std::string config = dir.sub("tempo.yaml");
  std::ofstream(config) << "server:\n  http_listen_port: 0\n  grpc_listen_port: 0\n"
                        << "storage:\n  trace:\n    backend: local\n    local:\n      path: "
                        << dir.sub("blocks") << "\n    wal:\n      path: " << dir.sub("wal")
                        << "\noverrides:\n  per_tenant_override_config: " << overrides << "\n";
  const std::string want = "per-tenant overrides file " + overrides +
                           ": line 4: unknown key \\\"overrides.tenant-a.ingestion.rate_limit\\\"";
  for (const std::string& flags : {std::string(""), std::string(" -config.verify")}) {
    auto r = run_tempo("-config.file=" + config + flags);
    INFO(r.output);
    CHECK(r.code == 1);
    CHECK(r.output.find(want) != std::string::npos);
    CHECK(r.output.find("Tempo started") == std::string::npos);
  }
  write_file(overrides, "overrides:\n  tenant-a:\n    ingestion:\n      rate_limit_bytes: 5\n");
  auto ok = run_tempo("-config.file=" + config + " -config.verify");
  INFO(ok.output);
  CHECK(ok.code == 0);
}

TEST_CASE("runtime overrides: metrics generator processors for one tenant only") {
  testing::TempDir dir;
  const std::string path = dir.sub("overrides.yaml");
  write_file(path,
             "overrides:\n  gen-on:\n    metrics_generator:\n      processors: [span-metrics]\n");
  ServerOptions o;
  o.multitenancy = true;
  o.overrides_extra = "  per_tenant_override_config: " + path + "\n";
  o.top_extra =
      "metrics_generator:\n"
      "  registry:\n"
      "    collection_interval: 1s\n"
      "    expose_on_metrics_endpoint: true\n";
  TempoServer s(o);
  s.start();
  REQUIRE(rejected(s, make_request({random_trace_hex()}, 2, "svc-on"), "gen-on") == 0);
  REQUIRE(rejected(s, make_request({random_trace_hex()}, 2, "svc-off"), "gen-off") == 0);

  // Two spans of svc-on: one SERVER span (status OK) and one (status ERROR), by make_request.
  auto calls = [&](const std::string& tenant) {
    std::istringstream in(s.get("/metrics").body);
    std::string line;
    double total = 0;
    bool any = false;
    while (std::getline(in, line)) {
      if (line.rfind("traces_spanmetrics_calls_total{", 0) != 0) continue;
      if (line.find("tenant=\"" + tenant + "\"") == std::string::npos) continue;
      total += std::stod(line.substr(line.rfind(' ') + 1));
      any = true;
    }
    return any ? total : -1;
  };
  REQUIRE(eventually([&] { return calls("gen-on") == 2; }));
  CHECK(s.get("/metrics").body.find("service=\"svc-on\"") != std::string::npos);
  // The other tenant's spans never reached a processor.
  CHECK(calls("gen-off") == -1);
  CHECK(s.get("/metrics").body.find("service=\"svc-off\"") == std::string::npos);
}

TEST_CASE("runtime overrides: one tenant's rate limit, over gRPC and OTLP/HTTP") {
  testing::TempDir dir;
  const std::string path = dir.sub("overrides.yaml");
  write_file(path,
             "overrides:\n  slow:\n    ingestion:\n      rate_limit_bytes: 100\n"
             "      burst_size_bytes: 100\n");
  ServerOptions o;
  o.multitenancy = true;
  o.overrides_extra = "  per_tenant_override_config: " + path + "\n";
  TempoServer s(o);
  s.start();
  const std::string slow_id = random_trace_hex(), fast_id = random_trace_hex();
  const auto slow = make_request({slow_id}, 3, "svc-slow");
  const auto fast = make_request({fast_id}, 3, "svc-fast");
  grpc::Status st = s.export_grpc(slow, "slow");
  CHECK(st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK_THAT(st.error_message(), Catch::Contains("burst: 100 bytes"));
  auto http = s.export_http(slow.SerializeAsString(), "application/x-protobuf",
                            {{"X-Scope-OrgID", "slow"}});
  CHECK(http.status == 429);
  REQUIRE(s.export_grpc(fast, "fast").ok());
  CHECK(s.get("/api/traces/" + slow_id, {{"X-Scope-OrgID", "slow"}}).status == 404);
  require_stored(s, fast, fast_id, "fast");
  CHECK(metric_value(s, "tempo_discarded_spans_total{reason=\"rate_limited\",tenant=\"slow\"}") ==
        6);
}
