// Load generator: sends trace batches over OTLP/gRPC, OTLP/HTTP or Zipkin v2 JSON
// (--target=zipkin, --endpoint=<host>:9411) and prints spans/s, requests/s, payload MB/s,
// errors, request latency (p50/p99) and, with --server-pid, the server's CPU seconds (from
// /proc/PID/stat), spans per server CPU-second and its RSS sampled every 250 ms (avg/peak).
//
// The default request shape is the one issue #17 measured Tempo with (the OpenTelemetry
// Collector's own OTLP exporter): 1000 spans per request, 10 spans per trace, 12 attributes
// per span (string, int, bool, double in turn), 8 services (resource spans) per request,
// 2 connections with 4 requests in flight each, fresh trace IDs per request. --rate=N paces
// the whole load to N spans/s (0 = flat out).
//
// Two data shapes:
//  - `--shape=ingest` (default): requests are serialized once and only their trace IDs are
//    patched per request, so the generator's own CPU stays small and the figures describe the
//    server.
//  - `--shape=search`: the traces of tests/testing/trace_gen.h (8 services, 200 span names,
//    10 spans/trace, 12 typed attributes/span, log-uniform durations), the shape real Tempo's
//    search was measured with. Every request is whole traces, and trace n is sent by
//    connection n mod C only, so the set sent is exactly traces 0..N-1, whatever C is. These
//    are built per request, which costs the generator about as much CPU as protobuf encoding.
//
//   load_generator --target=grpc --endpoint=127.0.0.1:4317 --connections=4
//                  --batch-spans=100 --spans-per-trace=10 --attributes=8 --duration=30
//                  --server-pid=$(pidof tempo)
//   load_generator --shape=search --total-spans=1200000 --base-time=$(date +%s)

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <unistd.h>
#include <string>
#include <thread>
#include <vector>

#include "bench_flags.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/server/http_client.h"
#include "testing/trace_gen.h"

namespace {

struct Options {
  std::string shape = "ingest";  // ingest | search
  std::string target = "grpc";
  std::string endpoint = "127.0.0.1:4317";
  int connections = 2;
  int in_flight = 4;  // requests in flight per connection
  int batch_spans = 1000;
  int spans_per_trace = 10;
  int attributes = 12;
  int services = 8;
  double rate = 0;  // spans/s over all connections; 0 = flat out
  double duration = 10;
  uint64_t total_spans = 0;  // 0 = run for `duration`
  int server_pid = 0;
  std::string ids_out;
  // --shape=search: unix seconds at which trace 0 starts (trace n starts n ms later);
  // 0 means now, so blocks are not past any retention the server applies.
  uint64_t base_time_s = 0;
  bool spans_per_trace_set = false, attributes_set = false;
};

using tempo::bench::flag;

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i], v;
    if (flag(a, "shape", &v))
      o.shape = v;
    else if (flag(a, "target", &v))
      o.target = v;
    else if (flag(a, "endpoint", &v))
      o.endpoint = v;
    else if (flag(a, "connections", &v))
      o.connections = std::stoi(v);
    else if (flag(a, "in-flight", &v))
      o.in_flight = std::max(1, std::stoi(v));
    else if (flag(a, "services", &v))
      o.services = std::max(1, std::stoi(v));
    else if (flag(a, "rate", &v))
      o.rate = std::stod(v);
    else if (flag(a, "batch-spans", &v))
      o.batch_spans = std::stoi(v);
    else if (flag(a, "spans-per-trace", &v)) {
      o.spans_per_trace = std::stoi(v);
      o.spans_per_trace_set = true;
    } else if (flag(a, "attributes", &v)) {
      o.attributes = std::stoi(v);
      o.attributes_set = true;
    } else if (flag(a, "base-time", &v))
      o.base_time_s = std::stoull(v);
    else if (flag(a, "duration", &v))
      o.duration = std::stod(v);
    else if (flag(a, "total-spans", &v))
      o.total_spans = std::stoull(v);
    else if (flag(a, "server-pid", &v))
      o.server_pid = std::stoi(v);
    else if (flag(a, "ids-out", &v))
      o.ids_out = v;
    else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      std::exit(2);
    }
  }
  if (o.shape == "search") {
    if (o.target == "zipkin") {
      std::fprintf(stderr, "--shape=search sends OTLP: use --target=grpc or --target=http\n");
      std::exit(2);
    }
    // trace_gen's shape unless asked otherwise.
    const tempo::testing::GenOptions defaults;
    if (!o.spans_per_trace_set) o.spans_per_trace = defaults.spans_per_trace;
    if (!o.attributes_set) o.attributes = defaults.attrs_per_span;
  } else if (o.shape != "ingest") {
    std::fprintf(stderr, "unknown --shape=%s (ingest or search)\n", o.shape.c_str());
    std::exit(2);
  }
  return o;
}

