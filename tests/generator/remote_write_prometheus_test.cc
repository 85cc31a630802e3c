// End to end with a real Prometheus: samples go through RemoteWriteSink (queue on disk,
// sender, snappy protobuf over HTTP) into Prometheus's remote write receiver, and its query
// API must return exactly those series and values, also for what was sent while Prometheus
// was restarting and what a shut-down sink left on disk for the next one.

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "generator/fake_receiver.h"
#include "generator/prometheus_process.h"
#include "tempo/generator/remote_write.h"
#include "testing/temp_dir.h"

namespace tempo::generator {
namespace {

using namespace std::chrono_literals;
using Points = std::vector<std::pair<int64_t, double>>;  // (timestamp ms, value)
using SeriesKey = std::map<std::string, std::string>;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One collection: three series of the shapes the generator makes, at timestamp `ts`, with
// values derived from `round`.
std::vector<Sample> collection(int round, int64_t ts) {
  std::vector<Sample> out;
  for (const char* service : {"api", "db"}) {
    Sample s;
    s.labels = {{"__name__", "rw_e2e_calls_total"}, {"service", service}};
    s.value = round * 10 + (service[0] == 'a' ? 1 : 2);
    s.timestamp_ms = ts;
    s.exemplars = {{{{"trace_id", "0af7651916cd43dd8448eb2111" + std::to_string(round) + "00" +
                                      std::string(service, 1)}},
                    0.5 * round,
                    ts}};
    out.push_back(s);
  }
  Sample b;
  b.labels = {{"__name__", "rw_e2e_latency_bucket"}, {"le", "+Inf"}, {"service", "api"}};
  b.value = round * 3;
  b.timestamp_ms = ts;
  out.push_back(b);
  return out;
}

void expect(std::map<SeriesKey, Points>* want, const std::vector<Sample>& samples) {
  for (const auto& s : samples) {
    SeriesKey k;
    for (const auto& l : s.labels) k[l.name] = l.value;
    (*want)[k].emplace_back(s.timestamp_ms, s.value);
  }
}

// Every raw sample Prometheus holds of `metric` over the last hour, per series.
std::map<SeriesKey, Points> stored(testing::PrometheusProcess& prom, const std::string& metric) {
  const double at = static_cast<double>(now_ms()) / 1000.0 + 60;
  auto body = prom.get("/api/v1/query?query=" + metric + "%5B1h%5D&time=" + std::to_string(at));
  auto j = nlohmann::json::parse(body);
  REQUIRE(j["status"] == "success");
  REQUIRE(j["data"]["resultType"] == "matrix");
  std::map<SeriesKey, Points> out;
  for (const auto& r : j["data"]["result"]) {
    SeriesKey k;
    for (const auto& [name, value] : r["metric"].items()) k[name] = value.get<std::string>();
    for (const auto& v : r["values"]) {
      auto ts = static_cast<int64_t>(std::llround(v[0].get<double>() * 1000));
      out[k].emplace_back(ts, std::stod(v[1].get<std::string>()));
    }
  }
  return out;
}

std::map<SeriesKey, Points> only(const std::map<SeriesKey, Points>& all, const std::string& name) {
  std::map<SeriesKey, Points> out;
  for (const auto& [k, v] : all) {
    if (k.at("__name__") == name) out[k] = v;
  }
  return out;
}

// Waits (bounded) until every queue of the sink is empty.
bool wait_delivered(RemoteWriteSink& sink) {
  for (int i = 0; i < 6000 && sink.pending().samples > 0; ++i) std::this_thread::sleep_for(10ms);
  return sink.pending().samples == 0;
}

config::MetricsGeneratorStorageConfig storage(const std::string& path, uint16_t port) {
  config::MetricsGeneratorStorageConfig c;
  c.path = path;
  config::RemoteWriteConfig ep;
  ep.url = "http://127.0.0.1:" + std::to_string(port) + "/api/v1/write";
  ep.host = "127.0.0.1";
  ep.port = port;
  ep.target = "/api/v1/write";
  ep.name = "prom";
  ep.send_exemplars = true;
  ep.remote_timeout = 5s;
  c.remote_write.push_back(ep);
  return c;
}

TEST_CASE("remote write delivers to a real Prometheus, across its restart and ours") {
  if (testing::PrometheusProcess::binary().empty()) {
    FAIL("prometheus is not installed; run scripts/setup.sh");
  }
  testing::TempDir tmp;
  const uint16_t port = testing::free_loopback_port();
  testing::PrometheusProcess prom(tmp.path(), port);
  prom.start();

  auto cfg = storage(tmp.sub("generator"), port);
  RemoteWriteOptions opts;
  opts.min_backoff = 10ms;
  opts.max_backoff = 200ms;
  std::map<SeriesKey, Points> want;

  // 1. Prometheus up: a collection arrives, exemplars with it.
  // Shut down with Prometheus down (step 2), this sink gives up after 300ms.
  cfg.remote_write_flush_deadline = 300ms;
  std::unique_ptr<RemoteWriteSink> sink;
  REQUIRE(RemoteWriteSink::open(cfg, opts, &sink).is_ok());
  auto a = collection(1, now_ms());
  expect(&want, a);
  REQUIRE(sink->append("e2e-tenant", a).is_ok());
  REQUIRE(wait_delivered(*sink));
  CHECK(stored(prom, "rw_e2e_calls_total") == only(want, "rw_e2e_calls_total"));
  CHECK(stored(prom, "rw_e2e_latency_bucket") == only(want, "rw_e2e_latency_bucket"));
  {
    const double t = static_cast<double>(a[0].timestamp_ms) / 1000.0;
    auto j =
        nlohmann::json::parse(prom.get("/api/v1/query_exemplars?query=rw_e2e_calls_total&start=" +
                                       std::to_string(t - 10) + "&end=" + std::to_string(t + 10)));
    REQUIRE(j["status"] == "success");
    std::map<std::string, std::string> trace_by_service;
    for (const auto& series : j["data"]) {
      for (const auto& e : series["exemplars"]) {
        trace_by_service[series["seriesLabels"]["service"].get<std::string>()] =
            e["labels"]["trace_id"].get<std::string>();
      }
    }
    CHECK(trace_by_service ==
          std::map<std::string, std::string>{{"api", a[0].exemplars[0].labels[0].value},
                                             {"db", a[1].exemplars[0].labels[0].value}});
  }

  // 2. Prometheus goes down. A collection is queued; our sink shuts down before Prometheus
  //    is back, so it stays on disk.
  prom.stop();
  std::this_thread::sleep_for(5ms);  // later timestamps than round 1
  auto b = collection(2, now_ms());
  expect(&want, b);
  REQUIRE(sink->append("e2e-tenant", b).is_ok());
  CHECK(sink->pending().samples == 3);
  sink.reset();  // shutdown: flush for 300ms against a dead endpoint, then leave the rest

  // 3. A new sink (a restarted Tempo) finds round 2 on disk and queues round 3 behind it,
  //    still with Prometheus down.
  cfg.remote_write_flush_deadline = 30s;
  std::unique_ptr<RemoteWriteSink> sink2;
  REQUIRE(RemoteWriteSink::open(cfg, opts, &sink2).is_ok());
  CHECK(sink2->pending().samples == 3);
  std::this_thread::sleep_for(5ms);
  auto c = collection(3, now_ms());
  expect(&want, c);
  REQUIRE(sink2->append("e2e-tenant", c).is_ok());
  CHECK(sink2->pending().samples == 6);

  // 4. Prometheus comes back with its TSDB: rounds 2 and 3 arrive, in order, beside round 1.
  prom.start();
  REQUIRE(wait_delivered(*sink2));
  CHECK(stored(prom, "rw_e2e_calls_total") == only(want, "rw_e2e_calls_total"));
  CHECK(stored(prom, "rw_e2e_latency_bucket") == only(want, "rw_e2e_latency_bucket"));
  REQUIRE(want.size() == 3);
  for (const auto& [k, points] : want) CHECK(points.size() == 3);
  sink2.reset();
  prom.stop();
}

}  // namespace
}  // namespace tempo::generator
