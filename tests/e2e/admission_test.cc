// Admission before work and bounded executors, from outside: large bodies are refused before
// they are decoded or even read, floods of one kind of work (UDP datagrams, big ingest
// requests, a flush that never ends) do not keep /ready or trace-by-ID waiting, and SIGTERM
// exits within server.graceful_shutdown_timeout whatever the backend does.

#include <arpa/inet.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <poll.h>
#include <sys/socket.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "Agent.h"
#include "harness.h"
#include "testing/jaeger_sample.h"

namespace tempo::e2e {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// GET /ready on a fresh connection; returns the status and how long the answer took (a
// transport failure or timeout counts as status 0 after the full wait).
std::pair<int, double> timed_ready(int port) {
  auto t = Clock::now();
  server::HttpClient c("127.0.0.1", static_cast<uint16_t>(port), std::chrono::seconds(10));
  server::ClientResponse res;
  Status s = c.get("/ready", &res);
  return {s.is_ok() ? res.status : 0, seconds_since(t)};
}

// Polls /ready every 100 ms while `running`; keeps the worst latency and any non-200.
struct ReadyProbe {
  explicit ReadyProbe(int port)
      : thread([this, port] {
          while (running) {
            auto [status, secs] = timed_ready(port);
            std::lock_guard<std::mutex> lock(mu);
            worst = std::max(worst, secs);
            if (status != 200) bad_status = status;
            ++probes;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
          }
        }) {}
  ~ReadyProbe() { finish(); }
  void finish() {
    running = false;
    if (thread.joinable()) thread.join();
  }
  std::atomic<bool> running{true};
  std::mutex mu;
  double worst = 0;
  int bad_status = 200;
  int probes = 0;
  std::thread thread;
};

int tcp_connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// What arrives on `fd` within `wait` (until the peer closes or the wait ends).
std::string read_for(int fd, std::chrono::milliseconds wait) {
  std::string got;
  auto until = Clock::now() + wait;
  char buf[4096];
  while (Clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count());
    if (::poll(&p, 1, std::max(left, 1)) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
    if (got.find("\r\n\r\n") != std::string::npos) break;
  }
  return got;
}

// An OTLP/JSON body of at least `bytes`.
std::string big_otlp_json(size_t bytes) {
  auto probe = otlp_json(make_request({random_trace_hex()}, 10));
  const size_t traces = bytes / probe.size() + 1;
  std::vector<std::string> ids;
  for (size_t i = 0; i < traces; ++i) ids.push_back(random_trace_hex());
  return otlp_json(make_request(ids, 10));
}

namespace jt = tempo::jaeger_thrift;

std::string compact_datagram(const std::string& trace_hex) {
  jt::Batch batch;
  batch.process.serviceName = "flood";
  for (int i = 0; i < 5; ++i) {
    jt::Span span;
    jaeger_sample::set_trace_id(&span, hex_to_bytes(trace_hex));
    span.spanId = 0x100 + i;
    span.operationName = "op";
    span.startTime = 1700000000000000;
    span.duration = 42;
    batch.spans.push_back(span);
  }
  return jaeger_sample::encode_emit_batch<apache::thrift::protocol::TCompactProtocol>(batch);
}

// A valid trace sent now over OTLP/HTTP is accepted and readable by ID.
void require_small_trace_ingested(TempoServer& s) {
  const std::string id = random_trace_hex();
  auto req = make_request({id}, 3);
  auto res = s.export_http(req.SerializeAsString(), "application/x-protobuf");
  REQUIRE(res.status == 200);
  auto got = s.get("/api/traces/" + id);
  REQUIRE(got.status == 200);
  require_same_spans(req, id, parse_v1_json(got.body));
}

}  // namespace

