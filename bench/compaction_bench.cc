// Compaction throughput and memory: writes `blocks` vcpp2 blocks of about `spans` spans each
// to a local backend (traces interleaved by ID across blocks, and every 10th trace also
// repeated whole in the next block, so the merge combines and drops duplicate spans), then
// merges them all in one job and prints spans/s, MB/s and the peak RSS of the merge alone.
// Data: tests/testing/trace_gen.h (10 spans/trace, 12 attributes/span).
//
//   compaction_bench [--blocks=10] [--spans=200000] [--dir=/tmp/...]
//
// The figure is --spans=1000000 (10 blocks of 1M spans); the default is 200k spans
// per block because writing the inputs takes minutes on a busy 2-core machine.
//
//   compaction_bench --small-blocks=200 [--spans-per-block=5000] [--rounds=5] [--lookups=200]
//
// The other figure: what many small blocks cost readers. Writes --small-blocks blocks
// of consecutive traces (each block its own time range, all in one compaction window inside
// the active day, so every block is eligible), then measures searches through the querier
// (best and median of --rounds, all on one BlockList, so readers are warm after the first
// query) and cold trace-by-ID lookups (a new BlockList per lookup, so each block's bloom
// filter and index are read from the backend again) over --lookups random known IDs; then
// runs compaction cycles until no job is left and measures both again.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cpu_time.h"
#include "tempo/block/block.h"
#include "tempo/block/block_list.h"
#include "tempo/compactor/compactor.h"
#include "tempo/ingester/ingester.h"
#include "tempo/observability/log.h"
#include "tempo/querier/querier.h"
#include "testing/trace_gen.h"

using namespace tempo;
using Clock = std::chrono::steady_clock;

namespace {

long status_kib(const char* field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const size_t n = std::strlen(field);
  while (std::getline(f, line)) {
    if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':') {
      return std::atol(line.c_str() + n + 1);
    }
  }
  return -1;
}

// Resets VmHWM to the current RSS (Linux >= 4.0), so the peak afterwards is the merge's own.
bool reset_peak_rss() {
  int fd = ::open("/proc/self/clear_refs", O_WRONLY);
  if (fd < 0) return false;
  const bool ok = ::write(fd, "5", 1) == 1;
  ::close(fd);
  return ok;
}

uint64_t flag(int argc, char** argv, const char* name, uint64_t def) {
  const std::string p = std::string("--") + name + "=";
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], p.c_str(), p.size()) == 0)
      return std::strtoull(argv[i] + p.size(), nullptr, 10);
  }
  return def;
}

std::string str_flag(int argc, char** argv, const char* name, std::string def) {
  const std::string p = std::string("--") + name + "=";
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], p.c_str(), p.size()) == 0) return argv[i] + p.size();
  }
  return def;
}

