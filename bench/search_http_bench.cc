// Search latency as a client sees it: GETs /api/search?q=<TraceQL>&limit=N (JSON, as Grafana's
// Tempo data source asks for it) against a running server, ROUNDS times per query, one query at
// a time on one keep-alive connection, and prints per query the best and median latency, the
// traces returned, the server's metrics.inspectedSpans and spans/s (inspectedSpans / best).
// Any answer other than 200, or one that is not the JSON of a search response, exits 1.
//
//   search_http_bench --http=127.0.0.1:3200 [--query='{ status = error }' --limit=20]
//                     [--rounds=3] [--start=UNIX_S --end=UNIX_S] [--server-pid=PID]
//
// Without --query it runs the queries real Tempo 2.10.8 was measured with (bench/README.md).
// --server-pid adds the server's peak RSS (VmHWM) to the last line. Latency includes the HTTP
// round trip and the JSON encoding; the answer is parsed after the clock stops.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tempo/server/http_client.h"
#include "tempo/server/http_server.h"

namespace {

using tempo::server::url_encode;

struct Query {
  std::string text;
  uint32_t limit;
  const char* tempo_ms;  // real Tempo's best of 3 on 1.2M spans; "-" when not measured
};

// The reference table of bench/README.md; Tempo's figures for the three simple predicates
// were reported only as a range over the three.
const Query kReferenceQueries[] = {
    {R"({ span.attr.s0 = "value-no-such" })", 20, "173"},
    {R"({ name = "op-17" })", 20, "11-52"},
    {R"({ status = error })", 20, "11-52"},
    {R"({ duration > 5s })", 20, "11-52"},
    {R"({ resource.service.name = "payment" && span.attr.i1 > 99000 })", 20, "102"},
    {R"({ name = "op-1" } >> { status = error })", 20, "374"},
    {R"({ span.attr.d3 > 999.5 })", 5000, "1950"},
    {R"({ resource.service.name = "auth" } | count() > 9)", 5000, "1570"},
};

// protojson writes uint64 as a string and uint32 as a number; accept both.
uint64_t json_uint(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_string()) return std::stoull(it->get<std::string>());
  if (it->is_number()) return it->get<uint64_t>();
  return 0;
}

long peak_rss_kb(int pid) {
  if (pid <= 0) return -1;
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(f, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string http = "127.0.0.1:3200", query, start, end;
  uint32_t limit = 20;
  int rounds = 3, server_pid = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&](const char* p) { return a.substr(std::strlen(p)); };
    if (a.rfind("--http=", 0) == 0)
      http = val("--http=");
    else if (a.rfind("--query=", 0) == 0)
      query = val("--query=");
    else if (a.rfind("--limit=", 0) == 0)
      limit = static_cast<uint32_t>(std::stoul(val("--limit=")));
    else if (a.rfind("--rounds=", 0) == 0)
      rounds = std::max(1, std::stoi(val("--rounds=")));
    else if (a.rfind("--start=", 0) == 0)
      start = val("--start=");
    else if (a.rfind("--end=", 0) == 0)
      end = val("--end=");
    else if (a.rfind("--server-pid=", 0) == 0)
      server_pid = std::stoi(val("--server-pid="));
    else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  std::vector<Query> queries;
  if (!query.empty()) {
    queries.push_back({query, limit, "-"});
  } else {
    queries.assign(std::begin(kReferenceQueries), std::end(kReferenceQueries));
  }
  auto colon = http.rfind(':');
  tempo::server::HttpClient client(http.substr(0, colon),
                                   static_cast<uint16_t>(std::stoi(http.substr(colon + 1))),
                                   std::chrono::minutes(10));

  std::printf("%-62s %5s %9s %9s %6s %11s %7s %9s\n", "query", "limit", "best_ms", "median_ms",
              "traces", "inspected", "Mspan/s", "tempo_ms");
  bool failed = false;
  for (const auto& q : queries) {
    std::string target =
        "/api/search?q=" + url_encode(q.text) + "&limit=" + std::to_string(q.limit);
    if (!start.empty()) target += "&start=" + start;
    if (!end.empty()) target += "&end=" + end;
    std::vector<double> ms;
    size_t traces = 0;
    uint64_t inspected = 0;
    for (int r = 0; r < rounds; ++r) {
      tempo::server::ClientResponse res;
      auto t0 = std::chrono::steady_clock::now();
      tempo::Status s = client.get(target, &res, {{"Accept", "application/json"}});
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (!s.is_ok() || res.status != 200) {
        std::fprintf(stderr, "%s: %s\n", q.text.c_str(),
                     s.is_ok() ? ("status " + std::to_string(res.status) + ": " + res.body).c_str()
                               : s.to_string().c_str());
        return 1;
      }
      auto j = nlohmann::json::parse(res.body, nullptr, /*allow_exceptions=*/false);
      if (j.is_discarded() || !j.is_object() || !j.contains("metrics")) {
        std::fprintf(stderr, "%s: not a search response: %.200s\n", q.text.c_str(),
                     res.body.c_str());
        return 1;
      }
      traces = j.contains("traces") ? j["traces"].size() : 0;
      inspected = json_uint(j["metrics"], "inspectedSpans");
      if (traces > q.limit) {
        std::fprintf(stderr, "%s: %zu traces for limit %u\n", q.text.c_str(), traces, q.limit);
        failed = true;
      }
    }
    std::sort(ms.begin(), ms.end());
    const double best = ms.front(), median = ms[ms.size() / 2];
    std::printf("%-62s %5u %9.1f %9.1f %6zu %11llu %7.2f %9s\n", q.text.c_str(), q.limit, best,
                median, traces, static_cast<unsigned long long>(inspected),
                static_cast<double>(inspected) / (best / 1000.0) / 1e6, q.tempo_ms);
    std::fflush(stdout);
  }
  if (server_pid > 0) {
    std::printf("server peak RSS (VmHWM) %.1f MB\n", peak_rss_kb(server_pid) / 1024.0);
  }
  return failed ? 1 : 0;
}