// A serialized request plus where each trace's ID bytes sit in it.
struct Template {
  std::string bytes;
  bool hex_ids = false;  // IDs are 32 hex characters (Zipkin JSON), not 16 raw bytes
  std::vector<std::vector<size_t>> id_offsets;  // per trace, offsets of its 16 ID bytes
};

// A Zipkin v2 JSON body with the same shape as the OTLP template: per trace a root SERVER span
// and CLIENT children, `attributes` string tags each.
Template build_zipkin_template(const Options& o, int connection) {
  const int traces = (o.batch_spans + o.spans_per_trace - 1) / o.spans_per_trace;
  std::vector<std::string> markers;
  for (int t = 0; t < traces; ++t) {
    char m[40];
    std::snprintf(m, sizeof m, "e79a5c11%08x%08x3b77c205", t, connection);
    markers.push_back(m);
  }
  const uint64_t now_us =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
  std::string b = "[";
  for (int i = 0; i < o.batch_spans; ++i) {
    const int t = i / o.spans_per_trace;
    char ids[80];
    std::snprintf(ids, sizeof ids, "\"id\":\"%016x\"", 0x1000 + i);
    b += std::string(i ? "," : "") + "{\"traceId\":\"" + markers[t] + "\"," + ids;
    if (i % o.spans_per_trace != 0) {
      std::snprintf(ids, sizeof ids, ",\"parentId\":\"%016x\"", 0x1000 + t * o.spans_per_trace);
      b += ids;
    }
    b += ",\"name\":\"operation-" + std::to_string(i % 7) + "\",\"kind\":\"" +
         (i % o.spans_per_trace == 0 ? "SERVER" : "CLIENT") +
         "\",\"timestamp\":" + std::to_string(now_us + static_cast<uint64_t>(i)) +
         ",\"duration\":250" + ",\"localEndpoint\":{\"serviceName\":\"loadgen-" +
         std::to_string(connection) + "\"},\"tags\":{";
    for (int a = 0; a < o.attributes; ++a) {
      b += std::string(a ? "," : "") + "\"attr." + std::to_string(a) + "\":\"value-" +
           std::to_string((i * 31 + a) % 100) + "\"";
    }
    b += "}}";
  }
  b += "]";
  Template tpl;
  tpl.bytes = std::move(b);
  tpl.hex_ids = true;
  tpl.id_offsets.resize(traces);
  for (int t = 0; t < traces; ++t) {
    for (size_t pos = 0; (pos = tpl.bytes.find(markers[t], pos)) != std::string::npos; pos += 32) {
      tpl.id_offsets[t].push_back(pos);
    }
  }
  return tpl;
}

