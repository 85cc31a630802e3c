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
#include <string>
#include <vector>

#include "tempo/block/block.h"
#include "tempo/block/block_list.h"
#include "tempo/compactor/compactor.h"
#include "tempo/observability/log.h"
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

double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
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

}  // namespace

int main(int argc, char** argv) {
  const uint64_t blocks = std::max<uint64_t>(flag(argc, argv, "blocks", 10), 2);
  const uint64_t spans_per_block = flag(argc, argv, "spans", 200000);
  const std::string dir = str_flag(
      argc, argv, "dir",
      (std::filesystem::temp_directory_path() / ("compaction-bench-" + std::to_string(::getpid())))
          .string());
  log::set_level(log::Level::kWarn);
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
  const double cpu0 = cpu_seconds();
  Status s = c.compact(inputs, &r);
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
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
