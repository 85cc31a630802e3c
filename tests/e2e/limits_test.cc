// Under pressure the server pushes back (429 / RESOURCE_EXHAUSTED with Retry-After) and
// loses nothing it already acknowledged; oversized messages are refused clearly.

#include <catch2/catch.hpp>
#include <thread>

#include "harness.h"

using namespace tempo;
using namespace tempo::e2e;

TEST_CASE("over the tenant's ingestion rate: 429 with Retry-After, RESOURCE_EXHAUSTED") {
  ServerOptions o;
  o.rate_limit_bytes = 1000;
  o.burst_size_bytes = 4000;
  TempoServer s(o);
  s.start();
  std::string first = random_trace_hex();
  auto ok_req = make_request({first}, 2);
  REQUIRE(ok_req.ByteSizeLong() < 4000);
  REQUIRE(s.export_grpc(ok_req).ok());

  // Drain the bucket: within a second, a few more requests must be refused.
  int grpc_refused = 0;
  std::string message;
  for (int i = 0; i < 10; ++i) {
    auto st = s.export_grpc(make_request({random_trace_hex()}, 2));
    if (st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++grpc_refused;
      message = st.error_message();
    }
  }
  CHECK(grpc_refused > 0);
  CHECK(message.rfind("RATE_LIMITED: ingestion rate limit (local: 1000 bytes/s", 0) == 0);

  auto http = s.export_http(make_request({random_trace_hex()}, 2).SerializeAsString(),
                            "application/x-protobuf");
  for (int i = 0; i < 10 && http.status == 200; ++i) {
    http = s.export_http(make_request({random_trace_hex()}, 2).SerializeAsString(),
                         "application/x-protobuf");
  }
  CHECK(http.status == 429);
  CHECK(http.header("Retry-After") == "5");

  // A batch larger than the burst can never fit: refused with a message saying so.
  auto huge = make_request({random_trace_hex()}, 40);
  REQUIRE(huge.ByteSizeLong() > 4000);
  auto st = s.export_grpc(huge);
  CHECK(st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(st.error_message().find("batch size") != std::string::npos);

  // What was accepted before the limit is intact.
  CHECK(s.get("/api/traces/" + first).status == 200);
  CHECK(s.get("/metrics")
            .body.find(
                "tempo_discarded_spans_total{reason=\"rate_limited\",tenant=\"single-tenant\"}") !=
        std::string::npos);
}

TEST_CASE("OTLP gRPC messages over the receiver's 4 MiB limit are refused") {
  ServerOptions o;
  o.shared_grpc_port = false;  // the receiver's own limit applies
  TempoServer s(o);
  s.start();
  auto big = make_request({random_trace_hex()}, 1);
  auto* attr =
      big.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->add_attributes();
  attr->set_key("blob");
  attr->mutable_value()->set_string_value(std::string(5 << 20, 'x'));
  auto st = s.export_grpc(big);
  CHECK(st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  // The server is still healthy and takes the next normal request.
  std::string id = random_trace_hex();
  REQUIRE(s.export_grpc(make_request({id}, 1)).ok());
  CHECK(s.get("/api/traces/" + id).status == 200);
}

TEST_CASE("/shutdown flushes and stops the process") {
  TempoServer s;
  s.start();
  std::string id = random_trace_hex();
  REQUIRE(s.export_grpc(make_request({id}, 2)).ok());
  auto res = s.post("/shutdown");
  CHECK(res.status == 200);
  CHECK(res.body == "shutdown job acknowledged");
  CHECK(s.stop() == 0);  // already exiting; stop() reaps it
  s.start();
  CHECK(s.get("/api/traces/" + id).status == 200);
}

TEST_CASE("per-trace and live-trace limits: refused spans come back as OTLP partial success") {
  ServerOptions o;
  o.max_traces_per_user = 3;
  auto probe = make_request({random_trace_hex()}, 4);
  o.max_bytes_per_trace = static_cast<int64_t>(probe.ByteSizeLong());  // ~one request's worth
  TempoServer s(o);
  s.start();
  const std::string big = random_trace_hex();
  ExportTraceServiceResponse resp;
  REQUIRE(s.export_grpc(make_request({big}, 4), "", false, &resp).ok());
  CHECK(resp.partial_success().rejected_spans() == 0);
  // The same trace again would double it: refused, but the call succeeds (as in Tempo).
  REQUIRE(s.export_grpc(make_request({big}, 4), "", false, &resp).ok());
  CHECK(resp.partial_success().rejected_spans() == 4);
  CHECK_THAT(resp.partial_success().error_message(),
             Catch::StartsWith("TRACE_TOO_LARGE: max size of trace"));

  // Two more traces fit the live-trace limit of 3; the fourth new trace does not.
  std::vector<std::string> ids = {random_trace_hex(), random_trace_hex(), random_trace_hex()};
  REQUIRE(s.export_grpc(make_request(ids, 1), "", false, &resp).ok());
  CHECK(resp.partial_success().rejected_spans() == 1);
  CHECK_THAT(resp.partial_success().error_message(), Catch::StartsWith("LIVE_TRACES_EXCEEDED"));
  CHECK(s.get("/api/traces/" + ids[0]).status == 200);
  CHECK(s.get("/api/traces/" + ids[1]).status == 200);
  CHECK(s.get("/api/traces/" + ids[2]).status == 404);
  auto metrics = s.get("/metrics").body;
  CHECK_THAT(metrics, Catch::Contains(
                          "tempo_discarded_spans_total{reason=\"trace_too_large\",tenant=\"single-tenant\"} 4"));
  CHECK_THAT(metrics, Catch::Contains(
                          "tempo_discarded_spans_total{reason=\"live_traces_exceeded\",tenant=\"single-tenant\"} 1"));
  CHECK_THAT(s.log(), Catch::Contains("spans discarded by a per-tenant limit"));
}
