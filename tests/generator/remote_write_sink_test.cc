// RemoteWriteSink as the registry sees it: one append fans out to every endpoint (each with
// its own exemplar setting and tenant header), tenants get queues of their own on disk, and a
// full queue counts what it dropped.

#include <snappy.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "generator/fake_receiver.h"
#include "prometheus/remote.pb.h"
#include "tempo/generator/remote_write.h"
#include "tempo/observability/metrics.h"
#include "testing/temp_dir.h"

namespace tempo::generator {
namespace {

using namespace std::chrono_literals;
using testing::FakeReceiver;

config::RemoteWriteConfig endpoint(uint16_t port, const std::string& name, bool exemplars) {
  config::RemoteWriteConfig ep;
  ep.url = "http://127.0.0.1:" + std::to_string(port) + "/push";
  ep.host = "127.0.0.1";
  ep.port = port;
  ep.target = "/push";
  ep.name = name;
  ep.send_exemplars = exemplars;
  ep.remote_timeout = 5s;
  return ep;
}

std::vector<Sample> samples(int n) {
  std::vector<Sample> out;
  for (int i = 0; i < n; ++i) {
    Sample s;
    s.labels = {{"__name__", "m_total"}, {"i", std::to_string(i)}};
    s.value = i;
    s.timestamp_ms = 1764380000000 + i;
    s.exemplars = {{{{"trace_id", "abc" + std::to_string(i)}}, 1.0, s.timestamp_ms}};
    out.push_back(s);
  }
  return out;
}

prompb::WriteRequest decode(const std::string& body) {
  std::string raw;
  REQUIRE(snappy::Uncompress(body.data(), body.size(), &raw));
  prompb::WriteRequest req;
  REQUIRE(req.ParseFromString(raw));
  return req;
}

bool wait_empty(RemoteWriteSink& sink) {
  for (int i = 0; i < 3000 && sink.pending().batches > 0; ++i) std::this_thread::sleep_for(5ms);
  return sink.pending().batches == 0;
}

// The value of a series in the process registry's text exposition, or -1.
double metric(const std::string& name, const std::string& tenant, const std::string& remote) {
  const std::string text = metrics::serialize_text();
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + "{", 0) != 0) continue;
    if (line.find("tenant=\"" + tenant + "\"") == std::string::npos) continue;
    if (line.find("remote_name=\"" + remote + "\"") == std::string::npos) continue;
    return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return -1;
}

TEST_CASE("remote write sink sends each endpoint its own encoding and the tenant") {
  FakeReceiver with({}, 200), without({}, 200);
  testing::TempDir tmp;
  config::MetricsGeneratorStorageConfig cfg;
  cfg.path = tmp.sub("gen");
  cfg.remote_write = {endpoint(with.port(), "with", true),
                      endpoint(without.port(), "without", false)};
  RemoteWriteOptions o;
  o.max_samples_per_send = 2;
  o.sync = false;
  std::unique_ptr<RemoteWriteSink> sink;
  REQUIRE(RemoteWriteSink::open(cfg, o, &sink).is_ok());
  REQUIRE(sink->append("team/a", samples(3)).is_ok());
  REQUIRE(wait_empty(*sink));

  for (auto* rx : {&with, &without}) {
    const bool exemplars = rx == &with;
    INFO("exemplars " << exemplars);
    auto reqs = rx->requests();
    REQUIRE(reqs.size() == 2);  // 3 samples, 2 per request
    std::vector<std::string> labels;
    int exemplar_count = 0;
    for (const auto& r : reqs) {
      CHECK(r.target == "/push");
      CHECK(r.header("X-Scope-OrgID") == "team/a");
      auto req = decode(r.body);
      for (const auto& ts : req.timeseries()) {
        labels.push_back(ts.labels(1).value());
        exemplar_count += ts.exemplars_size();
      }
    }
    CHECK(labels == std::vector<std::string>{"0", "1", "2"});
    CHECK(exemplar_count == (exemplars ? 3 : 0));
  }
  CHECK(metric("prometheus_remote_storage_samples_total", "team/a", "with") == 3);
  CHECK(metric("prometheus_remote_storage_exemplars_total", "team/a", "with") == 3);
  CHECK(metric("prometheus_remote_storage_exemplars_total", "team/a", "without") == 0);
  CHECK(metric("prometheus_remote_storage_samples_pending", "team/a", "without") == 0);
  // One directory per tenant (escaped) and endpoint.
  CHECK(std::filesystem::is_directory(cfg.path + "/team%2Fa/with"));
  CHECK(std::filesystem::is_directory(cfg.path + "/team%2Fa/without"));
}

