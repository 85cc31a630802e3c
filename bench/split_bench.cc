// CPU per span of the distributor's per-trace split of one OTLP export request, both ways:
// the parse path (ParseFromArray on an arena, then model::split_by_trace re-serializing each
// span; what the OTLP protobuf receivers did before, and what JSON and foreign formats still
// do after decoding) and the wire path (model::split_by_trace_wire on the request bytes). The
// request has issue #17's shape, load_generator's default: 1000 spans, 10 per trace, 12
// attributes per span (string, int, bool, double in turn), 8 services.
//
//   split_bench [--spans=1000] [--rounds=7] [--iterations=300]
//
// Prints, per way, the median and best of `rounds` rounds of `iterations` splits, in ns/span
// of thread CPU time (a busy machine skews it less than wall time), and MB/s of request bytes.
// "wire check only" is the validation inside the wire split alone (src/model/otlp_wire.h).

#include <google/protobuf/arena.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "cpu_time.h"
#include "issue_request.h"
#include "model/otlp_wire.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/model/trace_split.h"

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

namespace {

struct Figures {
  double median_ns = 0, best_ns = 0;
};

Figures measure(int rounds, int iterations, int spans, const std::function<void()>& one) {
  for (int i = 0; i < iterations / 10 + 1; ++i) one();  // warm caches and the allocator
  std::vector<double> per_span;
  for (int r = 0; r < rounds; ++r) {
    const double t0 = tempo::bench::cpu_seconds();
    for (int i = 0; i < iterations; ++i) one();
    per_span.push_back((tempo::bench::cpu_seconds() - t0) * 1e9 /
                       (static_cast<double>(iterations) * spans));
  }
  std::sort(per_span.begin(), per_span.end());
  return {per_span[per_span.size() / 2], per_span.front()};
}

bool flag(const char* arg, const char* name, int* v) {
  const size_t n = std::strlen(name);
  if (std::strncmp(arg, name, n) != 0 || arg[n] != '=') return false;
  *v = std::atoi(arg + n + 1);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int spans = 1000, rounds = 7, iterations = 300;
  for (int i = 1; i < argc; ++i) {
    if (!flag(argv[i], "--spans", &spans) && !flag(argv[i], "--rounds", &rounds) &&
        !flag(argv[i], "--iterations", &iterations)) {
      std::fprintf(stderr, "usage: %s [--spans=1000] [--rounds=7] [--iterations=300]\n", argv[0]);
      return 2;
    }
  }
  const std::string bytes = tempo::bench::issue_request(spans);
  std::printf("request: %d spans, %zu bytes (%.0f B/span)\n", spans, bytes.size(),
              static_cast<double>(bytes.size()) / spans);

  // Both ways must produce the same segments; a benchmark of a wrong answer is worthless.
  {
    ExportTraceServiceRequest req;
    if (!req.ParseFromString(bytes)) return 1;
    tempo::model::SplitResult a, b;
    if (!tempo::model::split_by_trace(req, &a).is_ok()) return 1;
    if (!tempo::model::split_by_trace_wire(bytes, &b).is_ok()) return 1;
    if (a.segments.size() != b.segments.size()) return 1;
    for (size_t i = 0; i < a.segments.size(); ++i) {
      if (a.segments[i].bytes != b.segments[i].bytes) {
        std::fprintf(stderr, "segment %zu differs\n", i);
        return 1;
      }
    }
  }

  size_t sink = 0;
  const Figures parse_split = measure(rounds, iterations, spans, [&] {
    google::protobuf::Arena arena;
    auto* req = google::protobuf::Arena::CreateMessage<ExportTraceServiceRequest>(&arena);
    if (!req->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) std::abort();
    tempo::model::SplitResult split;
    if (!tempo::model::split_by_trace(*req, &split).is_ok()) std::abort();
    sink += split.segments.size();
  });
  ExportTraceServiceRequest parsed;
  if (!parsed.ParseFromString(bytes)) return 1;
  const Figures split_only = measure(rounds, iterations, spans, [&] {
    tempo::model::SplitResult split;
    if (!tempo::model::split_by_trace(parsed, &split).is_ok()) std::abort();
    sink += split.segments.size();
  });
  const Figures wire = measure(rounds, iterations, spans, [&] {
    tempo::model::SplitResult split;
    if (!tempo::model::split_by_trace_wire(bytes, &split).is_ok()) std::abort();
    sink += split.segments.size();
  });
  const Figures check = measure(rounds, iterations, spans, [&] {
    tempo::model::otlp_wire::Error err;
    if (!tempo::model::otlp_wire::check_message(tempo::model::otlp_wire::Msg::kRequest, bytes, 0,
                                                &err)) {
      std::abort();
    }
    ++sink;
  });

  const double bytes_per_span = static_cast<double>(bytes.size()) / spans;
  auto row = [&](const char* name, const Figures& f) {
    std::printf("%-38s %8.1f ns/span median %8.1f best %8.0f MB/s\n", name, f.median_ns, f.best_ns,
                bytes_per_span / f.median_ns * 1e3);
  };
  row("parse + split_by_trace (old path)", parse_split);
  row("  split_by_trace alone (parsed)", split_only);
  row("split_by_trace_wire (new path)", wire);
  row("  wire check only", check);
  std::printf("speed-up of the split (old path / new path): %.2fx\n",
              parse_split.median_ns / wire.median_ns);
  return sink == 0;
}
