// CPU cost of the metrics generator per span, in process, beside the cost of decoding the same
// spans from the wire (what every ingest path pays first). The request has the shape of
// load_generator's default (100 spans per request, 10 spans per trace, 8 attributes per span,
// a SERVER root with CLIENT children), so the figures compare with bench/run_generator.sh.
// Times are thread CPU time, so a busy machine skews them less than wall time.
//
//   generator_bench [--requests=N] [--connections=N]
//
// Prints ns/span for: decode, offer (the copy of the serialized spans the distributor's thread
// pays), and the generator thread's work (parse + processors) with span-metrics,
// service-graphs, and both.

#include <time.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/generator/exposure.h"
#include "tempo/generator/generator.h"

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::trace::v1::Span;

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

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

Run run(const std::vector<std::string>& processors, const std::vector<std::string>& wire,
        int connections) {
  tempo::generator::GeneratorOptions o;
  o.default_processors = processors;
  o.queue_spans = 1u << 30;
  tempo::generator::MetricsExposure sink;
  tempo::generator::Generator g(o, sink);
  Run r;
  const double spans = static_cast<double>(wire.size()) * 100;
  // Offers in rounds of 100 requests, processed between rounds as the thread would.
  double offer = 0, process = 0;
  int64_t now = 1700000000000;
  for (size_t i = 0; i < wire.size(); ++i) {
    // The distributor offers the per-trace segments it serialized for the ingester; here the
    // request's own bytes stand in for them (the same wire format, the same size).
    const std::string_view piece(wire[i]);
    double t0 = cpu_seconds();
    g.offer("bench", std::span<const std::string_view>(&piece, 1), 100);
    offer += cpu_seconds() - t0;
    if (i % 100 == 99 || i + 1 == wire.size()) {
      now += 100;
      t0 = cpu_seconds();
      g.run_once(now, false);
      process += cpu_seconds() - t0;
    }
  }
  double t0 = cpu_seconds();
  g.run_once(now + 15000, true);  // expiry of every unpaired half and one collection
  process += cpu_seconds() - t0;
  r.offer_ns = offer / spans * 1e9;
  r.process_ns = process / spans * 1e9;
  std::string text = sink.text();
  for (char c : text) r.series += c == '\n';
  (void)connections;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  int requests = 20000, connections = 4;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--requests=", 0) == 0)
      requests = std::stoi(a.substr(11));
    else if (a.rfind("--connections=", 0) == 0)
      connections = std::stoi(a.substr(14));
    else {
      std::fprintf(stderr, "usage: generator_bench [--requests=N] [--connections=N]\n");
      return 2;
    }
  }
  std::vector<std::string> wire(static_cast<size_t>(requests));
  for (int i = 0; i < requests; ++i) {
    wire[static_cast<size_t>(i)] =
        make(i % connections, static_cast<uint64_t>(i)).SerializeAsString();
  }
  const double spans = static_cast<double>(requests) * 100;
  ExportTraceServiceRequest req;
  double t0 = cpu_seconds();
  for (const auto& w : wire) req.ParseFromString(w);
  const double decode_ns = (cpu_seconds() - t0) / spans * 1e9;
  std::printf("spans=%.0f (100/request, 10/trace, 8 attributes/span)\n", spans);
  std::printf(
      "decode              %7.1f ns/span (protobuf parse, the floor of every ingest path)\n",
      decode_ns);
  for (const auto& procs : std::vector<std::vector<std::string>>{
           {"span-metrics"}, {"service-graphs"}, {"span-metrics", "service-graphs"}}) {
    Run r = run(procs, wire, connections);
    std::string name;
    for (const auto& p : procs) name += (name.empty() ? "" : "+") + p;
    std::printf(
        "%-30s offer %6.1f ns/span (network thread)  process %7.1f ns/span "
        "(generator thread)  exposed lines %zu\n",
        name.c_str(), r.offer_ns, r.process_ns, r.series);
  }
  return 0;
}
