// Bad input gets Tempo's status codes and clear messages; nothing good is lost with it.

#include <catch2/catch.hpp>

#include "harness.h"

using namespace tempo;
using namespace tempo::e2e;

TEST_CASE("trace-by-ID errors and not-found answers match Tempo") {
  TempoServer s;
  s.start();
  auto bad = s.get("/api/traces/12x4");
  CHECK(bad.status == 400);
  CHECK(bad.body == "trace IDs can only contain hex characters: invalid character 'x' at position 3");
  auto big = s.get("/api/v2/traces/0123456789abcdef0123456789abcdef01");
  CHECK(big.status == 400);
  CHECK(big.body == "trace IDs can't be larger than 128 bits");
  auto range = s.get("/api/traces/abcd?start=20&end=10");
  CHECK(range.status == 400);
  CHECK(range.body.find("start must be before end") != std::string::npos);

  std::string unknown = random_trace_hex();
  CHECK(s.get("/api/traces/" + unknown).status == 404);
  auto v2 = s.get("/api/v2/traces/" + unknown);
  CHECK(v2.status == 200);
  CHECK(parse_v2_json(v2.body).resource_spans_size() == 0);
}

TEST_CASE("OTLP HTTP rejects malformed bodies with 400 and a google.rpc.Status") {
  TempoServer s;
  s.start();
  auto garbage = s.export_http("\xff\xff\xff not protobuf", "application/x-protobuf");
  CHECK(garbage.status == 400);
  CHECK(garbage.header("Content-Type") == "application/x-protobuf");
  auto json = s.export_http("{\"resourceSpans\": [", "application/json");
  CHECK(json.status == 400);
  CHECK(json.body.find("\"message\"") != std::string::npos);
  CHECK(s.export_http("x", "text/plain").status == 415);

  server::HttpClient c("127.0.0.1", static_cast<uint16_t>(s.otlp_http_port()));
  server::ClientResponse res;
  REQUIRE(c.get("/v1/traces", &res).is_ok());
  CHECK(res.status == 405);
}

TEST_CASE("invalid spans: all bad is 400 / INVALID_ARGUMENT, some bad keeps the good ones") {
  TempoServer s;
  s.start();
  auto all_bad = make_request({"0000000000000000" "1111111111111111"}, 2);
  for (auto& sp : *all_bad.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans()) {
    sp.set_trace_id(sp.trace_id().substr(8));  // 64-bit trace id
  }
  auto st = s.export_grpc(all_bad);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(st.error_message() == "trace ids must be 128 bit, received 64 bits");
  auto http = s.export_http(all_bad.SerializeAsString(), "application/x-protobuf");
  CHECK(http.status == 400);

  std::string good = random_trace_hex();
  auto mixed = make_request({good}, 2);
  auto* extra = mixed.mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans();
  extra->set_trace_id(hex_to_bytes(good));
  extra->set_span_id(std::string(8, '\0'));
  extra->set_name("zero span id");
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse resp;
  REQUIRE(s.export_grpc(mixed, "", false, &resp).ok());
  CHECK(resp.partial_success().rejected_spans() == 1);
  CHECK(resp.partial_success().error_message().find("span ids must be 64 bit") == 0);
  auto got = parse_v1_json(s.get("/api/traces/" + good).body);
  CHECK(spans_by_id(got).size() == 2);
}

TEST_CASE("operational endpoints") {
  TempoServer s;
  s.start();
  CHECK(s.get("/ready").body == "ready");
  auto echo = s.get("/api/echo");
  CHECK(echo.status == 200);
  CHECK(echo.body == "echo");
  auto info = s.get("/api/status/buildinfo");
  CHECK(info.status == 200);
  CHECK(info.body.find("\"version\":\"0.1.0\"") != std::string::npos);
  CHECK(s.get("/no/such/path").status == 404);

  std::string id = random_trace_hex();
  REQUIRE(s.export_grpc(make_request({id}, 5)).ok());
  REQUIRE(s.export_http(make_request({random_trace_hex()}, 2).SerializeAsString(),
                        "application/x-protobuf").status == 200);
  REQUIRE(s.get("/api/traces/" + id).status == 200);
  auto m = s.get("/metrics");
  CHECK(m.status == 200);
  const std::string& body = m.body;
  CHECK(body.find("tempo_distributor_spans_received_total{tenant=\"single-tenant\"} 7") != std::string::npos);
  CHECK(body.find("tempo_receiver_accepted_spans{receiver=\"otlp\",transport=\"grpc\"} 5") != std::string::npos);
  CHECK(body.find("tempo_receiver_accepted_spans{receiver=\"otlp\",transport=\"http\"} 2") != std::string::npos);
  CHECK(body.find("tempo_ingester_traces_created_total{tenant=\"single-tenant\"} 2") != std::string::npos);
  CHECK(body.find("tempo_distributor_bytes_received_total{tenant=\"single-tenant\"}") != std::string::npos);
  CHECK(body.find("tempo_query_frontend_queries_total{op=\"traces\",result=\"completed\",tenant=\"single-tenant\"} 1") != std::string::npos);
  CHECK(body.find("tempo_request_duration_seconds_bucket{method=\"GET\",route=\"api_traces_traceid\",status_code=\"200\",ws=\"false\"") != std::string::npos);
  CHECK(body.find("tempo_build_info{") != std::string::npos);
}

TEST_CASE("a log line is logfmt with level, ts, caller and msg") {
  TempoServer s;
  s.start();
  std::string log = s.log();
  CHECK(log.find("level=info ts=") != std::string::npos);
  CHECK(log.find(" caller=app.cc:") != std::string::npos);
  CHECK(log.find(" msg=\"Tempo started\"") != std::string::npos);
}
