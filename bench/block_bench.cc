// Block formats on the same data: size, write throughput, trace-by-ID latency (cold reader:
// bloom + index + one page/group; warm: cached bloom and index), and column scan rates.
// Data: tests/testing/trace_gen.h (8 services, 200 names, 10 spans/trace, 12 attrs/span).
//
//   block_bench [--traces=20000] [--lookups=2000] [--rounds=5] [--group-spans=2000] [--sweep]
//               [--frame-spans=700] [--frame-min-bytes=8192] [--formats=vcpp1,vcpp2] [--no-scan]
//               [--with-unframed]
//
// --sweep also writes vcpp2 with several row-group sizes and prints the trade-off.
// --frame-spans/--frame-min-bytes set how vcpp2 cuts large span chunks into frames (0: never).
// --formats picks the blocks written; --no-scan measures lookups only (for profiling);
// --with-unframed also writes vcpp2 without frames (the formatVersion 1 layout) to compare.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "tempo/block/block.h"
#include "tempo/columnar/fetch.h"
#include "testing/trace_gen.h"

using namespace tempo;
using Clock = std::chrono::steady_clock;

namespace {

double secs(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

struct Input {
  std::vector<TraceId> ids;
  std::vector<std::string> payloads;
  std::vector<std::pair<uint64_t, uint64_t>> times;
  uint64_t spans = 0;
};

Input generate(int n) {
  std::map<TraceId, testing::GeneratedTrace> sorted;
  testing::GenOptions o;
  for (int i = 0; i < n; ++i) {
    auto g = testing::generate_trace(o, i);
    sorted.emplace(g.id, std::move(g));
  }
  Input in;
  for (auto& [id, g] : sorted) {
    in.ids.push_back(id);
    in.payloads.push_back(g.data.SerializeAsString());
    uint64_t lo = UINT64_MAX, hi = 0;
    for (const auto& rs : g.data.resource_spans())
      for (const auto& ss : rs.scope_spans())
        for (const auto& sp : ss.spans()) {
          lo = std::min<uint64_t>(lo, sp.start_time_unix_nano());
          hi = std::max<uint64_t>(hi, sp.end_time_unix_nano());
          ++in.spans;
        }
    in.times.emplace_back(lo, hi);
  }
  return in;
}

// Figures over a block that cannot be opened would mean nothing: stop.
void open_reader(backend::Backend& backend, const block::BlockMeta& meta,
                 std::unique_ptr<block::BlockReader>* reader) {
  Status s = block::BlockReader::open_with_meta(backend, meta, reader);
  if (!s.is_ok()) {
    std::fprintf(stderr, "open block: %s\n", s.to_string().c_str());
    std::exit(1);
  }
}

uint64_t object_bytes(backend::Backend& b, const block::BlockMeta& m) {
  std::vector<std::string> names;
  Status s = b.list(m.tenant_id + "/" + m.block_id + "/", &names);
  if (!s.is_ok()) std::fprintf(stderr, "list: %s\n", s.to_string().c_str());
  uint64_t total = 0;
  for (const auto& n : names) {
    std::string data;
    if (n != "meta.json" && b.read(m.tenant_id + "/" + m.block_id + "/" + n, &data).is_ok())
      total += data.size();
  }
  return total;
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

struct Result {
  std::string name;
  block::BlockMeta meta;
  double data_bytes_per_span = 0, total_bytes_per_span = 0, write_spans_per_s = 0;
  std::vector<double> cold, warm;  // ms per lookup
  uint64_t cold_bytes = 0;         // bytes read from the backend by the cold lookups
  double scan_all = 0, scan_two = 0, scan_skip = 0;  // spans/s
};

Result write_block(backend::Backend& backend, const Input& in, block::WriterOptions opts,
                   const std::string& name) {
  Result r;
  r.name = name;
  const std::string id = block::new_block_id();
  auto t0 = Clock::now();
  block::BlockWriter w(backend, "bench", id, opts);
  for (size_t i = 0; i < in.ids.size(); ++i) {
    Status s = w.add(in.ids[i], in.payloads[i], in.times[i].first, in.times[i].second);
    if (!s.is_ok()) std::fprintf(stderr, "add: %s\n", s.to_string().c_str());
  }
  Status s = w.finish(&r.meta);
  if (!s.is_ok()) std::fprintf(stderr, "finish: %s\n", s.to_string().c_str());
  auto t1 = Clock::now();
  r.write_spans_per_s = in.spans / secs(t0, t1);
  r.data_bytes_per_span = static_cast<double>(r.meta.size) / in.spans;
  r.total_bytes_per_span = static_cast<double>(object_bytes(backend, r.meta)) / in.spans;
  return r;
}

// One lookup as the querier does it: find, then parse the payload. Returns ms.
double lookup(block::BlockReader& reader, const TraceId& id,
              opentelemetry::proto::trace::v1::TracesData* parsed) {
  std::string payload;
  bool found = false;
  auto a = Clock::now();
  Status st = reader.find(id, &payload, &found);
  parsed->ParseFromString(payload);  // what the querier does next
  auto b = Clock::now();
  if (!st.is_ok() || !found) {
    std::fprintf(stderr, "lookup of %s failed: %s\n", id.hex().c_str(), st.to_string().c_str());
  }
  return secs(a, b) * 1e3;
}

// Separate functions so a profiler can count cold and warm lookups apart
// (valgrind --tool=callgrind --toggle-collect='*cold_lookups*').
[[gnu::noinline]] void cold_lookups(backend::Backend& backend, const std::vector<TraceId>& ids,
                                    Result* r) {
  opentelemetry::proto::trace::v1::TracesData parsed;
  for (const auto& id : ids) {
    std::unique_ptr<block::BlockReader> reader;
    open_reader(backend, r->meta, &reader);
    r->cold.push_back(lookup(*reader, id, &parsed));
    r->cold_bytes += reader->stats().bytes_read;
  }
}

[[gnu::noinline]] void warm_lookups(block::BlockReader& reader, const std::vector<TraceId>& ids,
                                    Result* r) {
  opentelemetry::proto::trace::v1::TracesData parsed;
  for (const auto& id : ids) r->warm.push_back(lookup(reader, id, &parsed));
}

[[gnu::noinline]] void scans(backend::Backend& backend, const Input& in, Result* r) {
  std::unique_ptr<block::BlockReader> reader;
  open_reader(backend, r->meta, &reader);
  auto scan = [&](const columnar::ColumnSet& cols, const columnar::RowGroupFilter& keep) {
    uint64_t spans = 0;
    auto a = Clock::now();
    Status st = reader->scan(
        cols, keep,
        [&](const columnar::RowGroup& g) {
          spans += g.table.span_count();
          return Status::ok();
        },
        nullptr);
    auto b = Clock::now();
    if (!st.is_ok()) std::fprintf(stderr, "scan: %s\n", st.to_string().c_str());
    (void)spans;
    return in.spans / secs(a, b);  // every span of the block, read or skipped
  };
  columnar::ColumnSet all;
  all.everything = true;
  columnar::ColumnSet two;  // always-loaded columns + one span attribute key
  two.attr_keys[static_cast<int>(columnar::AttrOwner::kSpan)] = {"attr.i1"};
  scan(two, nullptr);  // warm the page cache and the index
  r->scan_all = scan(all, nullptr);
  r->scan_two = scan(two, nullptr);
  r->scan_skip = scan(two, [](const columnar::RowGroupStats& st) {
    return st.may_contain_string("absent");  // whole-block statistics have no `strings`
  });
}

void print(const Result& r, bool scanned) {
  std::printf("%-16s %7.1f %7.1f %10.0f %8.3f %8.3f %8.3f %8.3f %8.1f", r.name.c_str(),
              r.data_bytes_per_span, r.total_bytes_per_span, r.write_spans_per_s / 1e3,
              pct(r.cold, 0.5), pct(r.cold, 0.99), pct(r.warm, 0.5), pct(r.warm, 0.99),
              r.cold.empty() ? 0.0 : r.cold_bytes / 1024.0 / r.cold.size());
  if (scanned) {
    std::printf(" %10.2f %10.2f %10.1f", r.scan_all / 1e6, r.scan_two / 1e6, r.scan_skip / 1e6);
  }
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  int traces = 20000, lookups = 2000, rounds = 5;
  size_t group_spans = block::WriterOptions{}.row_group_spans;
  size_t frame_spans = block::WriterOptions{}.frame_spans;
  size_t frame_min_bytes = block::WriterOptions{}.frame_min_bytes;
  bool sweep = false, scan = true, with_unframed = false;
  std::string formats = "vcpp1,vcpp2";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--traces=", 0) == 0)
      traces = std::stoi(a.substr(9));
    else if (a.rfind("--lookups=", 0) == 0)
      lookups = std::stoi(a.substr(10));
    else if (a.rfind("--rounds=", 0) == 0)
      rounds = std::max(1, std::stoi(a.substr(9)));
    else if (a.rfind("--group-spans=", 0) == 0)
      group_spans = std::stoul(a.substr(14));
    else if (a.rfind("--frame-spans=", 0) == 0)
      frame_spans = std::stoul(a.substr(14));
    else if (a.rfind("--frame-min-bytes=", 0) == 0)
      frame_min_bytes = std::stoul(a.substr(18));
    else if (a.rfind("--formats=", 0) == 0)
      formats = a.substr(10);
    else if (a == "--sweep")
      sweep = true;
    else if (a == "--no-scan")
      scan = false;
    else if (a == "--with-unframed")
      with_unframed = true;
    else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  auto wanted = [&](std::string_view f) { return formats.find(f) != std::string::npos; };
  const auto dir =
      std::filesystem::temp_directory_path() / ("block_bench_" + std::to_string(::getpid()));
  auto backend = backend::make_local_backend(dir.string());
  std::printf("generating %d traces...\n", traces);
  const Input in = generate(traces);
  std::printf("%llu spans, %.1f B/span as serialized OTLP\n\n",
              static_cast<unsigned long long>(in.spans), [&] {
                double b = 0;
                for (const auto& p : in.payloads) b += p.size();
                return b / in.spans;
              }());

  std::vector<Result> blocks;
  if (wanted("vcpp1")) {
    block::WriterOptions v1;
    v1.format = "vcpp1";
    blocks.push_back(write_block(*backend, in, v1, "vcpp1"));
  }
  if (wanted("vcpp2")) {
    block::WriterOptions v2;
    v2.row_group_spans = group_spans;
    v2.frame_spans = frame_spans;
    v2.frame_min_bytes = frame_min_bytes;
    blocks.push_back(write_block(*backend, in, v2, "vcpp2/" + std::to_string(group_spans)));
    if (with_unframed) {  // the same without frames: formatVersion 1's bytes
      block::WriterOptions flat = v2;
      flat.frame_spans = 0;
      blocks.push_back(write_block(*backend, in, flat, "vcpp2/unframed"));
    }
    if (sweep) {
      for (size_t g : {500, 1000, 4000, 8000, 16000}) {
        v2.row_group_spans = g;
        blocks.push_back(write_block(*backend, in, v2, "vcpp2/" + std::to_string(g)));
      }
    }
  }

  // Lookups in rounds that alternate between the blocks, each round the same random IDs for
  // every block, so a busy spell of a shared machine hits every format alike.
  std::vector<std::unique_ptr<block::BlockReader>> warm_readers(blocks.size());
  for (size_t b = 0; b < blocks.size(); ++b) {
    open_reader(*backend, blocks[b].meta, &warm_readers[b]);
    opentelemetry::proto::trace::v1::TracesData parsed;
    for (int i = 0; i < 20; ++i) lookup(*warm_readers[b], in.ids[i * 997 % in.ids.size()], &parsed);
  }
  std::mt19937_64 rng(7);
  for (int round = 0; round < rounds; ++round) {
    std::vector<TraceId> cold_ids, warm_ids;
    for (int i = 0; i < std::max(1, lookups / 4 / rounds); ++i)
      cold_ids.push_back(in.ids[rng() % in.ids.size()]);
    for (int i = 0; i < std::max(1, lookups / rounds); ++i)
      warm_ids.push_back(in.ids[rng() % in.ids.size()]);
    for (size_t b = 0; b < blocks.size(); ++b) {
      cold_lookups(*backend, cold_ids, &blocks[b]);
      warm_lookups(*warm_readers[b], warm_ids, &blocks[b]);
    }
  }
  if (scan) {
    for (auto& r : blocks) scans(*backend, in, &r);
  }

  std::printf("%-16s %7s %7s %10s %8s %8s %8s %8s %8s", "format", "data", "all", "write", "cold50",
              "cold99", "warm50", "warm99", "cold rd");
  if (scan) std::printf(" %10s %10s %10s", "scan all", "scan 1key", "skip");
  std::printf("\n%-16s %7s %7s %10s %8s %8s %8s %8s %8s", "", "B/span", "B/span", "kspans/s", "ms",
              "ms", "ms", "ms", "KiB");
  if (scan) std::printf(" %10s %10s %10s", "Mspans/s", "Mspans/s", "Mspans/s");
  std::printf("\n");
  for (const auto& r : blocks) print(r, scan);
  std::filesystem::remove_all(dir);
  std::printf(
      "\nby-ID: %d rounds alternating between the blocks, the same random IDs for each; times "
      "include parsing the TracesData; 'cold rd' is what a cold lookup (new reader) reads from "
      "the backend. Scan rates count every span of the block per second of scan (one thread, "
      "data in the page cache); 'scan 1key' loads the always-loaded columns plus span attr.i1; "
      "'skip' is { span.x = \"absent\" } (the block's string filter, else each group's "
      "dictionary).\n",
      rounds);
  return 0;
}
