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
  auto res = s.get("/shutdown");
  CHECK(res.status == 200);
  CHECK(res.body == "shutdown job acknowledged");
  CHECK(s.stop() == 0);  // already exiting; stop() reaps it
  s.start();
  CHECK(s.get("/api/traces/" + id).status == 200);
}
