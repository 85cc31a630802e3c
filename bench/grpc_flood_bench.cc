// gRPC flood: many large OTLP export calls in flight at once against a running server, and
// what they cost it. Starts nothing itself: point it at a server (bench/tempo_server.sh starts
// one) and give it the server's pid.
//
// --calls calls (default 400) are started together over --connections connections (8), each
// carrying a request of about --request-bytes (3.2 MB) with trace IDs of its own. With
// --retries=N a call refused with RESOURCE_EXHAUSTED is sent again (after --retry-ms, doubled
// each time up to 2 s) up to N times, as OTLP exporters do. Prints the server's peak RSS over
// the run (VmHWM after resetting it through /proc/PID/clear_refs, and VmRSS sampled every
// 5 ms), the calls accepted, refused and failed, and, with --http, how many of the accepted
// calls' traces the server returns from /api/traces (every trace of every accepted call
// should come back).
//
//   grpc_flood_bench --endpoint=127.0.0.1:34317 --server-pid=$(pidof tempo) --http=127.0.0.1:33200

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_flags.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/server/http_client.h"

namespace {

struct Options {
  std::string endpoint = "127.0.0.1:4317";
  std::string http;  // host:port of the API, to read the accepted traces back
  int connections = 8;
  int calls = 400;
  size_t request_bytes = 3200000;
  int spans_per_trace = 100;
  int retries = 0;
  int retry_ms = 100;
  int deadline_s = 120;
  int server_pid = 0;
};

using tempo::bench::flag;

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i], v;
    if (flag(a, "endpoint", &v)) {
      o.endpoint = v;
    } else if (flag(a, "http", &v)) {
      o.http = v;
    } else if (flag(a, "connections", &v)) {
      o.connections = std::max(1, std::stoi(v));
    } else if (flag(a, "calls", &v)) {
      o.calls = std::max(1, std::stoi(v));
    } else if (flag(a, "request-bytes", &v)) {
      o.request_bytes = std::stoull(v);
    } else if (flag(a, "spans-per-trace", &v)) {
      o.spans_per_trace = std::max(1, std::stoi(v));
    } else if (flag(a, "retries", &v)) {
      o.retries = std::max(0, std::stoi(v));
    } else if (flag(a, "retry-ms", &v)) {
      o.retry_ms = std::max(1, std::stoi(v));
    } else if (flag(a, "deadline", &v)) {
      o.deadline_s = std::max(1, std::stoi(v));
    } else if (flag(a, "server-pid", &v)) {
      o.server_pid = std::stoi(v);
    } else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      std::exit(2);
    }
  }
  return o;
}

// A /proc/PID/status size line in MiB, or -1.
double status_mib(int pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return std::stod(line.substr(prefix.size())) / 1024.0;
  }
  return -1;
}

// One request of whole traces, `spans_per_trace` spans each, of about `bytes`, with trace
// IDs whose bytes 4..11 are patched per call (see patch_ids).
struct Template {
  std::string bytes;
  std::vector<std::vector<size_t>> id_offsets;  // per trace, where its ID sits
};

Template build_template(const Options& o) {
  using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
  ExportTraceServiceRequest req;
  auto* rs = req.add_resource_spans();
  auto* attr = rs->mutable_resource()->add_attributes();
  attr->set_key("service.name");
  attr->mutable_value()->set_string_value("grpc-flood");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("grpc_flood_bench");
  const uint64_t now =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
  auto add_trace = [&](uint32_t t) {
    std::string id(16, '\0');
    std::memcpy(id.data(), "\xF1\x00\xD5\x01", 4);
    std::memcpy(id.data() + 12, &t, 4);
    for (int i = 0; i < o.spans_per_trace; ++i) {
      auto* sp = ss->add_spans();
      sp->set_trace_id(id);
      const uint64_t sid = 0x1000 + static_cast<uint64_t>(i);
      sp->set_span_id(std::string(reinterpret_cast<const char*>(&sid), 8));
      if (i) {
        const uint64_t parent = 0x1000;
        sp->set_parent_span_id(std::string(reinterpret_cast<const char*>(&parent), 8));
      }
      sp->set_name("operation-" + std::to_string(i % 7));
      sp->set_start_time_unix_nano(now + static_cast<uint64_t>(i) * 1000);
      sp->set_end_time_unix_nano(now + static_cast<uint64_t>(i) * 1000 + 250000);
      for (int a = 0; a < 12; ++a) {
        auto* kv = sp->add_attributes();
        kv->set_key("attr." + std::to_string(a));
        kv->mutable_value()->set_string_value("value-" + std::to_string((i * 31 + a) % 100));
      }
    }
  };
  add_trace(0);
  const size_t per_trace = std::max<size_t>(1, req.ByteSizeLong());
  const uint32_t traces = static_cast<uint32_t>(std::max<size_t>(1, o.request_bytes / per_trace));
  for (uint32_t t = 1; t < traces; ++t) add_trace(t);
  Template tpl;
  req.SerializeToString(&tpl.bytes);
  tpl.id_offsets.resize(traces);
  for (uint32_t t = 0; t < traces; ++t) {
    std::string id(16, '\0');
    std::memcpy(id.data(), "\xF1\x00\xD5\x01", 4);
    std::memcpy(id.data() + 12, &t, 4);
    for (size_t pos = 0; (pos = tpl.bytes.find(id, pos)) != std::string::npos; pos += 16) {
      tpl.id_offsets[t].push_back(pos);
    }
  }
  return tpl;
}

