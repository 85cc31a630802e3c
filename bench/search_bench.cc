// Search latency over backend blocks, in process: writes SPANS spans of the search issue's
// data shape (8 services, 200 names, 10 spans/trace, 12 attributes cycling
// string/int/bool/double, log-uniform durations) as blocks on a local backend in a temp dir,
// then runs each query ROUNDS times through the querier and prints the best and median
// latency, the spans inspected per second and the process's peak RSS.
//
//   search_bench [--spans=1200000] [--block-spans=300000] [--rounds=3] [--live]
//                [--frame-spans=N]   (vcpp2 frames of large span chunks; 0 = none, as before)
//                [--metrics-only]    (skip the searches, run only the TraceQL metrics queries)
//
// After the searches it runs TraceQL metrics queries (query_range over the whole data, the
// default step of ~240 points) the same way: `{ } | rate() by (resource.service.name)`, the
// issue's reference query, and a quantile.
//
// --live pushes the traces through a real ingester instead (WAL on disk, fsync off) and
// searches them there, before any flush: the path that decodes the WAL on each query.
//
// No HTTP and no JSON: this measures storage and engine. Figures over HTTP come from
// bench/run_search.sh against the real binary.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tempo/backend/backend.h"
#include "tempo/block/block.h"
#include "tempo/block/block_list.h"
#include "tempo/ingester/ingester.h"
#include "tempo/querier/querier.h"
#include "testing/trace_gen.h"

