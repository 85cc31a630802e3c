// CPU per span of an ingester flush: a sealed WAL block read back and written as a vcpp2
// block (what Ingester::flush_one does per block). The WAL holds what the distributor stores:
// requests of issue #17's shape (bench/issue_request.h) cut by model::split_by_trace_wire and
// appended record by record, so the flush reads the same bytes, in the same layout, as in the
// server.
//
//   flush_bench [--requests=200] [--spans=1000] [--rounds=5] [--dir=/tmp]
//
// Prints the median and best of `rounds` flushes of the same WAL block in ns/span of thread
// CPU time, spans/s of one thread at that rate, and the block's bytes per span.

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_flags.h"
#include "cpu_time.h"
#include "ingester/wal_block.h"
#include "issue_request.h"
#include "tempo/backend/backend.h"
#include "tempo/model/trace_split.h"
#include "tempo/util/env.h"

using namespace tempo;

int main(int argc, char** argv) {
  int requests = 200, spans = 1000, rounds = 5;
  std::string base = std::filesystem::temp_directory_path().string();
  for (int i = 1; i < argc; ++i) {
    std::string v;
    const std::string a = argv[i];
    if (bench::flag(a, "requests", &v))
      requests = std::stoi(v);
    else if (bench::flag(a, "spans", &v))
      spans = std::stoi(v);
    else if (bench::flag(a, "rounds", &v))
      rounds = std::stoi(v);
    else if (bench::flag(a, "dir", &v))
      base = v;
    else {
      std::fprintf(stderr, "usage: %s [--requests=200] [--spans=1000] [--rounds=5] [--dir=/tmp]\n",
                   argv[0]);
      return 2;
    }
  }
  const std::filesystem::path dir = base + "/flush_bench_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  auto fail = [&](const Status& s) {
    std::fprintf(stderr, "flush_bench: %s\n", s.to_string().c_str());
    std::filesystem::remove_all(dir);
    return 1;
  };

  std::shared_ptr<ingester::WalBlock> wal;
  Status s =
      ingester::WalBlock::create(*Env::posix(), (dir / "wal").string(), "bench", false, &wal);
  if (!s.is_ok()) return fail(s);
  uint64_t total_spans = 0;
  for (int r = 0; r < requests; ++r) {
    model::SplitResult split;
    s = model::split_by_trace_wire(bench::issue_request(spans, static_cast<uint32_t>(r)), &split);
    if (s.is_ok()) s = wal->append(split.segments);
    if (!s.is_ok()) return fail(s);
    total_spans += split.spans_accepted;
  }
  wal->seal();

  std::vector<double> ns_per_span;
  uint64_t block_bytes = 0;
  for (int r = 0; r < rounds; ++r) {
    const std::string blocks = (dir / ("blocks" + std::to_string(r))).string();
    auto backend = backend::make_local_backend(blocks);
    block::BlockMeta meta;
    const double t0 = bench::cpu_seconds();
    s = wal->write_block(*backend, block::WriterOptions{}, &meta);
    const double t1 = bench::cpu_seconds();
    if (!s.is_ok()) return fail(s);
    ns_per_span.push_back((t1 - t0) * 1e9 / static_cast<double>(total_spans));
    block_bytes = meta.size;
    std::filesystem::remove_all(blocks);
  }
  std::sort(ns_per_span.begin(), ns_per_span.end());
  const double median = ns_per_span[ns_per_span.size() / 2];
  std::printf(
      "flush: %llu spans in %llu WAL bytes; write_block median %.0f ns/span (best %.0f) = "
      "%.0fk spans/s on one thread; block data %.1f B/span\n",
      static_cast<unsigned long long>(total_spans), static_cast<unsigned long long>(wal->bytes()),
      median, ns_per_span.front(), 1e6 / median, static_cast<double>(block_bytes) / total_spans);
  std::filesystem::remove_all(dir);
  return 0;
}