TEST_CASE("remote write sink counts what a full queue drops") {
  testing::TempDir tmp;
  const uint16_t port = testing::free_loopback_port();  // nothing listens: all stays queued
  config::MetricsGeneratorStorageConfig cfg;
  cfg.path = tmp.sub("gen");
  cfg.remote_write = {endpoint(port, "down", false)};
  cfg.remote_write_queue_max_bytes = 1 << 20;
  cfg.remote_write_flush_deadline = 0s;
  RemoteWriteOptions o;
  o.max_samples_per_send = 1;
  o.sync = false;
  o.max_backoff = 50ms;
  std::unique_ptr<RemoteWriteSink> sink;
  REQUIRE(RemoteWriteSink::open(cfg, o, &sink).is_ok());
  // Samples with a large label each that snappy cannot shrink, so that 1 MiB of queue holds
  // fewer than are appended.
  std::vector<Sample> big = samples(300);
  uint32_t x = 12345;
  for (auto& s : big) {
    std::string pad(8000, ' ');
    for (auto& c : pad) {
      x = x * 1103515245 + 12345;
      c = static_cast<char>('a' + (x >> 16) % 26);
    }
    s.labels.push_back({"pad", pad});
  }
  REQUIRE(sink->append("full", big).is_ok());
  const auto left = sink->pending();
  CHECK(left.samples < 300);
  CHECK(left.samples > 0);
  CHECK(metric("prometheus_remote_storage_samples_dropped_total", "full", "down") ==
        static_cast<double>(300 - left.samples));
  CHECK(metric("prometheus_remote_storage_samples_pending", "full", "down") ==
        static_cast<double>(left.samples));
}

TEST_CASE("remote write sink shutdown stops by the caller's deadline and keeps the rest") {
  testing::TempDir tmp;
  const uint16_t port = testing::free_loopback_port();  // nothing listens
  config::MetricsGeneratorStorageConfig cfg;
  cfg.path = tmp.sub("gen");
  cfg.remote_write = {endpoint(port, "down", false)};
  cfg.remote_write_flush_deadline = 1h;  // longer than any graceful shutdown
  RemoteWriteOptions o;
  o.sync = false;
  o.max_backoff = 20ms;
  {
    std::unique_ptr<RemoteWriteSink> sink;
    REQUIRE(RemoteWriteSink::open(cfg, o, &sink).is_ok());
    REQUIRE(sink->append("t", samples(4)).is_ok());
    sink->shutdown(std::chrono::steady_clock::now() + 50ms);
    CHECK(sink->append("t", samples(1)).is(Status::Code::kUnavailable));
  }
  std::unique_ptr<RemoteWriteSink> again;
  cfg.remote_write_flush_deadline = 0s;
  REQUIRE(RemoteWriteSink::open(cfg, o, &again).is_ok());
  CHECK(again->pending().samples == 4);
}

TEST_CASE("tenant directory names are safe path components and map back") {
  for (const char* t : {"single-tenant", "team/a", ".", "..", ".hidden", "a b%c", "ü"}) {
    INFO(t);
    std::string dir = tenant_dir_name(t);
    CHECK(dir.find('/') == std::string::npos);
    CHECK(dir != ".");
    CHECK(dir != "..");
    CHECK(dir[0] != '.');
    std::string back;
    REQUIRE(tenant_from_dir_name(dir, &back));
    CHECK(back == t);
  }
  CHECK(tenant_dir_name("single-tenant") == "single-tenant");
  std::string ignored;
  CHECK_FALSE(tenant_from_dir_name("bad%zz", &ignored));
  CHECK_FALSE(tenant_from_dir_name("trunc%4", &ignored));
  CHECK_FALSE(tenant_from_dir_name(".x", &ignored));
}

}  // namespace
}  // namespace tempo::generator