Template build_template(const Options& o, int connection) {
  if (o.target == "zipkin") return build_zipkin_template(o, connection);
  using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
  ExportTraceServiceRequest req;
  auto add_attr = [](auto* list, const std::string& k, const std::string& v) {
    auto* a = list->Add();
    a->set_key(k);
    a->mutable_value()->set_string_value(v);
  };
  // One resource (service) per group of whole traces, as a Collector batches them.
  std::vector<opentelemetry::proto::trace::v1::ScopeSpans*> scopes;
  for (int svc = 0; svc < o.services; ++svc) {
    auto* rs = req.add_resource_spans();
    add_attr(rs->mutable_resource()->mutable_attributes(), "service.name",
             "loadgen-" + std::to_string(connection) + "-svc-" + std::to_string(svc));
    add_attr(rs->mutable_resource()->mutable_attributes(), "host.name", "bench-host");
    auto* ss = rs->add_scope_spans();
    ss->mutable_scope()->set_name("load_generator");
    scopes.push_back(ss);
  }
  int traces = (o.batch_spans + o.spans_per_trace - 1) / o.spans_per_trace;
  // Marker IDs, unique per trace, found again after serialization.
  std::vector<std::string> markers;
  for (int t = 0; t < traces; ++t) {
    std::string m(16, '\0');
    std::memcpy(m.data(), "\xE7\x9A\x5C\x11", 4);
    std::memcpy(m.data() + 4, &t, 4);
    std::memcpy(m.data() + 8, &connection, 4);
    std::memcpy(m.data() + 12, "\x3B\x77\xC2\x05", 4);
    markers.push_back(m);
  }
  uint64_t now = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
  for (int i = 0; i < o.batch_spans; ++i) {
    int t = i / o.spans_per_trace;
    auto* sp = scopes[static_cast<size_t>(t % o.services)]->add_spans();
    sp->set_trace_id(markers[t]);
    uint64_t sid = 0x1000 + static_cast<uint64_t>(i);
    sp->set_span_id(std::string(reinterpret_cast<const char*>(&sid), 8));
    if (i % o.spans_per_trace != 0) {
      uint64_t parent = 0x1000 + static_cast<uint64_t>(t * o.spans_per_trace);
      sp->set_parent_span_id(std::string(reinterpret_cast<const char*>(&parent), 8));
    }
    sp->set_name("operation-" + std::to_string(i % 7));
    sp->set_kind(i % o.spans_per_trace == 0
                     ? opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER
                     : opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
    sp->set_start_time_unix_nano(now + static_cast<uint64_t>(i) * 1000);
    sp->set_end_time_unix_nano(now + static_cast<uint64_t>(i) * 1000 + 250000);
    for (int a = 0; a < o.attributes; ++a) {
      const int x = (i * 31 + a) % 100;
      auto* kv = sp->mutable_attributes()->Add();
      kv->set_key("attr." + std::to_string(a));
      switch (a % 4) {  // string, int, bool, double in turn
        case 0: kv->mutable_value()->set_string_value("value-" + std::to_string(x)); break;
        case 1: kv->mutable_value()->set_int_value(x * 1000); break;
        case 2: kv->mutable_value()->set_bool_value(x % 2 == 0); break;
        default: kv->mutable_value()->set_double_value(x * 0.25); break;
      }
    }
  }
  Template tpl;
  req.SerializeToString(&tpl.bytes);
  tpl.id_offsets.resize(traces);
  for (int t = 0; t < traces; ++t) {
    size_t pos = 0;
    while ((pos = tpl.bytes.find(markers[t], pos)) != std::string::npos) {
      tpl.id_offsets[t].push_back(pos);
      pos += 16;
    }
  }
  return tpl;
}

// --shape=search: whole traces of trace_gen's sequence for one connection, traces c, c+C,
// c+2C, ... below `total_traces` (endless when 0), `per_request` of them per request.
class SearchShapeSource {
 public:
  SearchShapeSource(const Options& o, int connection, uint64_t total_traces)
      : next_(static_cast<uint64_t>(connection)),
        stride_(static_cast<uint64_t>(o.connections)),
        total_(total_traces),
        per_request_(std::max(1, o.batch_spans / o.spans_per_trace)) {
    gen_.spans_per_trace = o.spans_per_trace;
    gen_.attrs_per_span = o.attributes;
    gen_.base_time_ns = o.base_time_s * 1000000000ULL;
  }

  // The next request into *body (and its trace IDs, hex, one a line, into *id_lines when
  // asked); false once this connection has sent its share.
  bool next(std::string* body, uint64_t* spans, std::string* id_lines) {
    body->clear();
    *spans = 0;
    for (int t = 0; t < per_request_ && (total_ == 0 || next_ < total_); ++t, next_ += stride_) {
      tempo::testing::GeneratedTrace g = tempo::testing::generate_trace(gen_, next_);
      // TracesData and ExportTraceServiceRequest both carry resource_spans as field 1, and
      // concatenated protobuf messages parse as their merge: appending each trace's bytes
      // builds the request without copying the spans into another message.
      g.data.AppendToString(body);
      *spans += static_cast<uint64_t>(gen_.spans_per_trace);
      if (id_lines) *id_lines += g.id.hex() + "\n";
    }
    return *spans > 0;
  }

 private:
  tempo::testing::GenOptions gen_;
  uint64_t next_, stride_, total_;
  int per_request_;
};

// A /proc/PID/status size field in MB; -1 when there is no --server-pid or no such field.
double rss_mb(int pid, const char* field) {
  if (pid <= 0) return -1;
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::strlen(field) + 1) / 1024.0;
  }
  return -1;
}