// Trace IDs of call `call` in this run: bytes 4..11 hold the run's nonce and the call.
void patch_ids(const Template& tpl, uint32_t nonce, uint32_t call, std::string* body) {
  for (const auto& offsets : tpl.id_offsets) {
    for (size_t off : offsets) {
      std::memcpy(body->data() + off + 4, &nonce, 4);
      std::memcpy(body->data() + off + 8, &call, 4);
    }
  }
}

std::string hex_id(const std::string& body, size_t off) {
  char hex[33];
  const auto* p = reinterpret_cast<const unsigned char*>(body.data() + off);
  for (int i = 0; i < 16; ++i) std::snprintf(hex + 2 * i, 3, "%02x", p[i]);
  return std::string(hex, 32);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const Template tpl = build_template(o);
  const uint32_t nonce =
      static_cast<uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count() ^ getpid());
  std::printf("calls=%d connections=%d request_bytes=%zu traces_per_call=%zu retries=%d\n", o.calls,
              o.connections, tpl.bytes.size(), tpl.id_offsets.size(), o.retries);

  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int c = 0; c < o.connections; ++c) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection of its own
    channels.push_back(
        grpc::CreateCustomChannel(o.endpoint, grpc::InsecureChannelCredentials(), args));
    channels.back()->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }

  if (o.server_pid > 0) {
    // Resets VmHWM to the current RSS, so the peak printed is this run's.
    std::ofstream("/proc/" + std::to_string(o.server_pid) + "/clear_refs") << "5";
  }
  const double rss_before = o.server_pid > 0 ? status_mib(o.server_pid, "VmRSS") : -1;
  std::atomic<bool> sampling{true};
  double sampled_peak = rss_before;
  std::thread sampler([&] {
    while (sampling && o.server_pid > 0) {
      sampled_peak = std::max(sampled_peak, status_mib(o.server_pid, "VmRSS"));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });

  std::atomic<int> accepted{0}, refused_final{0}, failed{0}, refusals{0};
  std::vector<char> call_ok(static_cast<size_t>(o.calls), 0);
  std::mutex err_mu;
  std::string first_error;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (int i = 0; i < o.calls; ++i) {
    clients.emplace_back([&, i] {
      grpc::GenericStub stub(channels[static_cast<size_t>(i % o.connections)]);
      int backoff_ms = o.retry_ms;
      for (int attempt = 0;; ++attempt) {
        std::string body = tpl.bytes;
        patch_ids(tpl, nonce, static_cast<uint32_t>(i), &body);
        grpc::Slice slice(body);
        body = std::string();
        grpc::ByteBuffer req(&slice, 1), resp;
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(o.deadline_s));
        std::promise<grpc::Status> done;
        stub.UnaryCall(&ctx, "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
                       grpc::StubOptions(), &req, &resp,
                       [&done](grpc::Status s) { done.set_value(std::move(s)); });
        grpc::Status s = done.get_future().get();
        if (s.ok()) {
          ++accepted;
          call_ok[static_cast<size_t>(i)] = 1;
          return;
        }
        if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
          ++refusals;
          if (attempt < o.retries) {
            std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
            backoff_ms = std::min(2000, backoff_ms * 2);
            continue;
          }
          ++refused_final;
        } else {
          ++failed;
        }
        std::lock_guard<std::mutex> lock(err_mu);
        if (first_error.empty()) {
          first_error = std::to_string(s.error_code()) + " " + s.error_message();
        }
        return;
      }
    });
  }
  for (auto& t : clients) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  sampling = false;
  sampler.join();
  const double hwm = o.server_pid > 0 ? status_mib(o.server_pid, "VmHWM") : -1;
  const double rss_after = o.server_pid > 0 ? status_mib(o.server_pid, "VmRSS") : -1;
  std::printf(
      "accepted=%d refused=%d (refusals incl. retried=%d) failed=%d seconds=%.1f "
      "MB_accepted=%.0f\n",
      accepted.load(), refused_final.load(), refusals.load(), failed.load(), seconds,
      accepted.load() * static_cast<double>(tpl.bytes.size()) / 1e6);
  if (!first_error.empty()) std::printf("first error: %s\n", first_error.c_str());
  if (o.server_pid > 0) {
    std::printf("server_rss_mib before=%.0f peak_sampled=%.0f VmHWM=%.0f after=%.0f\n", rss_before,
                sampled_peak, hwm, rss_after);
  }

  if (!o.http.empty()) {
    // Every trace of every accepted call must be readable.
    const auto colon = o.http.rfind(':');
    tempo::server::HttpClient http(o.http.substr(0, colon), std::stoi(o.http.substr(colon + 1)));
    int found = 0, missing = 0;
    std::string body = tpl.bytes;
    for (int i = 0; i < o.calls; ++i) {
      if (!call_ok[static_cast<size_t>(i)]) continue;
      patch_ids(tpl, nonce, static_cast<uint32_t>(i), &body);
      for (const auto& offsets : tpl.id_offsets) {
        tempo::server::ClientResponse r;
        const bool ok = http.get("/api/traces/" + hex_id(body, offsets.front()), &r).is_ok();
        (ok && r.status == 200 ? found : missing)++;
      }
    }
    std::printf("traces readable=%d missing=%d\n", found, missing);
    return missing == 0 ? 0 : 1;
  }
  return 0;
}
