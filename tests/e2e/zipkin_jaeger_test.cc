// The Zipkin and Jaeger receivers of the real binary, for what the npm clients in
// tests/interop do not cover: Jaeger's gRPC collector API, agent datagrams in Thrift compact
// (what Go, Java and Python Jaeger clients send to 6831), tenants, and the receiver metrics.

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <grpcpp/grpcpp.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "Agent.h"
#include "harness.h"
#include "testing/jaeger_sample.h"
#include "tempo/util/compression.h"
#include "jaeger/api_v2/collector.grpc.pb.h"

namespace tempo::e2e {
namespace {

namespace jt = tempo::jaeger_thrift;

// GET /api/traces/{id} until it answers 200 (UDP delivery is asynchronous) or 10 s pass.
server::ClientResponse await_trace(TempoServer& s, const std::string& id_hex,
                                   const server::HeaderList& headers = {}) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    auto r = s.get("/api/traces/" + id_hex, headers);
    if (r.status == 200 || std::chrono::steady_clock::now() > until) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string compact_emit_batch(const jt::Batch& batch) {
  return jaeger_sample::encode_emit_batch<apache::thrift::protocol::TCompactProtocol>(batch);
}

void send_udp(int port, const std::string& datagram) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  auto n = ::sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&addr),
                    sizeof addr);
  ::close(fd);
  REQUIRE(n == static_cast<ssize_t>(datagram.size()));
}

}  // namespace

TEST_CASE("jaeger gRPC collector API: PostSpans stores the batch") {
  TempoServer s({.zipkin_jaeger = true});
  s.start();
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(s.jaeger_grpc_port()),
                                     grpc::InsecureChannelCredentials());
  auto stub = jaeger::api_v2::CollectorService::NewStub(channel);

  const std::string id = random_trace_hex();
  jaeger::api_v2::PostSpansRequest req;
  auto* batch = req.mutable_batch();
  batch->mutable_process()->set_service_name("jaeger-grpc-svc");
  auto* span = batch->add_spans();
  span->set_trace_id(hex_to_bytes(id));
  span->set_span_id(hex_to_bytes("00000000000000a1"));
  span->set_operation_name("reserve");
  span->mutable_start_time()->set_seconds(1700000000);
  span->mutable_duration()->set_nanos(5000);
  auto* kv = span->add_tags();
  kv->set_key("span.kind");
  kv->set_v_str("server");
  jaeger::api_v2::PostSpansResponse resp;
  grpc::ClientContext ctx;
  auto st = stub->PostSpans(&ctx, req, &resp);
  REQUIRE(st.ok());

  auto got = s.get("/api/traces/" + id);
  REQUIRE(got.status == 200);
  TracesData trace = parse_v1_json(got.body);
  REQUIRE(trace.resource_spans_size() == 1);
  CHECK(trace.resource_spans(0).resource().attributes(0).value().string_value() == "jaeger-grpc-svc");
  const auto& sp = trace.resource_spans(0).scope_spans(0).spans(0);
  CHECK(sp.name() == "reserve");
  CHECK(sp.kind() == opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
  CHECK(sp.start_time_unix_nano() == 1700000000000000000ull);
  CHECK(sp.end_time_unix_nano() == 1700000000000005000ull);

  // A span without an ID is refused with the reason, and nothing of the batch is stored.
  const std::string id2 = random_trace_hex();
  span->set_trace_id(hex_to_bytes(id2));
  span->clear_span_id();
  grpc::ClientContext ctx2;
  st = stub->PostSpans(&ctx2, req, &resp);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(st.error_message(), Catch::Contains("jaeger span 0: span_id must be 1 to 8 bytes"));
  CHECK(s.get("/api/traces/" + id2).status == 404);
}

TEST_CASE("jaeger agent UDP, thrift compact: emitBatch datagrams are stored") {
  TempoServer s({.zipkin_jaeger = true});
  s.start();
  const std::string id = random_trace_hex();
  jt::Batch batch;
  batch.process.serviceName = "go-service";
  jt::Span span;
  jaeger_sample::set_trace_id(&span, hex_to_bytes(id));
  span.spanId = 0x5151;
  span.parentSpanId = 0;
  span.operationName = "HTTP GET";
  span.flags = 1;
  span.startTime = 1700000000000000;
  span.duration = 42;
  batch.spans.push_back(span);
  send_udp(s.jaeger_compact_port(), compact_emit_batch(batch));

  auto got = await_trace(s, id);
  REQUIRE(got.status == 200);
  TracesData trace = parse_v1_json(got.body);
  const auto& sp = trace.resource_spans(0).scope_spans(0).spans(0);
  CHECK(bytes_to_hex(sp.span_id()) == "0000000000005151");
  CHECK(sp.name() == "HTTP GET");
  CHECK(sp.end_time_unix_nano() - sp.start_time_unix_nano() == 42000);

  // A garbage datagram is dropped with a log line naming why; the receiver keeps serving.
  send_udp(s.jaeger_compact_port(), "garbage");
  // A 64-bit trace ID (high half zero), as older Jaeger clients send.
  const std::string raw2 = std::string(8, '\0') + hex_to_bytes(random_trace_hex()).substr(8);
  jaeger_sample::set_trace_id(&batch.spans[0], raw2);
  send_udp(s.jaeger_compact_port(), compact_emit_batch(batch));
  CHECK(await_trace(s, bytes_to_hex(raw2)).status == 200);
  // Datagrams are decoded by a worker pool, so the good one may be stored before the garbage
  // one is logged.
  CHECK_THAT(s.await_log("cannot decode jaeger agent datagram"),
             Catch::Contains("jaeger agent batch dropped") &&
                          Catch::Contains("cannot decode jaeger agent datagram"));

  auto metrics = s.get("/metrics").body;
  CHECK_THAT(metrics, Catch::Contains(
                          "tempo_receiver_accepted_spans{receiver=\"jaeger\",transport=\"thrift_compact\"} 2"));
}