namespace {

// No live data: only blocks are searched.
class NoLive : public tempo::ingester::LiveReader {
 public:
  tempo::Status find(std::string_view, const tempo::TraceId&, std::vector<std::string>*,
                     uint64_t*) override {
    return tempo::Status::ok();
  }
  tempo::Status sources(std::string_view,
                        std::vector<std::shared_ptr<tempo::columnar::SpanSource>>*) override {
    return tempo::Status::ok();
  }
};

long peak_rss_kb() {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t spans = 1200000, block_spans = 300000;
  int rounds = 3;
  bool live_mode = false, metrics_only = false;
  size_t frame_spans = tempo::block::WriterOptions{}.frame_spans;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--spans=", 0) == 0) spans = std::stoull(a.substr(8));
    else if (a.rfind("--block-spans=", 0) == 0) block_spans = std::stoull(a.substr(14));
    else if (a.rfind("--rounds=", 0) == 0) rounds = std::stoi(a.substr(9));
    else if (a == "--live") live_mode = true;
    else if (a == "--metrics-only") metrics_only = true;
    else if (a.rfind("--frame-spans=", 0) == 0) frame_spans = std::stoul(a.substr(14));
    else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  auto dir = std::filesystem::temp_directory_path() /
             ("search_bench." + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto backend = tempo::backend::make_local_backend(dir.string());
  tempo::block::BlockList blocks(*backend);

  tempo::testing::GenOptions gen;
  const uint64_t traces = spans / gen.spans_per_trace;
  const uint64_t per_block = std::max<uint64_t>(1, block_spans / gen.spans_per_trace);
  auto t0 = std::chrono::steady_clock::now();
  uint64_t bytes = 0;
  std::unique_ptr<tempo::ingester::Ingester> ing;
  if (live_mode) {
    tempo::ingester::IngesterOptions o;
    o.wal_path = (dir / "wal").string();
    o.wal_sync = false;
    o.max_block_bytes = UINT64_MAX;  // everything stays in the head block: the live path
    ing = std::make_unique<tempo::ingester::Ingester>(o, *backend, [](const auto&) {});
    if (!ing->start().is_ok()) return 1;
    std::vector<tempo::model::TraceSegment> segs;
    for (uint64_t n = 0; n < traces; ++n) {
      auto g = tempo::testing::generate_trace(gen, n);
      tempo::model::TraceSegment seg;
      seg.id = g.id;
      g.data.SerializeToString(&seg.bytes);
      seg.start_unix_nano = gen.base_time_ns;
      seg.end_unix_nano = gen.base_time_ns + 1;
      bytes += seg.bytes.size();
      segs.push_back(std::move(seg));
      if (segs.size() == 100 || n + 1 == traces) {
        tempo::ingester::Refused refused;
        if (!ing->push("single-tenant", segs, &refused).is_ok()) return 1;
        segs.clear();
      }
    }
  }
  for (uint64_t first = 0; !live_mode && first < traces; first += per_block) {
    std::vector<tempo::testing::GeneratedTrace> batch;
    for (uint64_t n = first; n < std::min(traces, first + per_block); ++n) {
      batch.push_back(tempo::testing::generate_trace(gen, n));
    }
    std::sort(batch.begin(), batch.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    tempo::block::WriterOptions wo;
    wo.expected_traces = batch.size();
    wo.frame_spans = frame_spans;
    tempo::block::BlockWriter w(*backend, "single-tenant", tempo::block::new_block_id(), wo);
    std::string payload;
    for (const auto& g : batch) {
      g.data.SerializeToString(&payload);
      uint64_t lo = UINT64_MAX, hi = 0;
      for (const auto& rs : g.data.resource_spans())
        for (const auto& ss : rs.scope_spans())
          for (const auto& s : ss.spans()) {
            lo = std::min<uint64_t>(lo, s.start_time_unix_nano());
            hi = std::max<uint64_t>(hi, s.end_time_unix_nano());
          }
      if (!w.add(g.id, payload, lo, hi).is_ok()) return 1;
    }
    tempo::block::BlockMeta meta;
    tempo::Status s = w.finish(&meta);
    if (!s.is_ok()) {
      std::fprintf(stderr, "write: %s\n", s.to_string().c_str());
      return 1;
    }
    bytes += meta.size;
    blocks.add(meta);
  }
  double write_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf(live_mode ? "pushed %llu spans to the WAL (%zu blocks): %.1f s, %.1f MB of OTLP (%.1f bytes/span)\n"
                        : "wrote %llu spans in %zu blocks: %.1f s, data %.1f MB (%.1f bytes/span)\n",
              static_cast<unsigned long long>(traces * gen.spans_per_trace),
              blocks.metas("single-tenant").size(), write_s, bytes / 1e6,
              static_cast<double>(bytes) / static_cast<double>(traces * gen.spans_per_trace));

  NoLive no_live;
  tempo::querier::Querier q(live_mode ? static_cast<tempo::ingester::LiveReader&>(*ing)
                                      : static_cast<tempo::ingester::LiveReader&>(no_live),
                            blocks);
  struct Query {
    const char* text;
    uint32_t limit;
  };
  const Query queries[] = {
      {"{ span.attr.s0 = \"value-no-such\" }", 20},
      {"{ name = \"op-17\" }", 20},
      {"{ status = error }", 20},
      {"{ duration > 5s }", 20},
      {"{ resource.service.name = \"payment\" && span.attr.i1 > 99000 }", 20},
      {"{ name = \"op-1\" } >> { status = error }", 20},
      {"{ span.attr.d3 > 999.5 }", 5000},
      {"{ resource.service.name = \"auth\" } | count() > 9", 5000},
  };
  std::printf("%-64s %6s %9s %9s %9s %8s %12s\n", "query", "limit", "first_ms", "best_ms",
              "median_ms", "traces", "spans/s");
  for (const auto& qq : queries) {
    if (metrics_only) break;
    std::vector<double> ms;
    tempo::querier::SearchResult last;
    for (int r = 0; r < rounds; ++r) {
      tempo::querier::SearchRequest req;
      req.query = qq.text;
      req.limit = qq.limit;
      tempo::querier::SearchResult res;
      auto a = std::chrono::steady_clock::now();
      tempo::Status s = q.search("single-tenant", req, &res);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
      if (!s.is_ok()) {
        std::fprintf(stderr, "%s: %s\n", qq.text, s.to_string().c_str());
        return 1;
      }
      last = std::move(res);
    }
    const double first = ms.front();
    std::sort(ms.begin(), ms.end());
    double best = ms.front(), median = ms[ms.size() / 2];
    double rate = last.metrics.inspected_spans / (best / 1000.0);
    std::printf("%-64s %6u %9.1f %9.1f %9.1f %8zu %12.0f\n", qq.text, qq.limit, first, best, median,
                last.traces.size(), rate);
  }

  // TraceQL metrics over the whole time range of the data.
  uint64_t lo = UINT64_MAX, hi = 0;
  for (const auto& m : blocks.metas("single-tenant")) {
    lo = std::min(lo, m.start_unix_nano);
    hi = std::max(hi, m.end_unix_nano);
  }
  if (live_mode || lo > hi) {
    lo = gen.base_time_ns - 60000000000ULL;
    hi = gen.base_time_ns + traces * 1000000ULL + 600000000000ULL;
  }
  const char* metrics_queries[] = {
      "{ } | rate() by (resource.service.name)",
      "{ } | quantile_over_time(duration, 0.99) by (resource.service.name)",
  };
  std::printf("%-64s %6s %9s %9s %9s %8s %12s\n", "metrics query (query_range)", "points",
              "first_ms", "best_ms", "median_ms", "series", "spans/s");
  for (const char* text : metrics_queries) {
    std::vector<double> ms;
    tempo::querier::MetricsQueryResult last;
    for (int r = 0; r < rounds; ++r) {
      tempo::querier::MetricsQueryRequest req;
      req.query = text;
      req.start_ns = lo;
      req.end_ns = hi + 1;
      req.step_ns = tempo::traceql::default_step_ns(req.start_ns, req.end_ns);
      tempo::querier::MetricsQueryResult res;
      auto a = std::chrono::steady_clock::now();
      tempo::Status s = q.metrics_query("single-tenant", req, &res);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
      if (!s.is_ok()) {
        std::fprintf(stderr, "%s: %s\n", text, s.to_string().c_str());
        return 1;
      }
      last = std::move(res);
    }
    const double first = ms.front();
    std::sort(ms.begin(), ms.end());
    const double best = ms.front(), median = ms[ms.size() / 2];
    const size_t points = last.series.empty() ? 0 : last.series.front().values.size();
    std::printf("%-64s %6zu %9.1f %9.1f %9.1f %8zu %12.0f\n", text, points, first, best, median,
                last.series.size(), last.metrics.inspected_spans / (best / 1000.0));
  }
  std::printf("peak RSS %.1f MB\n", peak_rss_kb() / 1024.0);
  if (ing) ing->stop();
  std::filesystem::remove_all(dir);
  return 0;
}