// Before: a 17.5 MB OTLP JSON body cost ~340 MB to decode before the rate limit refused it,
// and each of several at once paid it (three: 1.3 GB). Now the body is charged to the
// tenant's rate limit before decoding, so at Tempo's default limits one is decoded and the
// others are refused at the cost of their bytes.
TEST_CASE("admission: large OTLP JSON bodies at once are refused before decoding, RSS bounded") {
  ServerOptions o;
  o.rate_limit_bytes = 15000000;  // Tempo's defaults
  o.burst_size_bytes = 20000000;
  TempoServer s(o);
  s.start();
  const std::string body = big_otlp_json(17500000);
  INFO("body: " << body.size() << " bytes");
  REQUIRE(body.size() < 20000000);
  const long rss_before = proc_status_kib(s.pid(), "VmRSS");

  constexpr int kSenders = 4;
  std::vector<server::ClientResponse> got(kSenders);
  std::vector<std::thread> senders;
  for (int i = 0; i < kSenders; ++i) {
    senders.emplace_back([&, i] {
      server::HttpClient c("127.0.0.1", static_cast<uint16_t>(s.otlp_http_port()),
                           std::chrono::seconds(60));
      if (!c.post("/v1/traces", body, "application/json", &got[i]).is_ok()) got[i].status = -1;
    });
  }
  for (auto& t : senders) t.join();
  const long peak = proc_status_kib(s.pid(), "VmHWM");
  int ok = 0, refused = 0;
  for (const auto& r : got) {
    INFO("status " << r.status << ": " << r.body.substr(0, 200));
    CHECK((r.status == 200 || r.status == 429));
    if (r.status == 200) ++ok;
    if (r.status == 429) {
      ++refused;
      CHECK(r.header("Retry-After") == "5");
    }
  }
  CHECK(ok >= 1);
  CHECK(refused >= 2);
  INFO("RSS before " << rss_before / 1024 << " MiB, peak " << peak / 1024 << " MiB");
  // One decode (~340 MB) and the bodies in flight; four decodes at once were ~1.5 GB.
  if (memory_bounds_apply()) CHECK(peak < 800 * 1024);
  // The refused spans were counted without decoding them.
  CHECK_THAT(s.get("/metrics").body,
             Catch::Contains(
                 "tempo_discarded_spans_total{reason=\"rate_limited\",tenant=\"single-tenant\"}"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // a little bucket refill
  require_small_trace_ingested(s);
}

// Before: every connection's body was read into memory whatever the others held (25 x 20 MB
// = 536 MB). Now bodies are charged to server.http_max_request_bytes_in_flight from their
// Content-Length, and a request over it is answered 429 without a byte of its body read.
TEST_CASE("admission: bodies over the in-flight byte budget get 429 unread, RSS bounded") {
  ServerOptions o;
  o.server_extra = "  http_max_request_bytes_in_flight: 41943040\n";  // 40 MiB: two bodies
  TempoServer s(o);
  s.start();
  const long rss_before = proc_status_kib(s.pid(), "VmRSS");
  constexpr int kConnections = 25;
  constexpr size_t kBody = 20000000;
  const std::string head =
      "POST /v1/traces HTTP/1.1\r\nHost: tempo\r\n"
      "Content-Type: application/x-protobuf\r\nContent-Length: " +
      std::to_string(kBody) + "\r\n\r\n";
  std::vector<int> fds;
  int early_429 = 0, with_retry_after = 0;
  std::vector<int> admitted;
  auto t0 = Clock::now();
  for (int i = 0; i < kConnections; ++i) {
    int fd = tcp_connect(s.otlp_http_port());
    fds.push_back(fd);
    REQUIRE(send_all(fd, head));
    // No body sent yet: a refusal now is a refusal without reading it.
    std::string reply = read_for(fd, std::chrono::milliseconds(500));
    if (reply.rfind("HTTP/1.1 429", 0) == 0) {
      ++early_429;
      if (reply.find("Retry-After: 5") != std::string::npos) ++with_retry_after;
    } else {
      INFO("reply: " << reply);
      CHECK(reply.empty());
      admitted.push_back(fd);
    }
  }
  INFO("25 connections answered in " << seconds_since(t0) << " s");
  CHECK(early_429 == kConnections - 2);
  CHECK(with_retry_after == early_429);
  CHECK(admitted.size() == 2);
  // The admitted ones send all but the last byte of their bodies: held, within the budget.
  const std::string chunk(1 << 20, 'x');
  for (int fd : admitted) {
    size_t left = kBody - 1;
    while (left > 0) {
      size_t n = std::min(left, chunk.size());
      REQUIRE(send_all(fd, std::string_view(chunk).substr(0, n)));
      left -= n;
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(s.get("/ready").status == 200);
  const long peak = proc_status_kib(s.pid(), "VmHWM");
  INFO("RSS before " << rss_before / 1024 << " MiB, peak " << peak / 1024 << " MiB");
  if (memory_bounds_apply()) CHECK(peak - rss_before < 150 * 1024);
  for (int fd : fds) ::close(fd);
  // The budget comes back when those connections go: a small trace is accepted again.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  require_small_trace_ingested(s);
  CHECK_THAT(s.get("/metrics").body,
             Catch::Contains("tempo_http_body_budget_refused_requests_total " +
                             std::to_string(kConnections - 2)));
}

// Before: one shared pool of 4 threads with an unbounded queue ran every datagram and every
// HTTP handler; 100k datagrams in 4.5 s left /ready unanswered for 28.8 s.
TEST_CASE(
    "executors: /ready answers within 1 s during a UDP flood, and excess datagrams are counted") {
  TempoServer s({.zipkin_jaeger = true});
  s.start();
  const std::string datagram = compact_datagram(random_trace_hex());
  ReadyProbe probe(s.http_port());
  std::atomic<int> sent{0};
  std::vector<std::thread> flood;
  auto until = Clock::now() + std::chrono::seconds(4);
  for (int t = 0; t < 2; ++t) {
    flood.emplace_back([&] {
      int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(s.jaeger_compact_port()));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      while (Clock::now() < until) {
        if (::sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&addr),
                     sizeof addr) > 0) {
          ++sent;
        }
      }
      ::close(fd);
    });
  }
  for (auto& t : flood) t.join();
  // Right after the flood, too: what is queued must not stand between /ready and its answer.
  auto [status, secs] = timed_ready(s.http_port());
  probe.finish();
  INFO("sent " << sent << " datagrams; /ready probes " << probe.probes << ", worst " << probe.worst
               << " s; after the flood " << secs << " s");
  CHECK(sent > 10000);
  CHECK(probe.probes >= 5);
  CHECK(probe.bad_status == 200);
  CHECK(probe.worst < 1.0);
  CHECK(status == 200);
  CHECK(secs < 1.0);
  const std::string metrics = s.get("/metrics").body;
  CHECK_THAT(metrics, Catch::Contains("tempo_receiver_dropped_datagrams_total{reason=\"queue_"
                                      "full\",transport=\"thrift_compact\"}"));
  require_small_trace_ingested(s);
}

TEST_CASE("executors: /ready answers within 1 s during a flood of large HTTP ingest requests") {
  TempoServer s;
  s.start();
  // ~5 MB protobuf bodies from 8 connections at once, for 4 s.
  std::vector<std::string> ids;
  for (int i = 0; i < 400; ++i) ids.push_back(random_trace_hex());
  const std::string body = make_request(ids, 5).SerializeAsString();
  INFO("body " << body.size() << " bytes");
  ReadyProbe probe(s.http_port());
  std::atomic<int> ok{0}, busy{0}, other{0};
  std::vector<std::thread> flood;
  auto until = Clock::now() + std::chrono::seconds(4);
  for (int t = 0; t < 8; ++t) {
    flood.emplace_back([&] {
      server::HttpClient c("127.0.0.1", static_cast<uint16_t>(s.otlp_http_port()),
                           std::chrono::seconds(60));
      while (Clock::now() < until) {
        server::ClientResponse r;
        if (!c.post("/v1/traces", body, "application/x-protobuf", &r).is_ok()) {
          ++other;
        } else if (r.status == 200) {
          ++ok;
        } else if (r.status == 429) {
          ++busy;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : flood) t.join();
  probe.finish();
  INFO("200: " << ok << ", 429: " << busy << ", other: " << other << "; /ready probes "
               << probe.probes << ", worst " << probe.worst << " s");
  CHECK(ok > 0);
  CHECK(other == 0);
  CHECK(probe.probes >= 5);
  CHECK(probe.bad_status == 200);
  CHECK(probe.worst < 1.0);
  require_small_trace_ingested(s);
}

// The block store cannot take the block (its tenant directory is a file), so a flush waits on
// retries for minutes. Before: four such /flush calls held all four shared workers and
// stopped the whole HTTP API, and SIGTERM then waited for the flush (~300 s).
TEST_CASE(
    "a hung /flush blocks neither /ready nor trace-by-ID, and SIGTERM exits within "
    "graceful_shutdown_timeout") {
  ServerOptions o;
  o.server_extra = "  graceful_shutdown_timeout: 3s\n";
  TempoServer s(o);
  s.start();
  const std::string id = random_trace_hex();
  REQUIRE(s.export_grpc(make_request({id}, 3)).ok());
  REQUIRE(s.get("/api/traces/" + id).status == 200);
  const std::string blocker = s.blocks_dir() + "/single-tenant";
  REQUIRE(!std::filesystem::exists(blocker));
  std::ofstream(blocker) << "not a directory";

  std::vector<std::thread> flushes;
  std::atomic<int> answered{0};
  for (int i = 0; i < 4; ++i) {
    flushes.emplace_back([&] {
      server::HttpClient c("127.0.0.1", static_cast<uint16_t>(s.http_port()),
                           std::chrono::seconds(60));
      server::ClientResponse r;
      if (c.request("POST", "/flush", "", {}, &r).is_ok()) ++answered;
    });
  }
  CHECK_THAT(s.await_log("failed to flush block; will retry"),
             Catch::Contains("failed to flush block; will retry"));
  for (int i = 0; i < 5; ++i) {
    auto [status, secs] = timed_ready(s.http_port());
    CHECK(status == 200);
    CHECK(secs < 1.0);
    server::HttpClient c("127.0.0.1", static_cast<uint16_t>(s.http_port()),
                         std::chrono::seconds(10));
    server::ClientResponse r;
    REQUIRE(c.get("/api/traces/" + id, &r).is_ok());
    CHECK(r.status == 200);
  }
  CHECK(answered == 0);  // still flushing

  const auto t0 = Clock::now();
  const int code = s.stop();
  const double took = seconds_since(t0);
  INFO("exit code " << code << " after " << took << " s");
  CHECK(took < 3.0 + 2.0);  // the timeout, and a little for the process to go
  CHECK(code == 1);
  CHECK_THAT(s.log(), Catch::Contains("graceful shutdown did not finish"));
  for (auto& t : flushes) t.join();

  // Nothing acknowledged was lost: the WAL is replayed on start.
  std::filesystem::remove(blocker);
  s.start();
  CHECK(s.get("/api/traces/" + id).status == 200);
}

TEST_CASE("admin endpoints: POST only (GET is 405 with Allow), and can be turned off") {
  {
    TempoServer s;
    s.start();
    for (const char* path : {"/flush", "/shutdown"}) {
      auto r = s.get(path);
      INFO(path);
      CHECK(r.status == 405);
      CHECK(r.header("Allow") == "POST");
    }
    CHECK(s.running());
    CHECK(s.post("/flush").status == 204);
  }
  ServerOptions o;
  o.server_extra = "  admin_endpoints_enabled: false\n";
  TempoServer s(o);
  s.start();
  CHECK(s.post("/flush").status == 404);
  CHECK(s.post("/shutdown").status == 404);
  CHECK(s.get("/ready").status == 200);
  CHECK(s.stop() == 0);
}

namespace {

// Sends `body` as the raw request bytes of a unary gRPC `method` on `channel`, bypassing any
// stub's serialization, so a test can send bytes no client library would.
grpc::Status raw_unary(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                       const std::string& body,
                       std::chrono::seconds deadline = std::chrono::seconds(10)) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  grpc::Slice slice(body);
  grpc::ByteBuffer request(&slice, 1), response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status result;
  stub.UnaryCall(&ctx, method, grpc::StubOptions(), &request, &response, [&](grpc::Status st) {
    std::lock_guard<std::mutex> lock(mu);
    result = std::move(st);
    done = true;
    cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  return result;
}

grpc::Status raw_unary(int port, const std::string& method, const std::string& body) {
  return raw_unary(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()),
      method, body);
}

}  // namespace

// Before: OTLP and Jaeger gRPC requests were decoded by the server before the handler charged
// the tenant's rate limit, so a refused request had already paid for its decoding. Now the
// handlers get the bytes and charge them first: a body that is not even protobuf is refused
// for the rate limit, not for its content, and the refused spans are counted by a walk over
// the wire bytes.
TEST_CASE("admission: gRPC requests over the rate limit are refused before decoding") {
  ServerOptions o;
  o.zipkin_jaeger = true;
  o.rate_limit_bytes = 2000;
  o.burst_size_bytes = 2000;
  TempoServer s(o);
  s.start();
  const std::string otlp = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
  const std::string jaeger = "/jaeger.api_v2.CollectorService/PostSpans";

  // Larger than the burst, and not protobuf: the rate limit answers, the decoder never runs.
  const std::string garbage(5000, '\xff');
  for (const auto& [port, method] :
       {std::pair{s.grpc_port(), otlp}, std::pair{s.jaeger_grpc_port(), jaeger}}) {
    INFO(method);
    grpc::Status st = raw_unary(port, method, garbage);
    CHECK(st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
    CHECK_THAT(st.error_message(), Catch::Contains("RATE_LIMITED"));
  }
  // Within the limit, the same kind of bytes are a bad request, named as such.
  for (const auto& [port, method] :
       {std::pair{s.grpc_port(), otlp}, std::pair{s.jaeger_grpc_port(), jaeger}}) {
    INFO(method);
    grpc::Status st = raw_unary(port, method, std::string(100, '\xff'));
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(st.error_message(), Catch::Contains("not a valid"));
  }

  // A valid OTLP request over the limit: refused, its 40 spans counted as discarded.
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) ids.push_back(random_trace_hex());
  auto big = make_request(ids, 4);
  REQUIRE(big.ByteSizeLong() > 2000);
  grpc::Status st = raw_unary(s.grpc_port(), otlp, big.SerializeAsString());
  CHECK(st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK_THAT(
      s.get("/metrics").body,
      Catch::Contains(
          "tempo_discarded_spans_total{reason=\"rate_limited\",tenant=\"single-tenant\"} 40"));

  // And a small valid request still goes through and reads back.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // the bucket refills
  const std::string id = random_trace_hex();
  auto small = make_request({id}, 1);
  REQUIRE(small.ByteSizeLong() < 2000);
  st = raw_unary(s.grpc_port(), otlp, small.SerializeAsString());
  INFO(st.error_message());
  REQUIRE(st.ok());
  CHECK(s.get("/api/traces/" + id).status == 200);
}

// Before: one client connection could open any number of calls at once (gRPC's default), each
// holding a server thread. Now server.grpc_server_max_concurrent_streams (dskit's 100) is
// advertised on every gRPC port: with 1, a second call on a connection that holds one open
// waits until the first ends.
TEST_CASE("grpc: server.grpc_server_max_concurrent_streams bounds the calls of one connection") {
  const std::string otlp = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
  for (int cap : {1, 100}) {
    INFO("max concurrent streams " << cap);
    ServerOptions o;
    o.server_extra = "  grpc_server_max_concurrent_streams: " + std::to_string(cap) + "\n";
    TempoServer s(o);
    s.start();
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(s.grpc_port()),
                                       grpc::InsecureChannelCredentials());
    // Call A: started (headers sent, the stream open) but its request never sent.
    grpc::GenericStub stub(channel);
    grpc::CompletionQueue cq;
    grpc::ClientContext held_ctx;
    auto held = stub.PrepareCall(&held_ctx, otlp, &cq);
    held->StartCall(reinterpret_cast<void*>(1));
    void* tag = nullptr;
    bool ok = false;
    REQUIRE(cq.Next(&tag, &ok));
    REQUIRE(ok);

    // Call B on the same connection.
    const std::string body = make_request({random_trace_hex()}, 1).SerializeAsString();
    grpc::Status st = raw_unary(channel, otlp, body, std::chrono::seconds(3));
    if (cap == 1) {
      CHECK(st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
    } else {
      CHECK(st.ok());
    }
    held_ctx.TryCancel();
    grpc::Status held_status;
    held->Finish(&held_status, reinterpret_cast<void*>(2));
    while (cq.Next(&tag, &ok)) {
      if (tag == reinterpret_cast<void*>(2)) break;
    }
    // With A gone, the connection takes a call again.
    CHECK(raw_unary(channel, otlp, body).ok());
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {
    }
  }
}

}  // namespace tempo::e2e

namespace tempo::e2e {
namespace {

// A channel with a connection of its own (gRPC otherwise shares one between channels to the
// same target).
std::shared_ptr<grpc::Channel> own_connection(int port) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials(), args);
}

}  // namespace

// Before: server.grpc_listen_conn_limit > 0 was refused at start (gRPC 1.51 has no connection
// limit). Now a gRPC port with a limit is accepted by the server itself and each connection
// handed to gRPC: with a limit of 2, a third connection waits in the backlog, unserved, until
// one of the first two closes; the traces of every call that succeeded come back.
TEST_CASE("grpc: server.grpc_listen_conn_limit caps the connections open at once on a port") {
  ServerOptions o;
  o.server_extra = "  grpc_listen_conn_limit: 2\n";
  TempoServer s(o);
  s.start();
  const std::string otlp = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
  std::vector<std::string> ids;
  auto body = [&] {
    ids.push_back(random_trace_hex());
    return make_request({ids.back()}, 1).SerializeAsString();
  };
  auto a = own_connection(s.grpc_port());
  auto b = own_connection(s.grpc_port());
  REQUIRE(raw_unary(a, otlp, body()).ok());
  REQUIRE(raw_unary(b, otlp, body()).ok());
  const std::string labels = "{port=\"" + std::to_string(s.grpc_port()) + "\",protocol=\"grpc\"}";
  CHECK(metric_value(s, "tempo_tcp_connections_limit" + labels) == 2);

  auto c = own_connection(s.grpc_port());
  const std::string third = body();
  ids.pop_back();  // not acknowledged (yet)
  CHECK(raw_unary(c, otlp, third, std::chrono::seconds(2)).error_code() ==
        grpc::StatusCode::DEADLINE_EXCEEDED);
  CHECK(metric_value(s, "tempo_tcp_connections" + labels) == 2);

  a.reset();  // its connection closes; the third is accepted within the recheck interval
  REQUIRE(raw_unary(c, otlp, body()).ok());
  // b still works, and only two connections are open.
  REQUIRE(raw_unary(b, otlp, body()).ok());
  CHECK(metric_value(s, "tempo_tcp_connections" + labels) == 2);
  for (const auto& id : ids) {
    INFO(id);
    CHECK(s.get("/api/traces/" + id).status == 200);
  }
}

// gRPC's synchronous server starts a thread per call in flight; every port caps them at 64
// (ResourceQuota::SetMaxThreads). With 400 export calls in flight from 4 connections, the
// server's call threads (named "grpcpp_sync_ser", gRPC's name for them) never number more than
// that (give or take threads still exiting), and every call is answered. Without the cap they
// reached 95. Only those threads
// are counted: gRPC's own executor and the server's other pools grow on their own schedule.
TEST_CASE("grpc: 400 calls in flight do not grow the server's call threads past their cap") {
  TempoServer s;
  s.start();
  const std::string tasks = "/proc/" + std::to_string(s.pid()) + "/task";
  auto call_threads = [&] {
    int n = 0;
    std::error_code ec;
    for (const auto& t : std::filesystem::directory_iterator(tasks, ec)) {
      std::ifstream comm(t.path() / "comm");
      std::string name;
      std::getline(comm, name);
      if (name.rfind("grpcpp_sync_ser", 0) == 0) ++n;
    }
    return n;
  };
  const std::string otlp = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < 4; ++i) channels.push_back(own_connection(s.grpc_port()));
  std::atomic<int> ok{0}, failed{0}, peak{0};
  std::atomic<bool> sampling{true};
  std::thread sampler([&] {
    while (sampling) {
      peak = std::max(peak.load(), call_threads());
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  std::vector<std::thread> clients;
  for (int t = 0; t < 400; ++t) {
    clients.emplace_back([&, t] {
      std::vector<std::string> ids;
      for (int i = 0; i < 20; ++i) ids.push_back(random_trace_hex());
      grpc::Status st = raw_unary(channels[t % 4], otlp, make_request(ids, 20).SerializeAsString());
      (st.ok() ? ok : failed)++;
    });
  }
  for (auto& c : clients) c.join();
  sampling = false;
  sampler.join();
  INFO("peak call threads " << peak.load() << ", failed " << failed.load());
  CHECK(ok.load() + failed.load() == 400);
  CHECK(ok.load() > 0);
  CHECK(peak.load() > 0);  // the count sees them at all
  // A call thread that has given its slot back lives on a moment while it exits, so a sample
  // can see a few more than 64 (up to 69 seen under ASan); without the cap there were 95.
  CHECK(peak.load() <= 64 + 12);
}

// Before: gRPC ingest requests were decoded whatever the HTTP ports had in flight, by up to 64
// handler threads at once. Now they hold their (inflated) size in the same budget as HTTP
// bodies, server.http_max_request_bytes_in_flight: a request the budget cannot take is refused
// with RESOURCE_EXHAUSTED before it is decoded, and nothing of it is stored.
TEST_CASE("grpc: ingest requests share the bytes-in-flight budget with HTTP bodies") {
  ServerOptions o;
  o.server_extra = "  http_max_request_bytes_in_flight: 1048576\n";
  o.otlp_http_extra = "          max_request_body_size: 1048576\n";
  TempoServer s(o);
  s.start();
  const std::string otlp = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
  std::vector<std::string> big_ids;
  for (int i = 0; i < 40; ++i) big_ids.push_back(random_trace_hex());
  const std::string big = make_request(big_ids, 100).SerializeAsString();
  REQUIRE(big.size() > (1u << 20));
  REQUIRE(big.size() < (4u << 20));  // within the receive limit: only the budget refuses it
  grpc::Status st = raw_unary(s.grpc_port(), otlp, big);
  CHECK(st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK_THAT(st.error_message(), Catch::Contains("request bytes in flight"));
  CHECK(s.get("/api/traces/" + big_ids.front()).status == 404);

  const std::string small_id = random_trace_hex();
  REQUIRE(raw_unary(s.grpc_port(), otlp, make_request({small_id}, 5).SerializeAsString()).ok());
  CHECK(s.get("/api/traces/" + small_id).status == 200);
}

}  // namespace tempo::e2e