// No live data: only blocks are read.
class NoLive : public ingester::LiveReader {
 public:
  Status find(std::string_view, const TraceId&, std::vector<std::string>*, uint64_t*) override {
    return Status::ok();
  }
  Status sources(std::string_view, std::vector<std::shared_ptr<columnar::SpanSource>>*) override {
    return Status::ok();
  }
};

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// The q-quantile of `v` (sorted in place).
double pct(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

const char* const kSmallQueries[] = {
    "{ resource.service.name = \"payment\" }",
    "{ span.attr.i1 = 500 }",  // an int equality, as http.status_code = 500 (few matches)
    "{ span.attr.s0 = \"value-no-such\" }",  // matches nothing: every block is read
};
constexpr size_t kNumSmallQueries = sizeof(kSmallQueries) / sizeof(kSmallQueries[0]);

struct ReadFigures {
  size_t blocks = 0;
  double best_ms[kNumSmallQueries] = {}, median_ms[kNumSmallQueries] = {};
  size_t found[kNumSmallQueries] = {};
  uint64_t inspected_bytes[kNumSmallQueries] = {};
  uint32_t jobs[kNumSmallQueries] = {};
  double cold_p50 = 0, cold_p99 = 0;
};

// Searches and cold lookups over the blocks of `tenant` as `metas` lists them.
Status measure_reads(backend::Backend& backend, const std::vector<block::BlockMeta>& metas,
                     const std::string& tenant, const std::vector<TraceId>& lookup_ids, int rounds,
                     ReadFigures* out) {
  out->blocks = metas.size();
  NoLive no_live;
  {
    block::BlockList list(backend);
    for (const auto& m : metas) list.add(m);
    querier::Querier q(no_live, list);
    for (size_t i = 0; i < kNumSmallQueries; ++i) {
      std::vector<double> ms;
      for (int r = 0; r < rounds; ++r) {
        querier::SearchRequest req;
        req.query = kSmallQueries[i];
        querier::SearchResult res;
        const auto t = Clock::now();
        Status s = q.search(tenant, req, &res);
        ms.push_back(ms_since(t));
        if (!s.is_ok()) return s;
        out->found[i] = res.traces.size();
        out->inspected_bytes[i] = res.metrics.inspected_bytes;
        out->jobs[i] = res.metrics.completed_jobs;
      }
      out->best_ms[i] = pct(ms, 0);
      out->median_ms[i] = pct(ms, 0.5);
    }
  }
  std::vector<double> cold;
  for (const auto& id : lookup_ids) {
    // A new list (and so new readers) per lookup: nothing of the blocks is cached.
    block::BlockList list(backend);
    for (const auto& m : metas) list.add(m);
    querier::Querier q(no_live, list, 1);
    querier::TraceByIdRequest req;
    req.id = id;
    querier::TraceByIdResult res;
    const auto t = Clock::now();
    Status s = q.find_trace_by_id(tenant, req, &res);
    cold.push_back(ms_since(t));
    if (!s.is_ok()) return s;
    if (!res.found) return Status::internal("a written trace was not found by ID");
  }
  out->cold_p50 = pct(cold, 0.5);
  out->cold_p99 = pct(cold, 0.99);
  return Status::ok();
}

// Writes one block of `tenant` holding traces [first, first + count) of `g`, sorted by ID,
// each with its own span time range.
Status write_trace_block(backend::Backend& backend, const std::string& tenant,
                         const testing::GenOptions& g, uint64_t first, uint64_t count,
                         std::vector<TraceId>* ids) {
  std::vector<testing::GeneratedTrace> batch;
  for (uint64_t n = first; n < first + count; ++n) batch.push_back(testing::generate_trace(g, n));
  std::sort(batch.begin(), batch.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  block::WriterOptions wo;
  wo.expected_traces = batch.size();
  block::BlockWriter w(backend, tenant, block::new_block_id(), wo);
  std::string payload;
  for (const auto& t : batch) {
    uint64_t lo = UINT64_MAX, hi = 0;
    for (const auto& rs : t.data.resource_spans())
      for (const auto& ss : rs.scope_spans())
        for (const auto& sp : ss.spans()) {
          lo = std::min<uint64_t>(lo, sp.start_time_unix_nano());
          hi = std::max<uint64_t>(hi, sp.end_time_unix_nano());
        }
    t.data.SerializeToString(&payload);
    Status s = w.add(t.id, payload, lo, hi);
    if (!s.is_ok()) return s;
    ids->push_back(t.id);
  }
  block::BlockMeta meta;
  return w.finish(&meta);
}

int small_blocks_mode(int argc, char** argv, uint64_t blocks, const std::string& dir) {
  const uint64_t spans_per_block =
      std::max<uint64_t>(flag(argc, argv, "spans-per-block", 5000), 10);
  const int rounds = static_cast<int>(std::max<uint64_t>(flag(argc, argv, "rounds", 5), 1));
  const uint64_t lookups = flag(argc, argv, "lookups", 200);
  const std::string tenant = "bench";
  testing::GenOptions g;
  // All traces in the previous hour-long window (the default compaction_window): inside the
  // active day, so the selector takes them level by level as it would fresh flushes.
  const auto hour = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::hours(1));
  const uint64_t now_ns =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
  const uint64_t h = static_cast<uint64_t>(hour.count());
  g.base_time_ns = (now_ns / h - 1) * h + 60ULL * 1000000000ULL;
  const uint64_t traces_per_block = spans_per_block / static_cast<uint64_t>(g.spans_per_trace);
  std::printf("compaction_bench: %llu small blocks x %llu spans (%llu traces each), dir %s\n",
              static_cast<unsigned long long>(blocks),
              static_cast<unsigned long long>(spans_per_block),
              static_cast<unsigned long long>(traces_per_block), dir.c_str());
  auto backend = backend::make_local_backend(dir);
  std::vector<TraceId> ids;
  const auto w0 = Clock::now();
  for (uint64_t b = 0; b < blocks; ++b) {
    Status s = write_trace_block(*backend, tenant, g, b * traces_per_block, traces_per_block, &ids);
    if (!s.is_ok()) {
      std::fprintf(stderr, "writing block %llu: %s\n", static_cast<unsigned long long>(b),
                   s.to_string().c_str());
      return 1;
    }
  }
  std::printf("blocks written in %.1f s\n", ms_since(w0) / 1000);

  std::mt19937_64 rng(42);
  std::vector<TraceId> lookup_ids;
  for (uint64_t i = 0; i < lookups && !ids.empty(); ++i)
    lookup_ids.push_back(ids[rng() % ids.size()]);

  block::BlockList list(*backend);
  if (!list.load().is_ok()) return 1;
  ReadFigures before, after;
  Status s = measure_reads(*backend, list.metas(tenant), tenant, lookup_ids, rounds, &before);
  if (!s.is_ok()) {
    std::fprintf(stderr, "reads before compaction: %s\n", s.to_string().c_str());
    return 1;
  }

  compactor::Compactor c(*backend, list, {});
  size_t cycles = 0, jobs = 0;
  const auto c0 = Clock::now();
  const double cpu0 = tempo::bench::cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  for (;;) {
    size_t done = 0;
    s = c.run_cycle(&done);
    if (!s.is_ok()) {
      std::fprintf(stderr, "compaction cycle: %s\n", s.to_string().c_str());
      return 1;
    }
    if (done == 0) break;
    ++cycles;
    jobs += done;
  }
  std::printf("compaction: %zu cycles, %zu jobs, %zu blocks left, %.1f s (%.1f CPU s)\n", cycles,
              jobs, list.metas(tenant).size(), ms_since(c0) / 1000,
              tempo::bench::cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0);
  s = measure_reads(*backend, list.metas(tenant), tenant, lookup_ids, rounds, &after);
  if (!s.is_ok()) {
    std::fprintf(stderr, "reads after compaction: %s\n", s.to_string().c_str());
    return 1;
  }

  std::printf("\n%-44s %14s %14s\n", "", "before", "after");
  std::printf("%-44s %14zu %14zu\n", "blocks", before.blocks, after.blocks);
  for (size_t i = 0; i < kNumSmallQueries; ++i) {
    char b[32], a[32];
    std::snprintf(b, sizeof b, "%.1f / %.1f", before.best_ms[i], before.median_ms[i]);
    std::snprintf(a, sizeof a, "%.1f / %.1f", after.best_ms[i], after.median_ms[i]);
    std::printf("%-44s %14s %14s   (traces %zu / %zu, jobs %u / %u, inspected %.2f / %.2f MB)\n",
                kSmallQueries[i], b, a, before.found[i], after.found[i], before.jobs[i],
                after.jobs[i], before.inspected_bytes[i] / 1e6, after.inspected_bytes[i] / 1e6);
  }
  std::printf("%-44s %14.2f %14.2f\n", "cold by-ID p50 ms", before.cold_p50, after.cold_p50);
  std::printf("%-44s %14.2f %14.2f\n", "cold by-ID p99 ms", before.cold_p99, after.cold_p99);
  std::printf("(search: best / median ms of %d rounds, limit 20; cold by-ID over %zu lookups)\n",
              rounds, lookup_ids.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t blocks = std::max<uint64_t>(flag(argc, argv, "blocks", 10), 2);
  const uint64_t spans_per_block = flag(argc, argv, "spans", 200000);
  const std::string dir = str_flag(
      argc, argv, "dir",
      (std::filesystem::temp_directory_path() / ("compaction-bench-" + std::to_string(::getpid())))
          .string());
  log::set_level(log::Level::kWarn);
  if (const uint64_t small = flag(argc, argv, "small-blocks", 0); small > 0) {
    const int rc = small_blocks_mode(argc, argv, small, dir);
    std::error_code ec;
    if (str_flag(argc, argv, "dir", "").empty()) std::filesystem::remove_all(dir, ec);
    return rc;
  }
  testing::GenOptions g;
  const uint64_t traces_per_block = spans_per_block / static_cast<uint64_t>(g.spans_per_trace);
  const uint64_t traces = traces_per_block * blocks;
  std::printf("compaction_bench: %llu blocks x %llu spans (%llu traces each), dir %s\n",
              static_cast<unsigned long long>(blocks),
              static_cast<unsigned long long>(spans_per_block),
              static_cast<unsigned long long>(traces_per_block), dir.c_str());
  auto backend = backend::make_local_backend(dir);

  // Block b holds traces n with n % blocks == b, and traces n % 10 == 0 of block b-1 again.
  const auto w0 = Clock::now();
  uint64_t input_spans = 0;
  std::vector<TraceId> ids(traces);
  for (uint64_t n = 0; n < traces; ++n) ids[n] = testing::generate_trace(g, n).id;
  for (uint64_t b = 0; b < blocks; ++b) {
    std::vector<std::pair<TraceId, uint64_t>> order;
    const uint64_t prev = (b + blocks - 1) % blocks;
    for (uint64_t n = 0; n < traces; ++n) {
      if (n % blocks == b || (n % blocks == prev && n % 10 == 0)) order.emplace_back(ids[n], n);
    }
    std::sort(order.begin(), order.end());
    block::WriterOptions wo;
    block::BlockWriter w(*backend, "bench", block::new_block_id(), wo);
    for (const auto& [id, n] : order) {
      auto t = testing::generate_trace(g, n);
      if (!w.add(id, t.data.SerializeAsString(), g.base_time_ns, g.base_time_ns + 1000000000ULL)
               .is_ok()) {
        std::fprintf(stderr, "writing input failed\n");
        return 1;
      }
      input_spans += static_cast<uint64_t>(g.spans_per_trace);
    }
    block::BlockMeta meta;
    if (!w.finish(&meta).is_ok()) return 1;
  }
  std::printf("inputs written in %.1f s\n",
              std::chrono::duration<double>(Clock::now() - w0).count());

  block::BlockList list(*backend);
  if (!list.load().is_ok()) return 1;
  auto inputs = list.metas("bench");
  uint64_t input_bytes = 0;
  for (const auto& m : inputs) input_bytes += m.size;

  const long rss_before = status_kib("VmRSS");
  const bool reset = reset_peak_rss();
  compactor::Compactor c(*backend, list, {});
  compactor::JobResult r;
  const auto t0 = Clock::now();
  const double cpu0 = tempo::bench::cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  Status s = c.compact(inputs, &r);
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = tempo::bench::cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  if (!s.is_ok()) {
    std::fprintf(stderr, "compaction failed: %s\n", s.to_string().c_str());
    return 1;
  }
  const long peak = status_kib("VmHWM");
  std::printf(
      "merged %zu blocks (%.1f MB) into one (%.1f MB, %llu traces, %llu combined) in %.2f s\n",
      inputs.size(), input_bytes / 1e6, r.output.size / 1e6,
      static_cast<unsigned long long>(r.output.total_objects),
      static_cast<unsigned long long>(r.traces_combined), secs);
  std::printf("throughput (wall): %.0f spans/s in, %.1f MB/s read, %.1f MB/s written\n",
              input_spans / secs, input_bytes / 1e6 / secs, r.output.size / 1e6 / secs);
  // CPU time: what the merge costs whatever else the machine runs (wall time on a shared
  // machine measures the neighbours too).
  std::printf("throughput (per CPU second, %.2f s): %.0f spans/s in, %.1f MB/s read\n", cpu,
              input_spans / cpu, input_bytes / 1e6 / cpu);
  std::printf("rss: %ld KiB before; peak during the merge %ld KiB%s\n", rss_before, peak,
              reset ? "" : " (could not reset VmHWM: peak of the whole run)");
  std::error_code ec;
  if (str_flag(argc, argv, "dir", "").empty()) std::filesystem::remove_all(dir, ec);
  return 0;
}