TEST_CASE("zipkin and jaeger HTTP with multitenancy: X-Scope-OrgID names the tenant") {
  TempoServer s({.multitenancy = true, .zipkin_jaeger = true});
  s.start();
  const std::string id = random_trace_hex();
  const std::string body = "[{\"traceId\":\"" + id +
                           "\",\"id\":\"00000000000000b2\",\"name\":\"op\",\"timestamp\":1700000000000000,"
                           "\"duration\":10,\"localEndpoint\":{\"serviceName\":\"z\"}}]";
  server::HttpClient zipkin("127.0.0.1", static_cast<uint16_t>(s.zipkin_port()));
  server::ClientResponse r;
  REQUIRE(zipkin.post("/api/v2/spans", body, "application/json", &r).is_ok());
  CHECK(r.status == 401);
  CHECK_THAT(r.body, Catch::Contains("no org id"));

  REQUIRE(zipkin.post("/api/v2/spans", body, "application/json", &r, {{"X-Scope-OrgID", "team-z"}})
              .is_ok());
  CHECK(r.status == 202);
  CHECK(s.get("/api/traces/" + id, {{"X-Scope-OrgID", "team-z"}}).status == 200);
  CHECK(s.get("/api/traces/" + id, {{"X-Scope-OrgID", "someone-else"}}).status == 404);

  // Gzip'd bodies (Brave and the Collector's zipkin exporter compress) are decoded first.
  const std::string gz_id = random_trace_hex();
  std::string gz;
  REQUIRE(tempo::gzip_compress("[{\"traceId\":\"" + gz_id +
                                   "\",\"id\":\"00000000000000b4\",\"name\":\"gz\"}]",
                               &gz)
              .is_ok());
  REQUIRE(zipkin.post("/api/v2/spans", gz, "application/json", &r,
                      {{"X-Scope-OrgID", "team-z"}, {"Content-Encoding", "gzip"}})
              .is_ok());
  CHECK(r.status == 202);
  CHECK(s.get("/api/traces/" + gz_id, {{"X-Scope-OrgID", "team-z"}}).status == 200);

  // Zipkin v1 JSON on its own path, same tenancy rules.
  const std::string v1_id = random_trace_hex();
  const std::string v1 = "[{\"traceId\":\"" + v1_id +
                         "\",\"id\":\"00000000000000b3\",\"name\":\"v1op\",\"annotations\":["
                         "{\"timestamp\":1700000000000000,\"value\":\"sr\",\"endpoint\":{\"serviceName\":\"v1svc\"}},"
                         "{\"timestamp\":1700000000000500,\"value\":\"ss\",\"endpoint\":{\"serviceName\":\"v1svc\"}}]}]";
  REQUIRE(zipkin.post("/api/v1/spans", v1, "application/json", &r).is_ok());
  CHECK(r.status == 401);
  REQUIRE(zipkin.post("/api/v1/spans", v1, "application/json", &r, {{"X-Scope-OrgID", "team-z"}})
              .is_ok());
  CHECK(r.status == 202);
  auto v1_got = s.get("/api/traces/" + v1_id, {{"X-Scope-OrgID", "team-z"}});
  REQUIRE(v1_got.status == 200);
  TracesData v1_trace = parse_v1_json(v1_got.body);
  const auto& v1_span = v1_trace.resource_spans(0).scope_spans(0).spans(0);
  CHECK(v1_span.kind() == opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
  CHECK(v1_span.end_time_unix_nano() - v1_span.start_time_unix_nano() == 500000);
  REQUIRE(zipkin.post("/api/v1/spans", "x", "application/x-thrift", &r, {{"X-Scope-OrgID", "team-z"}})
              .is_ok());
  CHECK(r.status == 400);
  CHECK_THAT(r.body, Catch::Contains("accepted as JSON only"));

  // gRPC without the tenant in metadata is refused the same way.
  auto stub = jaeger::api_v2::CollectorService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(s.jaeger_grpc_port()), grpc::InsecureChannelCredentials()));
  jaeger::api_v2::PostSpansRequest req;
  jaeger::api_v2::PostSpansResponse resp;
  grpc::ClientContext ctx;
  CHECK(stub->PostSpans(&ctx, req, &resp).error_code() == grpc::StatusCode::UNAUTHENTICATED);
}

TEST_CASE("zipkin and jaeger HTTP over the rate limit: 429 with Retry-After, the message says why") {
  ServerOptions o;
  o.zipkin_jaeger = true;
  o.rate_limit_bytes = 100;
  o.burst_size_bytes = 100;
  TempoServer s(o);
  s.start();
  std::string body = "[";
  for (int i = 0; i < 5; ++i) {
    body += std::string(i ? "," : "") + "{\"traceId\":\"" + random_trace_hex() +
            "\",\"id\":\"00000000000000c" + std::to_string(i) + "\",\"name\":\"a-span-name\"}";
  }
  body += "]";
  server::HttpClient zipkin("127.0.0.1", static_cast<uint16_t>(s.zipkin_port()));
  server::ClientResponse r;
  REQUIRE(zipkin.post("/api/v2/spans", body, "application/json", &r).is_ok());
  CHECK(r.status == 429);
  CHECK(r.header("Retry-After") == "5");
  CHECK_THAT(r.body, Catch::Contains("RATE_LIMITED"));
  CHECK_THAT(s.get("/metrics").body,
             Catch::Contains("tempo_discarded_spans_total{reason=\"rate_limited\",tenant=\"single-tenant\"} 5"));
}

}  // namespace tempo::e2e
