// Spans in over every OTLP transport, read back by ID in every format, span for span.

#include <google/protobuf/util/json_util.h>

#include <catch2/catch.hpp>

#include "harness.h"
#include "tempo/util/compression.h"
#include "tempopb/tempo.pb.h"

using namespace tempo;
using namespace tempo::e2e;

namespace {

// Reads `id` back as v1 JSON, v1 protobuf, v2 JSON and v2 protobuf and checks each against
// what was sent.
void read_back_all_ways(TempoServer& s, const ExportTraceServiceRequest& sent,
                        const std::string& id) {
  INFO("trace " << id);
  auto v1 = s.get("/api/traces/" + id);
  REQUIRE(v1.status == 200);
  CHECK(v1.header("Content-Type") == "application/json");
  require_same_spans(sent, id, parse_v1_json(v1.body));

  auto v1p = s.get("/api/traces/" + id, {{"Accept", "application/protobuf"}});
  REQUIRE(v1p.status == 200);
  CHECK(v1p.header("Content-Type") == "application/protobuf");
  tempopb::Trace t;
  REQUIRE(t.ParseFromString(v1p.body));
  TracesData td;
  REQUIRE(td.ParseFromString(v1p.body));  // tempopb.Trace is wire-identical to TracesData
  require_same_spans(sent, id, td);

  auto v2 = s.get("/api/v2/traces/" + id);
  REQUIRE(v2.status == 200);
  CHECK(v2.header("Content-Type") == "application/json");
  require_same_spans(sent, id, parse_v2_json(v2.body));

  auto v2p = s.get("/api/v2/traces/" + id, {{"Accept", "application/protobuf"}});
  REQUIRE(v2p.status == 200);
  tempopb::TraceByIDResponse r;
  REQUIRE(r.ParseFromString(v2p.body));
  TracesData td2;
  td2.mutable_resource_spans()->CopyFrom(r.trace().resource_spans());
  require_same_spans(sent, id, td2);
  CHECK(r.metrics().inspected_bytes() > 0);
  CHECK(r.status() == tempopb::COMPLETE);
}

// A success answer to POST /v1/traces: an ExportTraceServiceResponse in the request's
// encoding, with nothing rejected.
void require_export_ok(const server::ClientResponse& res, bool json) {
  INFO("status " << res.status << " body " << res.body);
  REQUIRE(res.status == 200);
  ExportTraceServiceResponse parsed;
  if (json) {
    CHECK(res.header("Content-Type") == "application/json");
    REQUIRE(google::protobuf::util::JsonStringToMessage(res.body, &parsed).ok());
  } else {
    CHECK(res.header("Content-Type") == "application/x-protobuf");
    REQUIRE(parsed.ParseFromString(res.body));
  }
  CHECK(parsed.partial_success().rejected_spans() == 0);
}

}  // namespace

TEST_CASE("OTLP gRPC, plain and gzip: every span reads back in every format") {
  TempoServer s;
  s.start();
  for (bool gzip : {false, true}) {
    INFO("gzip " << gzip);
    std::string id = random_trace_hex();
    auto req = make_request({id}, 5, gzip ? "grpc-gzip" : "grpc");
    ExportTraceServiceResponse resp;
    auto st = s.export_grpc(req, "", gzip, &resp);
    INFO(st.error_message());
    REQUIRE(st.ok());
    CHECK(resp.partial_success().rejected_spans() == 0);
    read_back_all_ways(s, req, id);
  }
}

TEST_CASE("OTLP HTTP protobuf and JSON, plain and gzip: every span reads back") {
  TempoServer s;
  s.start();
  struct Case {
    const char* name;
    bool json;
    bool gzip;
  };
  for (const Case& c : {Case{"http-proto", false, false}, Case{"http-proto-gzip", false, true},
                        Case{"http-json", true, false}, Case{"http-json-gzip", true, true}}) {
    INFO(c.name);
    std::string id = random_trace_hex();
    auto req = make_request({id}, 3, c.name);
    std::string body = c.json ? otlp_json(req) : req.SerializeAsString();
    server::HeaderList headers;
    if (c.gzip) {
      std::string gz;
      REQUIRE(gzip_compress(body, &gz).is_ok());
      body = gz;
      headers.emplace_back("Content-Encoding", "gzip");
    }
    auto res = s.export_http(body, c.json ? "application/json" : "application/x-protobuf", headers);
    require_export_ok(res, c.json);
    read_back_all_ways(s, req, id);
  }
}

