// Bad input gets Tempo's status codes and clear messages; nothing good is lost with it.

#include <google/protobuf/util/json_util.h>

#include <catch2/catch.hpp>

#include "google/rpc/status.pb.h"
#include "harness.h"
#include "tempopb/tempo.pb.h"

using namespace tempo;
using namespace tempo::e2e;

TEST_CASE("trace-by-ID errors and not-found answers match Tempo") {
  TempoServer s;
  s.start();
  struct Case {
    std::string id;
    std::string message;
  };
  const std::string kTooBig = "trace IDs can't be larger than 128 bits";
  const std::vector<Case> cases = {
      {"12x4", "trace IDs can only contain hex characters: invalid character 'x' at position 3"},
      {"zz", "trace IDs can only contain hex characters: invalid character 'z' at position 1"},
      {"abc-", "trace IDs can only contain hex characters: invalid character '-' at position 4"},
      {"0123456789abcdef0123456789abcdefg",
       "trace IDs can only contain hex characters: invalid character 'g' at position 33"},
      {"0123456789abcdef0123456789abcdef01", kTooBig},
      {"10123456789abcdef0123456789abcdef", kTooBig},  // 33 digits: odd length, still too big
      {std::string(34, '0'), kTooBig},
  };
  for (const char* prefix : {"/api/traces/", "/api/v2/traces/"}) {
    for (const auto& c : cases) {
      INFO(prefix << c.id);
      auto res = s.get(prefix + c.id);
      CHECK(res.status == 400);
      std::string body = res.body;
      while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
      CHECK(body == c.message);
    }
  }
  auto range = s.get("/api/traces/abcd?start=20&end=10");
  CHECK(range.status == 400);
  CHECK(range.body.find("start must be before end") != std::string::npos);

  // Nothing stored yet, then something else stored: an unknown ID is still not found.
  std::string unknown = random_trace_hex();
  for (bool with_data : {false, true}) {
    INFO("with data " << with_data);
    if (with_data) {
      REQUIRE(s.export_grpc(make_request({random_trace_hex()}, 2)).ok());
      REQUIRE(s.post("/flush").status == 204);
      REQUIRE(s.export_grpc(make_request({random_trace_hex()}, 2)).ok());
    }
    CHECK(s.get("/api/traces/" + unknown).status == 404);
    auto v2 = s.get("/api/v2/traces/" + unknown);
    CHECK(v2.status == 200);
    CHECK(parse_v2_json(v2.body).resource_spans_size() == 0);
    auto v2p = s.get("/api/v2/traces/" + unknown, {{"Accept", "application/protobuf"}});
    CHECK(v2p.status == 200);
    tempopb::TraceByIDResponse r;
    CHECK(r.ParseFromString(v2p.body));
    CHECK(r.trace().resource_spans_size() == 0);
  }
}

TEST_CASE("OTLP HTTP rejects malformed bodies with 400 and a google.rpc.Status") {
  TempoServer s;
  s.start();
  auto garbage = s.export_http("\xff\xff\xff not protobuf", "application/x-protobuf");
  CHECK(garbage.status == 400);
  CHECK(garbage.header("Content-Type") == "application/x-protobuf");
  google::rpc::Status proto_status;
  CHECK(proto_status.ParseFromString(garbage.body));
  CHECK_FALSE(proto_status.message().empty());

  for (const char* bad_json : {"{\"resourceSpans\": [", "not json at all", "[1,2,3]"}) {
    INFO(bad_json);
    auto json = s.export_http(bad_json, "application/json");
    CHECK(json.status == 400);
    CHECK(json.header("Content-Type") == "application/json");
    google::rpc::Status json_status;
    INFO(json.body);
    CHECK(google::protobuf::util::JsonStringToMessage(json.body, &json_status).ok());
    CHECK_FALSE(json_status.message().empty());
  }

  // Says gzip, is not gzip.
  auto bad_gzip = s.export_http(make_request({random_trace_hex()}, 1).SerializeAsString(),
                                "application/x-protobuf", {{"Content-Encoding", "gzip"}});
  CHECK(bad_gzip.status == 400);

  auto text = s.export_http("x", "text/plain");
  CHECK(text.status == 415);

  server::HttpClient c("127.0.0.1", static_cast<uint16_t>(s.otlp_http_port()));
  server::ClientResponse res;
  REQUIRE(c.get("/v1/traces", &res).is_ok());
  CHECK(res.status == 405);
  CHECK(res.body.find("405 method not allowed, supported: [POST]") != std::string::npos);

  // None of that took the server down or stored anything.
  std::string id = random_trace_hex();
  auto req = make_request({id}, 2);
  REQUIRE(s.export_http(req.SerializeAsString(), "application/x-protobuf").status == 200);
  require_same_spans(req, id, parse_v1_json(s.get("/api/traces/" + id).body));
  CHECK(s.get("/metrics")
            .body.find("tempo_distributor_spans_received_total{tenant=\"single-tenant\"} 2\n") !=
        std::string::npos);
}

TEST_CASE("OTLP protobuf that protobuf would not parse is refused whole, the place named") {
  // The OTLP protobuf receivers split requests on the wire and store spans as they arrived,
  // so they must refuse what a reader's parse would refuse: here a span name that is not
  // UTF-8 (proto3 strings must be), beside a good trace that must not be stored either.
  TempoServer s;
  s.start();
  const std::string good = random_trace_hex();
  auto req = make_request({good, random_trace_hex()}, 2);
  req.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(3)->set_name("bad \xc3(");
  const std::string where =
      "resource_spans[0].scope_spans[0].spans[3]: Span field 5 (name): string is not valid UTF-8";

  auto st = s.export_grpc(req);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(st.error_message() == "request is not a valid ExportTraceServiceRequest: " + where);

  auto http = s.export_http(req.SerializeAsString(), "application/x-protobuf");
  CHECK(http.status == 400);
  google::rpc::Status http_status;
  REQUIRE(http_status.ParseFromString(http.body));
  CHECK(http_status.message() == "failed to unmarshal request body: invalid protobuf: " + where);

  CHECK(s.get("/api/traces/" + good).status == 404);
  CHECK(s.get("/metrics").body.find("tempo_distributor_spans_received_total{tenant=") ==
        std::string::npos);
}

