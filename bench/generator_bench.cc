// CPU cost of the metrics generator per span, in process, beside the cost of decoding the same
// spans from the wire (what every ingest path pays first). The request has the shape of
// load_generator's default (100 spans per request, 10 spans per trace, 8 attributes per span,
// a SERVER root with CLIENT children), so the figures compare with bench/run_generator.sh.
// Times are thread CPU time, so a busy machine skews them less than wall time.
//
//   generator_bench [--requests=N] [--connections=N] [--threads=N,...]
//
// Prints ns/span for: decode, offer (routing the per-trace segments to the shards, what the
// distributor's thread pays; their bytes are moved, not copied), and the shards' work (parse +
// processors + the merge at collection) with span-metrics, service-graphs, and both, run
// synchronously on one thread for each shard count in --threads (default 1,4). Then, with the
// threads running, the wall time to process every span offered from one thread: spans/s and CPU
// seconds of the process.

#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "cpu_time.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/generator/exposure.h"
#include "tempo/generator/generator.h"
#include "tempo/model/trace_split.h"

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::trace::v1::Span;

namespace {

// What the distributor hands the generator: one request split into per-trace segments.
using Segments = std::vector<tempo::model::TraceSegment>;

// One request of load_generator's default shape; trace IDs made unique by `seq`.
ExportTraceServiceRequest make(int connection, uint64_t seq) {
  ExportTraceServiceRequest req;
  auto* rs = req.add_resource_spans();
  auto attr = [](auto* list, const std::string& k, const std::string& v) {
    auto* a = list->Add();
    a->set_key(k);
    a->mutable_value()->set_string_value(v);
  };
  attr(rs->mutable_resource()->mutable_attributes(), "service.name",
       "loadgen-" + std::to_string(connection));
  attr(rs->mutable_resource()->mutable_attributes(), "host.name", "bench-host");
  auto* ss = rs->add_scope_spans();
  const int spans = 100, per_trace = 10;
  for (int i = 0; i < spans; ++i) {
    const int t = i / per_trace;
    std::string tid(16, '\0');
    uint64_t a = seq * 16 + static_cast<uint64_t>(t) + 1;
    std::memcpy(tid.data(), &a, 8);
    std::memcpy(tid.data() + 8, &connection, 4);
    auto* sp = ss->add_spans();
    sp->set_trace_id(tid);
    uint64_t sid = 0x1000 + static_cast<uint64_t>(i);
    sp->set_span_id(std::string(reinterpret_cast<const char*>(&sid), 8));
    if (i % per_trace) {
      uint64_t parent = 0x1000 + static_cast<uint64_t>(t * per_trace);
      sp->set_parent_span_id(std::string(reinterpret_cast<const char*>(&parent), 8));
    }
    sp->set_name("operation-" + std::to_string(i % 7));
    sp->set_kind(i % per_trace ? Span::SPAN_KIND_CLIENT : Span::SPAN_KIND_SERVER);
    sp->set_start_time_unix_nano(1700000000000000000ULL + static_cast<uint64_t>(i) * 1000);
    sp->set_end_time_unix_nano(1700000000000000000ULL + static_cast<uint64_t>(i) * 1000 + 250000);
    for (int k = 0; k < 8; ++k) {
      attr(sp->mutable_attributes(), "attr." + std::to_string(k),
           "value-" + std::to_string((i * 31 + k) % 100));
    }
  }
  return req;
}

struct Run {
  double offer_ns = 0, process_ns = 0;
  size_t series = 0;
};

tempo::generator::GeneratorOptions options(const std::vector<std::string>& processors,
                                           int threads) {
  tempo::generator::GeneratorOptions o;
  o.default_processors = processors;
  o.queue_spans = 1u << 30;
  o.config.processing_threads = threads;
  return o;
}

size_t lines(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

Run run(const std::vector<std::string>& processors, const std::vector<Segments>& wire,
        int threads) {
  tempo::generator::MetricsExposure sink;
  tempo::generator::Generator g(options(processors, threads), sink);
  Run r;
  const double spans = static_cast<double>(wire.size()) * 100;
  // Offers in rounds of 100 requests, processed between rounds as the threads would.
  double offer = 0, process = 0;
  int64_t now = 1700000000000;
  for (size_t i = 0; i < wire.size(); ++i) {
    Segments segments = wire[i];  // the offer takes them; the next run needs them again
    double t0 = tempo::bench::cpu_seconds();
    g.offer("bench", std::move(segments));
    offer += tempo::bench::cpu_seconds() - t0;
    if (i % 100 == 99 || i + 1 == wire.size()) {
      now += 100;
      t0 = tempo::bench::cpu_seconds();
      g.run_once(now, false);
      process += tempo::bench::cpu_seconds() - t0;
    }
  }
  double t0 = tempo::bench::cpu_seconds();
  g.run_once(now + 15000, true);  // expiry of every unpaired half, the merge, one collection
  process += tempo::bench::cpu_seconds() - t0;
  r.offer_ns = offer / spans * 1e9;
  r.process_ns = process / spans * 1e9;
  r.series = lines(sink.text());
  return r;
}

// The threads running: everything offered from this thread (as fast as it can), then
// stop() waits for the shards to drain and collects.
void run_threaded(const std::vector<std::string>& processors, const std::vector<Segments>& wire,
                  int threads) {
  tempo::generator::MetricsExposure sink;
  tempo::generator::Generator g(options(processors, threads), sink);
  std::vector<Segments> offered = wire;  // the offers take them; the next run needs them again
  if (!g.start().is_ok()) return;
  const double cpu0 = tempo::bench::cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  const auto t0 = std::chrono::steady_clock::now();
  for (auto& w : offered) g.offer("bench", std::move(w));
  g.stop();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = tempo::bench::cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  const double spans = static_cast<double>(wire.size()) * 100;
  std::printf(
      "threads=%d  %.0f spans/s wall  %.2f CPU s (%.0f spans per CPU-second, offers included)  "
      "exposed lines %zu\n",
      threads, spans / wall, cpu, spans / cpu, lines(sink.text()));
}

}  // namespace

int main(int argc, char** argv) {
  int requests = 20000, connections = 4;
  std::vector<int> thread_counts = {1, 4};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--requests=", 0) == 0) {
      requests = std::stoi(a.substr(11));
    } else if (a.rfind("--connections=", 0) == 0) {
      connections = std::stoi(a.substr(14));
    } else if (a.rfind("--threads=", 0) == 0) {
      thread_counts.clear();
      std::stringstream in(a.substr(10));
      for (std::string t; std::getline(in, t, ',');) thread_counts.push_back(std::stoi(t));
    } else {
      std::fprintf(stderr,
                   "usage: generator_bench [--requests=N] [--connections=N] [--threads=N,...]\n");
      return 2;
    }
  }
  std::vector<std::string> wire(static_cast<size_t>(requests));
  std::vector<Segments> segments(static_cast<size_t>(requests));
  for (int i = 0; i < requests; ++i) {
    auto req = make(i % connections, static_cast<uint64_t>(i));
    wire[static_cast<size_t>(i)] = req.SerializeAsString();
    tempo::model::SplitResult split;
    if (!tempo::model::split_by_trace(req, &split).is_ok()) std::abort();
    segments[static_cast<size_t>(i)] = std::move(split.segments);
  }
  const double spans = static_cast<double>(requests) * 100;
  ExportTraceServiceRequest req;
  double t0 = tempo::bench::cpu_seconds();
  for (const auto& w : wire) req.ParseFromString(w);
  const double decode_ns = (tempo::bench::cpu_seconds() - t0) / spans * 1e9;
  std::printf("spans=%.0f (100/request, 10/trace, 8 attributes/span)\n", spans);
  std::printf(
      "decode              %7.1f ns/span (protobuf parse, the floor of every ingest path)\n",
      decode_ns);
  const std::vector<std::vector<std::string>> sets = {
      {"span-metrics"}, {"service-graphs"}, {"span-metrics", "service-graphs"}};
  for (int threads : thread_counts) {
    for (const auto& procs : sets) {
      Run r = run(procs, segments, threads);
      std::string name;
      for (const auto& p : procs) name += (name.empty() ? "" : "+") + p;
      std::printf(
          "shards=%d %-28s offer %6.1f ns/span (network thread)  process %7.1f ns/span "
          "(all shards, one thread)  exposed lines %zu\n",
          threads, name.c_str(), r.offer_ns, r.process_ns, r.series);
    }
  }
  std::printf("span-metrics+service-graphs with the threads running, offered from one thread:\n");
  for (int threads : thread_counts) run_threaded(sets.back(), segments, threads);
  return 0;
}
