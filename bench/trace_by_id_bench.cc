// Trace-by-ID latency: GETs /api/traces/<id> for random IDs from a file (as written by
// load_generator --ids-out) and prints latency percentiles and QPS. Every answer must be 200;
// with --expect-spans=N every trace must also decode to exactly N spans, so a server that
// answers fast but loses data cannot post a good figure.
//
//   trace_by_id_bench --http=127.0.0.1:3200 --ids=ids.txt --queries=2000 --connections=2
//                     --expect-spans=10

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tempo/server/http_client.h"
#include "tempopb/tempo.pb.h"

int main(int argc, char** argv) {
  std::string http = "127.0.0.1:3200", ids_file;
  int queries = 1000, connections = 2, expect_spans = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&](const char* p) { return a.substr(std::string(p).size()); };
    if (a.rfind("--http=", 0) == 0)
      http = val("--http=");
    else if (a.rfind("--ids=", 0) == 0)
      ids_file = val("--ids=");
    else if (a.rfind("--queries=", 0) == 0)
      queries = std::stoi(val("--queries="));
    else if (a.rfind("--connections=", 0) == 0)
      connections = std::stoi(val("--connections="));
    else if (a.rfind("--expect-spans=", 0) == 0)
      expect_spans = std::stoi(val("--expect-spans="));
    else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  std::vector<std::string> ids;
  std::ifstream f(ids_file);
  for (std::string line; std::getline(f, line);)
    if (!line.empty()) ids.push_back(line);
  if (ids.empty()) {
    std::fprintf(stderr, "no trace ids in %s\n", ids_file.c_str());
    return 2;
  }
  auto colon = http.rfind(':');
  std::string host = http.substr(0, colon);
  uint16_t port = static_cast<uint16_t>(std::stoi(http.substr(colon + 1)));

  std::mutex mu;
  std::vector<double> latencies_ms;
  std::atomic<int> next{0}, failures{0};
  std::atomic<uint64_t> bytes{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      tempo::server::HttpClient client(host, port);
      std::mt19937_64 rng(1234 + c);
      std::vector<double> mine;
      while (next.fetch_add(1) < queries) {
        const std::string& id = ids[rng() % ids.size()];
        tempo::server::ClientResponse res;
        auto t0 = std::chrono::steady_clock::now();
        bool ok =
            client.get("/api/traces/" + id, &res, {{"Accept", "application/protobuf"}}).is_ok() &&
            res.status == 200;
        mine.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
        // Decoding happens after the clock stops: it measures this client, not the server.
        if (ok && expect_spans > 0) {
          tempopb::Trace trace;
          int spans = -1;
          if (trace.ParseFromString(res.body)) {
            spans = 0;
            for (const auto& rs : trace.batches())
              for (const auto& ss : rs.scope_spans()) spans += ss.spans_size();
          }
          if (spans != expect_spans) {
            ok = false;
            if (failures.load() < 5)
              std::fprintf(stderr, "trace %s: %d spans, want %d\n", id.c_str(), spans,
                           expect_spans);
          }
        } else if (!ok && failures.load() < 5) {
          std::fprintf(stderr, "trace %s: status %d\n", id.c_str(), res.status);
        }
        if (!ok) failures++;
        bytes += res.body.size();
      }
      std::lock_guard<std::mutex> l(mu);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) {
    return latencies_ms[std::min(latencies_ms.size() - 1,
                                 static_cast<size_t>(p * latencies_ms.size()))];
  };
  std::printf(
      "summary queries=%zu connections=%d ids=%zu qps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f "
      "max_ms=%.2f avg_body_bytes=%.0f failures=%d\n",
      latencies_ms.size(), connections, ids.size(), latencies_ms.size() / secs, pct(0.50),
      pct(0.90), pct(0.99), latencies_ms.back(),
      static_cast<double>(bytes.load()) / static_cast<double>(latencies_ms.size()),
      failures.load());
  return failures.load() == 0 ? 0 : 1;
}
