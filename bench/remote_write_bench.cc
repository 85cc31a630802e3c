// Remote write figures: encoding (WriteRequest + snappy) rate, append() latency with the
// on-disk queue (fdatasync per append), and end-to-end delivery rate to a loopback receiver
// (tests/generator/fake_receiver.h, answering 200) or a real endpoint (--url). Prints
// figures, asserts nothing.
//
//   remote_write_bench [--series=20000] [--collections=20] [--exemplars=1]
//                      [--url=http://127.0.0.1:9090/api/v1/write] [--dir=/tmp/...]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "generator/fake_receiver.h"
#include "generator/remote_write/write_request.h"
#include "tempo/generator/remote_write.h"
#include "testing/temp_dir.h"

using namespace tempo;
using Clock = std::chrono::steady_clock;

namespace {

std::string flag(int argc, char** argv, const std::string& name, const std::string& def) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--" + name + "=", 0) == 0) return a.substr(name.size() + 3);
  }
  return def;
}

double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Span-metrics-shaped series: 20 services x N/20 span names x a few label values.
std::vector<generator::Sample> collection(int series, int round, bool exemplars, int64_t ts) {
  std::vector<generator::Sample> out;
  out.reserve(static_cast<size_t>(series));
  for (int i = 0; i < series; ++i) {
    generator::Sample s;
    s.labels = {{"__name__", i % 3 == 0 ? "traces_spanmetrics_calls_total"
                                        : "traces_spanmetrics_latency_bucket"},
                {"le", std::to_string(0.002 * (1 << (i % 14)))},
                {"service", "service-" + std::to_string(i % 20)},
                {"span_kind", "SPAN_KIND_SERVER"},
                {"span_name", "GET /api/v1/resource/" + std::to_string(i / 20)},
                {"status_code", "STATUS_CODE_UNSET"}};
    s.value = round * 10.0 + i;
    s.timestamp_ms = ts;
    if (exemplars) {
      char id[33];
      std::snprintf(id, sizeof id, "%016x%016x", i * 2654435761u, round * 40503u + i);
      s.exemplars = {{{{"trace_id", id}}, 0.01 * i, ts}};
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const int series = std::stoi(flag(argc, argv, "series", "20000"));
  const int rounds = std::stoi(flag(argc, argv, "collections", "20"));
  const bool exemplars = flag(argc, argv, "exemplars", "1") == "1";
  const std::string url = flag(argc, argv, "url", "");
  testing::TempDir tmp;
  const std::string dir = flag(argc, argv, "dir", tmp.sub("generator"));

  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::vector<std::vector<generator::Sample>> data;
  for (int r = 0; r < rounds; ++r) data.push_back(collection(series, r, exemplars, now + r));

  // 1. Encoding alone.
  size_t wire = 0, batches = 0;
  auto t0 = Clock::now();
  for (const auto& c : data) {
    for (const auto& b : generator::remote_write::encode_batches(c, exemplars)) {
      wire += b.body.size();
      ++batches;
    }
  }
  const double enc = secs(Clock::now() - t0);
  const double total = static_cast<double>(series) * rounds;
  std::printf("encode: %.0f samples/s, %.1f wire bytes/sample, %zu requests of <= 2000\n",
              total / enc, static_cast<double>(wire) / total, batches);

  // 2. append() (queue on disk, fdatasync) and delivery.
  std::unique_ptr<testing::FakeReceiver> rx;
  config::RemoteWriteConfig ep;
  if (url.empty()) {
    rx = std::make_unique<testing::FakeReceiver>(std::vector<int>{}, 200);
    ep.url = "http://127.0.0.1:" + std::to_string(rx->port()) + "/push";
    ep.host = "127.0.0.1";
    ep.port = rx->port();
    ep.target = "/push";
  } else {
    // http://host:port/path only, for a quick look at a real endpoint.
    ep.url = url;
    std::string rest = url.substr(url.find("://") + 3);
    std::string auth = rest.substr(0, rest.find('/'));
    ep.target = rest.substr(auth.size());
    ep.host = auth.substr(0, auth.find(':'));
    ep.port = std::stoi(auth.substr(auth.find(':') + 1));
  }
  ep.name = "bench";
  ep.send_exemplars = exemplars;
  config::MetricsGeneratorStorageConfig cfg;
  cfg.path = dir;
  cfg.remote_write = {ep};
  std::unique_ptr<generator::RemoteWriteSink> sink;
  Status s = generator::RemoteWriteSink::open(cfg, {}, &sink);
  if (!s.is_ok()) {
    std::fprintf(stderr, "%s\n", s.to_string().c_str());
    return 1;
  }
  std::vector<double> append_ms;
  t0 = Clock::now();
  for (auto& c : data) {
    auto a0 = Clock::now();
    s = sink->append("bench", std::move(c));
    append_ms.push_back(secs(Clock::now() - a0) * 1000);
    if (!s.is_ok()) {
      std::fprintf(stderr, "%s\n", s.to_string().c_str());
      return 1;
    }
  }
  const double appended = secs(Clock::now() - t0);
  while (sink->pending().samples > 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const double delivered = secs(Clock::now() - t0);
  std::sort(append_ms.begin(), append_ms.end());
  std::printf(
      "append: %d collections of %d series, p50 %.1f ms, max %.1f ms per collection "
      "(encode + queue + fdatasync), %.0f samples/s\n",
      rounds, series, append_ms[append_ms.size() / 2], append_ms.back(), total / appended);
  std::printf("deliver: all %.0f samples in %.2f s: %.0f samples/s to %s\n", total, delivered,
              total / delivered, ep.url.c_str());
  sink.reset();
  return 0;
}