// utime + stime of PID in seconds; -1 without a PID.
double cpu_seconds(int pid) {
  if (pid <= 0) return -1;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return -1;
  std::istringstream in(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {  // fields 14 and 15 (1-based)
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct Counters {
  std::atomic<uint64_t> spans{0}, requests{0}, bytes{0}, errors{0};
  std::mutex latency_mu;
  std::vector<double> latencies_ms;  // of successful requests
};

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  auto colon = o.endpoint.rfind(':');
  std::string host = o.endpoint.substr(0, colon);
  uint16_t port = static_cast<uint16_t>(std::stoi(o.endpoint.substr(colon + 1)));
  Counters c;
  std::atomic<bool> stop{false};
  std::mutex ids_mu;
  std::ofstream ids;
  if (!o.ids_out.empty()) ids.open(o.ids_out);
  const int traces_per_request = (o.batch_spans + o.spans_per_trace - 1) / o.spans_per_trace;
  const uint64_t requests_limit =
      o.total_spans ? (o.total_spans + o.batch_spans - 1) / o.batch_spans : 0;
  std::atomic<uint64_t> requests_started{0};

  const bool search_shape = o.shape == "search";
  if (search_shape && o.base_time_s == 0) {
    o.base_time_s = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
  }
  const uint64_t search_traces =
      o.total_spans ? (o.total_spans + o.spans_per_trace - 1) / o.spans_per_trace : 0;
  if (search_shape) {
    std::printf("shape=search traces=%llu base_time=%llu spans_per_trace=%d attributes=%d\n",
                static_cast<unsigned long long>(search_traces),
                static_cast<unsigned long long>(o.base_time_s), o.spans_per_trace, o.attributes);
  }

  // One channel (connection) per --connections, shared by its --in-flight workers.
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  if (o.target == "grpc") {
    for (int conn = 0; conn < o.connections; ++conn) {
      grpc::ChannelArguments args;
      args.SetInt("grpc.channel_id", conn);  // one connection each
      args.SetMaxReceiveMessageSize(64 << 20);
      channels.push_back(
          grpc::CreateCustomChannel(o.endpoint, grpc::InsecureChannelCredentials(), args));
    }
  }
  const int worker_count = o.connections * (search_shape ? 1 : o.in_flight);
  // Pacing: each worker sends one request every `interval` seconds.
  const double interval =
      o.rate > 0 ? static_cast<double>(o.batch_spans) * worker_count / o.rate : 0;
  const double cpu_start = cpu_seconds(o.server_pid);
  std::vector<std::thread> workers;
  for (int w = 0; w < worker_count; ++w) {
    workers.emplace_back([&, w] {
      const int conn = search_shape ? w : w / o.in_flight;
      auto next_send = std::chrono::steady_clock::now() +
                       std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                           std::chrono::duration<double>(interval * w / worker_count));
      Template tpl;
      std::unique_ptr<SearchShapeSource> source;
      if (search_shape) {
        source = std::make_unique<SearchShapeSource>(o, w, search_traces);
      } else {
        tpl = build_template(o, conn);
      }
      std::mt19937_64 rng(std::random_device{}() ^ (static_cast<uint64_t>(w) << 32));
      std::string body = tpl.bytes;
      uint64_t request_spans = static_cast<uint64_t>(o.batch_spans);
      std::shared_ptr<grpc::Channel> channel;
      std::unique_ptr<grpc::GenericStub> stub;
      std::unique_ptr<tempo::server::HttpClient> http;
      if (o.target == "grpc") {
        channel = channels[static_cast<size_t>(conn)];
        stub = std::make_unique<grpc::GenericStub>(channel);
      } else {
        http = std::make_unique<tempo::server::HttpClient>(host, port);
      }
      while (!stop) {
        std::string id_lines;
        if (source) {
          if (!source->next(&body, &request_spans, ids.is_open() ? &id_lines : nullptr)) break;
        } else if (requests_limit && requests_started.fetch_add(1) >= requests_limit) {
          break;
        }
        // Fresh random trace IDs for this request.
        for (int t = 0; !source && t < traces_per_request; ++t) {
          uint64_t a = rng(), b = rng();
          if (tpl.hex_ids) {
            char hex[40];
            std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(a),
                          static_cast<unsigned long long>(b));
            for (size_t off : tpl.id_offsets[t]) std::memcpy(body.data() + off, hex, 32);
            if (ids.is_open()) id_lines += std::string(hex, 32) + "\n";
            continue;
          }
          for (size_t off : tpl.id_offsets[t]) {
            std::memcpy(body.data() + off, &a, 8);
            std::memcpy(body.data() + off + 8, &b, 8);
          }
          if (ids.is_open()) {
            char hex[40];
            const unsigned char* p =
                reinterpret_cast<const unsigned char*>(body.data() + tpl.id_offsets[t][0]);
            for (int i = 0; i < 16; ++i) std::snprintf(hex + 2 * i, 3, "%02x", p[i]);
            id_lines += hex;
            id_lines += '\n';
          }
        }
        if (interval > 0) {
          std::this_thread::sleep_until(next_send);
          next_send += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
              std::chrono::duration<double>(interval));
        }
        const auto sent = std::chrono::steady_clock::now();
        bool ok = false;
        if (stub) {
          grpc::Slice slice(body);
          grpc::ByteBuffer req(&slice, 1), resp;
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
          std::promise<grpc::Status> done;
          stub->UnaryCall(&ctx, "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
                          grpc::StubOptions(), &req, &resp,
                          [&done](grpc::Status s) { done.set_value(std::move(s)); });
          grpc::Status s = done.get_future().get();
          ok = s.ok();
          if (!ok && c.errors.load() < 5) {
            std::fprintf(stderr, "export failed: %s\n", s.error_message().c_str());
          }
        } else {
          tempo::server::ClientResponse res;
          if (o.target == "zipkin") {
            ok = http->post("/api/v2/spans", body, "application/json", &res).is_ok() &&
                 res.status == 202;
          } else {
            ok = http->post("/v1/traces", body, "application/x-protobuf", &res).is_ok() &&
                 res.status == 200;
          }
        }
        if (ok) {
          const double ms =
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent)
                  .count();
          {
            std::lock_guard<std::mutex> l(c.latency_mu);
            c.latencies_ms.push_back(ms);
          }
          c.spans += request_spans;
          c.requests++;
          c.bytes += body.size();
          if (ids.is_open()) {
            std::lock_guard<std::mutex> l(ids_mu);
            ids << id_lines;
          }
        } else {
          c.errors++;
        }
      }
    });
  }

  // The server's RSS every 250 ms, for its average and peak over the run.
  double rss_sum = 0, rss_peak = 0;
  int rss_samples = 0;
  std::thread sampler([&] {
    while (!stop && o.server_pid > 0) {
      const double rss = rss_mb(o.server_pid, "VmRSS");
      rss_sum += rss;
      rss_peak = std::max(rss_peak, rss);
      ++rss_samples;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  });
  auto start = std::chrono::steady_clock::now();
  uint64_t last_spans = 0;
  auto last = start;
  std::thread reporter([&] {
    while (!stop) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      auto now = std::chrono::steady_clock::now();
      double dt = std::chrono::duration<double>(now - last).count();
      uint64_t spans = c.spans.load();
      std::printf("t=%4.0fs spans/s=%9.0f errors=%llu server_rss_mb=%.1f\n",
                  std::chrono::duration<double>(now - start).count(), (spans - last_spans) / dt,
                  static_cast<unsigned long long>(c.errors.load()), rss_mb(o.server_pid, "VmRSS"));
      std::fflush(stdout);
      last_spans = spans;
      last = now;
    }
  });
  if (requests_limit) {
    for (auto& t : workers) t.join();
    stop = true;
  } else {
    std::this_thread::sleep_for(std::chrono::duration<double>(o.duration));
    stop = true;
    for (auto& t : workers) t.join();
  }
  // Timed before joining the reporter, which may still be asleep for up to a second.
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = o.server_pid > 0 ? cpu_seconds(o.server_pid) - cpu_start : -1;
  reporter.join();
  sampler.join();
  std::printf(
      "summary shape=%s target=%s connections=%d in_flight=%d batch_spans=%d spans_per_trace=%d "
      "attributes=%d services=%d rate=%.0f seconds=%.1f spans=%llu spans/s=%.0f requests/s=%.0f "
      "MB/s=%.2f errors=%llu p50_ms=%.1f p99_ms=%.1f server_cpu_s=%.2f "
      "spans_per_cpu_s=%.0f server_rss_avg_mb=%.1f server_rss_peak_mb=%.1f "
      "server_rss_mb=%.1f server_vmhwm_mb=%.1f\n",
      o.shape.c_str(), o.target.c_str(), o.connections, search_shape ? 1 : o.in_flight,
      o.batch_spans, o.spans_per_trace, o.attributes, o.services, o.rate, secs,
      static_cast<unsigned long long>(c.spans.load()), c.spans.load() / secs,
      c.requests.load() / secs, c.bytes.load() / secs / 1e6,
      static_cast<unsigned long long>(c.errors.load()), percentile(c.latencies_ms, 0.5),
      percentile(c.latencies_ms, 0.99), cpu, cpu > 0 ? c.spans.load() / cpu : 0,
      rss_samples ? rss_sum / rss_samples : -1, rss_peak, rss_mb(o.server_pid, "VmRSS"),
      rss_mb(o.server_pid, "VmHWM"));
  return c.errors.load() == 0 ? 0 : 1;
}
