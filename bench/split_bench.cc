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

#include "model/otlp_wire.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/model/trace_split.h"

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// load_generator's build_template, default options.
std::string issue_request(int spans) {
  const int per_trace = 10, attributes = 12, services = 8;
  ExportTraceServiceRequest req;
  auto add_attr = [](auto* list, const std::string& k, const std::string& v) {
    auto* a = list->Add();
    a->set_key(k);
    a->mutable_value()->set_string_value(v);
  };
  std::vector<opentelemetry::proto::trace::v1::ScopeSpans*> scopes;
  for (int svc = 0; svc < services; ++svc) {
    auto* rs = req.add_resource_spans();
    add_attr(rs->mutable_resource()->mutable_attributes(), "service.name",
             "loadgen-0-svc-" + std::to_string(svc));
    add_attr(rs->mutable_resource()->mutable_attributes(), "host.name", "bench-host");
    auto* ss = rs->add_scope_spans();
    ss->mutable_scope()->set_name("load_generator");
    scopes.push_back(ss);
  }
  const uint64_t now = 1'760'000'000'000'000'000ull;
  for (int i = 0; i < spans; ++i) {
    const int t = i / per_trace;
    std::string tid(16, '\x5c');
    std::memcpy(tid.data(), &t, 4);
    auto* sp = scopes[static_cast<size_t>(t % services)]->add_spans();
    sp->set_trace_id(tid);
    uint64_t sid = 0x1000 + static_cast<uint64_t>(i);
    sp->set_span_id(std::string(reinterpret_cast<const char*>(&sid), 8));
    if (i % per_trace != 0) {
      uint64_t parent = 0x1000 + static_cast<uint64_t>(t * per_trace);
      sp->set_parent_span_id(std::string(reinterpret_cast<const char*>(&parent), 8));
    }
    sp->set_name("operation-" + std::to_string(i % 7));
    sp->set_kind(i % per_trace == 0 ? opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER
                                    : opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
    sp->set_start_time_unix_nano(now + static_cast<uint64_t>(i) * 1000);
    sp->set_end_time_unix_nano(now + static_cast<uint64_t>(i) * 1000 + 250000);
    for (int a = 0; a < attributes; ++a) {
      const int x = (i * 31 + a) % 100;
      auto* kv = sp->mutable_attributes()->Add();
      kv->set_key("attr." + std::to_string(a));
      switch (a % 4) {
        case 0: kv->mutable_value()->set_string_value("value-" + std::to_string(x)); break;
        case 1: kv->mutable_value()->set_int_value(x * 1000); break;
        case 2: kv->mutable_value()->set_bool_value(x % 2 == 0); break;
        default: kv->mutable_value()->set_double_value(x * 0.25); break;
      }
    }
  }
  return req.SerializeAsString();
}

struct Figures {
  double median_ns = 0, best_ns = 0;
};

Figures measure(int rounds, int iterations, int spans, const std::function<void()>& one) {
  for (int i = 0; i < iterations / 10 + 1; ++i) one();  // warm caches and the allocator
  std::vector<double> per_span;
  for (int r = 0; r < rounds; ++r) {
    const double t0 = cpu_seconds();
    for (int i = 0; i < iterations; ++i) one();
    per_span.push_back((cpu_seconds() - t0) * 1e9 / (static_cast<double>(iterations) * spans));
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
  const std::string bytes = issue_request(spans);
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