TEST_CASE("OTLP JSON whose per-trace copies would blow up memory is refused whole") {
  // One 100 KB resource over 2000 single-span traces: ~0.2 MB of protobuf that would split
  // into ~200 MB of segments, each trace carrying its own copy of the resource.
  TempoServer s;
  s.start();
  std::vector<std::string> ids;
  for (int i = 0; i < 2000; ++i) ids.push_back(random_trace_hex());
  auto req = make_request(ids, 1);
  auto* rs = req.mutable_resource_spans(0);
  auto* blob = rs->mutable_resource()->add_attributes();
  blob->set_key("blob");
  blob->mutable_value()->set_string_value(std::string(100000, 'r'));
  auto r = s.export_http(otlp_json(req), "application/json");
  CHECK(r.status == 400);
  CHECK_THAT(r.body, Catch::Contains("more than 16 times its size"));
  CHECK(s.get("/api/traces/" + ids[0]).status == 404);
  // The same request over protobuf, split on the wire, is refused the same way.
  CHECK(s.export_http(req.SerializeAsString(), "application/x-protobuf").status == 400);
  CHECK(s.get("/api/traces/" + ids[1]).status == 404);
}

TEST_CASE("invalid spans: all bad is 400 / INVALID_ARGUMENT, some bad keeps the good ones") {
  TempoServer s;
  s.start();
  auto all_bad = make_request({"0000000000000000"
                               "1111111111111111"},
                              2);
  for (auto& sp : *all_bad.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans()) {
    sp.set_trace_id(sp.trace_id().substr(8));  // 64-bit trace id
  }
  auto st = s.export_grpc(all_bad);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(st.error_message() == "trace ids must be 128 bit, received 64 bits");

  auto http = s.export_http(all_bad.SerializeAsString(), "application/x-protobuf");
  CHECK(http.status == 400);
  google::rpc::Status http_status;
  CHECK(http_status.ParseFromString(http.body));
  CHECK(http_status.message().find("trace ids must be 128 bit") != std::string::npos);

  auto http_json = s.export_http(otlp_json(all_bad), "application/json");
  CHECK(http_json.status == 400);
  google::rpc::Status json_status;
  INFO(http_json.body);
  CHECK(google::protobuf::util::JsonStringToMessage(http_json.body, &json_status).ok());
  CHECK(json_status.message().find("trace ids must be 128 bit") != std::string::npos);

  // Two good spans plus one with an all-zero span ID, over gRPC, HTTP protobuf and HTTP JSON.
  for (int transport = 0; transport < 3; ++transport) {
    INFO("transport " << transport);
    std::string good = random_trace_hex();
    auto mixed = make_request({good}, 2);
    auto* extra = mixed.mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans();
    extra->set_trace_id(hex_to_bytes(good));
    extra->set_span_id(std::string(8, '\0'));
    extra->set_name("zero span id");
    ExportTraceServiceResponse resp;
    if (transport == 0) {
      REQUIRE(s.export_grpc(mixed, "", false, &resp).ok());
    } else if (transport == 1) {
      auto res = s.export_http(mixed.SerializeAsString(), "application/x-protobuf");
      REQUIRE(res.status == 200);
      REQUIRE(resp.ParseFromString(res.body));
    } else {
      auto res = s.export_http(otlp_json(mixed), "application/json");
      INFO(res.body);
      REQUIRE(res.status == 200);
      REQUIRE(google::protobuf::util::JsonStringToMessage(res.body, &resp).ok());
    }
    CHECK(resp.partial_success().rejected_spans() == 1);
    CHECK(resp.partial_success().error_message().find("span ids must be 64 bit") == 0);
    auto res = s.get("/api/traces/" + good);
    REQUIRE(res.status == 200);
    auto got = parse_v1_json(res.body);
    auto sent_good = make_request({good}, 2);
    require_same_spans(sent_good, good, got);
  }
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
                        "application/x-protobuf")
              .status == 200);
  REQUIRE(s.get("/api/traces/" + id).status == 200);
  auto m = s.get("/metrics");
  CHECK(m.status == 200);
  const std::string& body = m.body;
  CHECK(body.find("tempo_distributor_spans_received_total{tenant=\"single-tenant\"} 7") !=
        std::string::npos);
  CHECK(body.find("tempo_receiver_accepted_spans{receiver=\"otlp\",transport=\"grpc\"} 5") !=
        std::string::npos);
  CHECK(body.find("tempo_receiver_accepted_spans{receiver=\"otlp\",transport=\"http\"} 2") !=
        std::string::npos);
  CHECK(body.find("tempo_ingester_traces_created_total{tenant=\"single-tenant\"} 2") !=
        std::string::npos);
  CHECK(body.find("tempo_distributor_bytes_received_total{tenant=\"single-tenant\"}") !=
        std::string::npos);
  CHECK(body.find("tempo_query_frontend_queries_total{op=\"traces\",result=\"completed\",tenant="
                  "\"single-tenant\"} 1") != std::string::npos);
  CHECK(body.find("tempo_request_duration_seconds_bucket{method=\"GET\",route=\"api_traces_"
                  "traceid\",status_code=\"200\",ws=\"false\"") != std::string::npos);
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
