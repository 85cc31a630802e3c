// Spans in over every OTLP transport, read back by ID in every format, span for span.

#include <catch2/catch.hpp>

#include <google/protobuf/util/json_util.h>

#include "harness.h"
#include "tempo/util/compression.h"
#include "tempopb/tempo.pb.h"

using namespace tempo;
using namespace tempo::e2e;

namespace {

// Reads `id` back in v1 JSON, v1 protobuf, v2 JSON and v2 protobuf and checks each.
void read_back_all_ways(TempoServer& s, const ExportTraceServiceRequest& sent,
                        const std::string& id) {
  auto v1 = s.get("/api/traces/" + id);
  REQUIRE(v1.status == 200);
  CHECK(v1.header("Content-Type") == "application/json");
  require_same_spans(sent, id, parse_v1_json(v1.body));

  auto v1p = s.get("/api/traces/" + id, {{"Accept", "application/protobuf"}});
  REQUIRE(v1p.status == 200);
  tempopb::Trace t;
  REQUIRE(t.ParseFromString(v1p.body));
  TracesData td;
  td.mutable_resource_spans()->CopyFrom(t.batches());
  require_same_spans(sent, id, td);

  auto v2 = s.get("/api/v2/traces/" + id);
  REQUIRE(v2.status == 200);
  require_same_spans(sent, id, parse_v2_json(v2.body));

  auto v2p = s.get("/api/v2/traces/" + id, {{"Accept", "application/protobuf"}});
  REQUIRE(v2p.status == 200);
  tempopb::TraceByIDResponse r;
  REQUIRE(r.ParseFromString(v2p.body));
  TracesData td2;
  td2.mutable_resource_spans()->CopyFrom(r.trace().resource_spans());
  require_same_spans(sent, id, td2);
  CHECK(r.metrics().inspected_bytes() > 0);
}

std::string otlp_json(const ExportTraceServiceRequest& req) {
  // OTLP/JSON carries IDs as hex; the proto3 mapping gives base64, so rewrite them.
  std::string json;
  google::protobuf::util::JsonPrintOptions o;
  REQUIRE(google::protobuf::util::MessageToJsonString(req, &json, o).ok());
  for (const auto& rs : req.resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& sp : ss.spans()) {
        for (const std::string* raw : {&sp.trace_id(), &sp.span_id(), &sp.parent_span_id()}) {
          if (raw->empty()) continue;
          opentelemetry::proto::trace::v1::Span tmp;
          tmp.set_trace_id(*raw);
          std::string b64json;
          REQUIRE(google::protobuf::util::MessageToJsonString(tmp, &b64json, o).ok());
          std::string b64 = b64json.substr(b64json.find(':') + 2);
          b64 = b64.substr(0, b64.find('"'));
          static const char* digits = "0123456789abcdef";
          std::string hex;
          for (unsigned char c : *raw) {
            hex += digits[c >> 4];
            hex += digits[c & 15];
          }
          for (size_t pos; (pos = json.find("\"" + b64 + "\"")) != std::string::npos;)
            json.replace(pos, b64.size() + 2, "\"" + hex + "\"");
        }
      }
  return json;
}

}  // namespace

TEST_CASE("OTLP gRPC, plain and gzip: every span reads back in every format") {
  TempoServer s;
  s.start();
  for (bool gzip : {false, true}) {
    std::string id = random_trace_hex();
    auto req = make_request({id}, 4, gzip ? "grpc-gzip" : "grpc");
    auto st = s.export_grpc(req, "", gzip);
    INFO(st.error_message());
    REQUIRE(st.ok());
    read_back_all_ways(s, req, id);
  }
}

TEST_CASE("OTLP HTTP protobuf (plain and gzip) and JSON: every span reads back") {
  TempoServer s;
  s.start();
  std::string a = random_trace_hex(), b = random_trace_hex(), c = random_trace_hex();
  auto ra = make_request({a}, 3, "http-proto");
  auto res = s.export_http(ra.SerializeAsString(), "application/x-protobuf");
  REQUIRE(res.status == 200);
  CHECK(res.header("Content-Type") == "application/x-protobuf");
  read_back_all_ways(s, ra, a);

  auto rb = make_request({b}, 2, "http-gzip");
  std::string gz;
  REQUIRE(gzip_compress(rb.SerializeAsString(), &gz).is_ok());
  res = s.export_http(gz, "application/x-protobuf", {{"Content-Encoding", "gzip"}});
  REQUIRE(res.status == 200);
  read_back_all_ways(s, rb, b);

  auto rc = make_request({c}, 3, "http-json");
  res = s.export_http(otlp_json(rc), "application/json");
  INFO(res.body);
  REQUIRE(res.status == 200);
  CHECK(res.header("Content-Type") == "application/json");
  read_back_all_ways(s, rc, c);
}

TEST_CASE("a trace sent in several batches comes back merged, duplicates once") {
  TempoServer s;
  s.start();
  std::string id = random_trace_hex();
  auto first = make_request({id}, 2, "frontend");
  auto second = make_request({id}, 2, "backend");
  // Give the second batch its own span IDs, then resend one span of the first batch.
  for (auto& sp : *second.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans()) {
    sp.mutable_span_id()->back() = static_cast<char>(sp.span_id().back() + 10);
  }
  REQUIRE(s.export_grpc(first).ok());
  REQUIRE(s.export_grpc(second).ok());
  ExportTraceServiceRequest dup = first;
  dup.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans()->DeleteSubrange(1, 1);
  REQUIRE(s.export_http(dup.SerializeAsString(), "application/x-protobuf").status == 200);

  ExportTraceServiceRequest all = first;
  all.add_resource_spans()->CopyFrom(second.resource_spans(0));
  auto v1 = s.get("/api/traces/" + id);
  REQUIRE(v1.status == 200);
  auto got = parse_v1_json(v1.body);
  require_same_spans(all, id, got);
  CHECK(spans_by_id(got).size() == 4);
  CHECK(got.resource_spans_size() == 2);  // frontend and backend

  // Still merged once part of it is in a block and part in the WAL.
  REQUIRE(s.get("/flush").status == 204);
  auto extra = make_request({id}, 1, "late");
  extra.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->mutable_span_id()->back() = 99;
  REQUIRE(s.export_grpc(extra).ok());
  REQUIRE(s.export_grpc(first).ok());  // a client retry of already-flushed spans
  all.add_resource_spans()->CopyFrom(extra.resource_spans(0));
  auto after = parse_v1_json(s.get("/api/traces/" + id).body);
  require_same_spans(all, id, after);
  CHECK(spans_by_id(after).size() == 5);
}

TEST_CASE("short trace IDs are left-padded and start/end narrow the blocks read") {
  TempoServer s;
  s.start();
  std::string id = "00000000000000000000000000abcdef";
  auto req = make_request({id}, 2);
  REQUIRE(s.export_grpc(req).ok());
  REQUIRE(s.get("/flush").status == 204);
  auto res = s.get("/api/traces/abcdef");
  REQUIRE(res.status == 200);
  require_same_spans(req, id, parse_v1_json(res.body));
  // The spans are from 2023-11-14; a window in 2001 skips the block.
  CHECK(s.get("/api/traces/abcdef?start=1000000000&end=1000000100").status == 404);
  CHECK(s.get("/api/traces/abcdef?start=1699999990&end=1700000100").status == 200);
}