TEST_CASE("a trace sent in three batches comes back merged, a resent span once") {
  TempoServer s;
  s.start();
  std::string id = random_trace_hex();
  // Three services, each with its own span IDs, over three transports.
  auto frontend = make_request({id}, 2, "frontend");
  auto backend = make_request({id}, 2, "backend");
  auto database = make_request({id}, 1, "database");
  auto shift_ids = [](ExportTraceServiceRequest& r, char by) {
    for (auto& sp : *r.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans())
      sp.mutable_span_id()->back() = static_cast<char>(sp.span_id().back() + by);
  };
  shift_ids(backend, 10);
  shift_ids(database, 20);
  REQUIRE(s.export_grpc(frontend).ok());
  REQUIRE(s.export_http(backend.SerializeAsString(), "application/x-protobuf").status == 200);
  REQUIRE(s.export_http(otlp_json(database), "application/json").status == 200);
  // A client retry: the second frontend span again, alone.
  ExportTraceServiceRequest dup = frontend;
  dup.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans()->DeleteSubrange(0, 1);
  REQUIRE(s.export_grpc(dup).ok());

  ExportTraceServiceRequest all = frontend;
  all.add_resource_spans()->CopyFrom(backend.resource_spans(0));
  all.add_resource_spans()->CopyFrom(database.resource_spans(0));
  for (const char* path : {"/api/traces/", "/api/v2/traces/"}) {
    INFO(path);
    auto res = s.get(path + id);
    REQUIRE(res.status == 200);
    auto got =
        path == std::string("/api/traces/") ? parse_v1_json(res.body) : parse_v2_json(res.body);
    require_same_spans(all, id, got);
    CHECK(spans_by_id(got).size() == 5);
    CHECK(got.resource_spans_size() == 3);  // frontend, backend and database
  }

  // Still merged once part of it is in a block and part in the live head block.
  REQUIRE(s.post("/flush").status == 204);
  auto late = make_request({id}, 1, "late");
  late.mutable_resource_spans(0)
      ->mutable_scope_spans(0)
      ->mutable_spans(0)
      ->mutable_span_id()
      ->back() = 99;
  REQUIRE(s.export_grpc(late).ok());
  REQUIRE(s.export_grpc(frontend).ok());  // a retry of spans that are already in a block
  all.add_resource_spans()->CopyFrom(late.resource_spans(0));
  auto after = parse_v1_json(s.get("/api/traces/" + id).body);
  require_same_spans(all, id, after);
  CHECK(spans_by_id(after).size() == 6);
}

TEST_CASE("short trace IDs are left-padded and start/end narrow the blocks read") {
  TempoServer s;
  s.start();
  std::string id = "00000000000000000000000000abcdef";
  auto req = make_request({id}, 2);
  REQUIRE(s.export_grpc(req).ok());
  // Live data first, then the same through a block.
  for (bool flushed : {false, true}) {
    INFO("flushed " << flushed);
    if (flushed) REQUIRE(s.post("/flush").status == 204);
    for (const char* short_id : {"abcdef", "0abcdef", "00000000000000000000000000abcdef"}) {
      INFO(short_id);
      auto res = s.get(std::string("/api/traces/") + short_id);
      REQUIRE(res.status == 200);
      require_same_spans(req, id, parse_v1_json(res.body));
    }
    auto upper = s.get("/api/v2/traces/ABCDEF");
    REQUIRE(upper.status == 200);
    require_same_spans(req, id, parse_v2_json(upper.body));
  }
  // The spans are from 2023-11-14; a window in 2001 skips the block.
  CHECK(s.get("/api/traces/abcdef?start=1000000000&end=1000000100").status == 404);
  auto in_window = s.get("/api/traces/abcdef?start=1699999990&end=1700000100");
  REQUIRE(in_window.status == 200);
  require_same_spans(req, id, parse_v1_json(in_window.body));
}
