// Block formats on the same data: size, write throughput, trace-by-ID latency (cold reader:
// bloom + index + one page/group; warm: cached bloom and index), and column scan rates.
// Data: tests/testing/trace_gen.h (8 services, 200 names, 10 spans/trace, 12 attrs/span).
//
//   block_bench [--traces=20000] [--lookups=2000] [--group-spans=2000] [--sweep]
//
// --sweep also writes vcpp2 with several row-group sizes and prints the trade-off.

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
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

struct Result {
  std::string name;
  double data_bytes_per_span = 0, total_bytes_per_span = 0, write_spans_per_s = 0;
  double cold_p50 = 0, cold_p99 = 0, warm_p50 = 0, warm_p99 = 0;  // ms
  double scan_all = 0, scan_two = 0, scan_skip = 0;               // spans/s
};

Result run(backend::Backend& backend, const Input& in, block::WriterOptions opts,
           const std::string& name, int lookups) {
  Result r;
  r.name = name;
  const std::string id = block::new_block_id();
  auto t0 = Clock::now();
  block::BlockWriter w(backend, "bench", id, opts);
  for (size_t i = 0; i < in.ids.size(); ++i) {
    Status s = w.add(in.ids[i], in.payloads[i], in.times[i].first, in.times[i].second);
    if (!s.is_ok()) std::fprintf(stderr, "add: %s\n", s.to_string().c_str());
  }
  block::BlockMeta meta;
  Status s = w.finish(&meta);
  if (!s.is_ok()) std::fprintf(stderr, "finish: %s\n", s.to_string().c_str());
  auto t1 = Clock::now();
  r.write_spans_per_s = in.spans / secs(t0, t1);
  r.data_bytes_per_span = static_cast<double>(meta.size) / in.spans;
  r.total_bytes_per_span = static_cast<double>(object_bytes(backend, meta)) / in.spans;

  std::mt19937_64 rng(7);
  opentelemetry::proto::trace::v1::TracesData parsed;
  auto lookup = [&](block::BlockReader& reader) {
    const TraceId& tid = in.ids[rng() % in.ids.size()];
    std::string payload;
    bool found = false;
    auto a = Clock::now();
    Status st = reader.find(tid, &payload, &found);
    parsed.ParseFromString(payload);  // what the querier does next
    auto b = Clock::now();
    if (!st.is_ok() || !found) std::fprintf(stderr, "lookup failed: %s\n", st.to_string().c_str());
    return secs(a, b) * 1e3;
  };
  std::vector<double> cold, warm;
  for (int i = 0; i < lookups / 4; ++i) {
    std::unique_ptr<block::BlockReader> reader;
    open_reader(backend, meta, &reader);
    cold.push_back(lookup(*reader));
  }
  std::unique_ptr<block::BlockReader> reader;
  open_reader(backend, meta, &reader);
  for (int i = 0; i < 20; ++i) lookup(*reader);
  for (int i = 0; i < lookups; ++i) warm.push_back(lookup(*reader));
  r.cold_p50 = pct(cold, 0.5);
  r.cold_p99 = pct(cold, 0.99);
  r.warm_p50 = pct(warm, 0.5);
  r.warm_p99 = pct(warm, 0.99);

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
  r.scan_all = scan(all, nullptr);
  r.scan_two = scan(two, nullptr);
  r.scan_skip = scan(two, [](const columnar::RowGroupStats& st) {
    return st.strings->find("absent").has_value();
  });
  return r;
}

void print(const Result& r) {
  std::printf("%-16s %7.1f %7.1f %10.0f %8.3f %8.3f %8.3f %8.3f %10.2f %10.2f %10.1f\n",
              r.name.c_str(), r.data_bytes_per_span, r.total_bytes_per_span,
              r.write_spans_per_s / 1e3, r.cold_p50, r.cold_p99, r.warm_p50, r.warm_p99,
              r.scan_all / 1e6, r.scan_two / 1e6, r.scan_skip / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  int traces = 20000, lookups = 2000;
  size_t group_spans = block::WriterOptions{}.row_group_spans;
  bool sweep = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--traces=", 0) == 0)
      traces = std::stoi(a.substr(9));
    else if (a.rfind("--lookups=", 0) == 0)
      lookups = std::stoi(a.substr(10));
    else if (a.rfind("--group-spans=", 0) == 0)
      group_spans = std::stoul(a.substr(14));
    else if (a == "--sweep")
      sweep = true;
    else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
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
  std::printf("%-16s %7s %7s %10s %8s %8s %8s %8s %10s %10s %10s\n", "format", "data", "all",
              "write", "cold50", "cold99", "warm50", "warm99", "scan all", "scan 1key", "skip");
  std::printf("%-16s %7s %7s %10s %8s %8s %8s %8s %10s %10s %10s\n", "", "B/span", "B/span",
              "kspans/s", "ms", "ms", "ms", "ms", "Mspans/s", "Mspans/s", "Mspans/s");
  block::WriterOptions v1;
  v1.format = "vcpp1";
  print(run(*backend, in, v1, "vcpp1", lookups));
  block::WriterOptions v2;
  v2.row_group_spans = group_spans;
  print(run(*backend, in, v2, "vcpp2/" + std::to_string(group_spans), lookups));
  if (sweep) {
    for (size_t g : {500, 1000, 4000, 8000, 16000}) {
      v2.row_group_spans = g;
      print(run(*backend, in, v2, "vcpp2/" + std::to_string(g), lookups));
    }
  }
  std::filesystem::remove_all(dir);
  std::printf(
      "\nscan rates count every span of the block per second of scan (one thread, data in the "
      "page cache); 'scan 1key' loads the always-loaded columns plus span attr.i1; 'skip' is "
      "{ span.x = \"absent\" } (dictionary only). by-ID times include parsing the TracesData.\n");
  return 0;
}
