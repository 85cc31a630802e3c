#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tempo/model/otlp_json.h"
#include "tempo/model/trace_combine.h"
#include "tempo/model/trace_encoding.h"
#include "tempo/model/trace_id.h"
#include "tempo/model/trace_split.h"
#include "tempopb/tempo.pb.h"

using namespace tempo;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::trace::v1::Span;
using opentelemetry::proto::trace::v1::TracesData;

namespace {

std::string bytes_of(std::initializer_list<int> v, size_t pad_to) {
  std::string s(pad_to - v.size(), '\0');
  for (int b : v) s.push_back(static_cast<char>(b));
  return s;
}

Span* add_span(ExportTraceServiceRequest& req, int resource, const std::string& tid, int sid,
               const std::string& name) {
  while (req.resource_spans_size() <= resource) {
    auto* rs = req.add_resource_spans();
    auto* a = rs->mutable_resource()->add_attributes();
    a->set_key("service.name");
    a->mutable_value()->set_string_value("svc" + std::to_string(req.resource_spans_size()));
    rs->add_scope_spans()->mutable_scope()->set_name("lib");
  }
  auto* sp = req.mutable_resource_spans(resource)->mutable_scope_spans(0)->add_spans();
  sp->set_trace_id(tid);
  sp->set_span_id(bytes_of({sid}, 8));
  sp->set_name(name);
  sp->set_start_time_unix_nano(1000 + sid);
  sp->set_end_time_unix_nano(2000 + sid);
  return sp;
}

}  // namespace

TEST_CASE("trace ID parsing follows Tempo's rules") {
  struct Case {
    std::string in;
    std::string hex;    // expected when ok
    std::string error;  // expected substring otherwise
  };
  const std::vector<Case> cases = {
      {"0123456789abcdef0123456789ABCDEF", "0123456789abcdef0123456789abcdef", ""},
      {"abcdef", "00000000000000000000000000abcdef", ""},
      {"abc", "00000000000000000000000000000abc", ""},
      {"1", "00000000000000000000000000000001", ""},
      {"0123456789abcdef0123456789abcdef0", "", "trace IDs can't be larger than 128 bits"},
      {"12x4", "", "invalid character 'x' at position 3"},
      {"", "", "empty"},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    TraceId id;
    Status s = TraceId::parse_hex(c.in, &id);
    if (c.error.empty()) {
      REQUIRE(s.is_ok());
      CHECK(id.hex() == c.hex);
    } else {
      CHECK(s.is(Status::Code::kInvalidArgument));
      CHECK(s.message().find(c.error) != std::string::npos);
    }
  }
}

TEST_CASE("split groups spans per trace and the segments concatenate into one trace") {
  ExportTraceServiceRequest req;
  std::string t1 = bytes_of({1}, 16), t2 = bytes_of({2}, 16);
  add_span(req, 0, t1, 1, "a");
  add_span(req, 0, t2, 2, "b");
  add_span(req, 1, t1, 3, "c");
  model::SplitResult r;
  model::split_by_trace(req, &r);
  CHECK(r.spans_accepted == 3);
  CHECK(r.spans_rejected == 0);
  REQUIRE(r.segments.size() == 2);
  CHECK(r.segments[0].id.hex().substr(30) == "01");
  CHECK(r.segments[0].spans == 2);
  CHECK(r.segments[0].start_unix_nano == 1001);
  CHECK(r.segments[0].end_unix_nano == 2003);

  TracesData td;
  REQUIRE(td.ParseFromString(r.segments[0].bytes));
  REQUIRE(td.resource_spans_size() == 2);  // one per source resource
  CHECK(td.resource_spans(0).resource().attributes(0).value().string_value() == "svc1");
  CHECK(td.resource_spans(0).scope_spans(0).scope().name() == "lib");
  CHECK(td.resource_spans(0).scope_spans(0).spans(0).name() == "a");
  CHECK(td.resource_spans(1).scope_spans(0).spans(0).name() == "c");

  // Concatenated bytes parse as one TracesData holding both pieces.
  TracesData both;
  REQUIRE(both.ParseFromString(r.segments[0].bytes + r.segments[1].bytes));
  CHECK(model::span_count(both) == 3);
}

TEST_CASE("split rejects bad IDs span by span and keeps the rest") {
  ExportTraceServiceRequest req;
  add_span(req, 0, bytes_of({1}, 8), 1, "short-trace-id");
  add_span(req, 0, bytes_of({1}, 16), 2, "good");
  add_span(req, 0, std::string(16, '\0'), 3, "zero-trace-id");
  auto* bad = add_span(req, 0, bytes_of({1}, 16), 4, "zero-span-id");
  bad->set_span_id(std::string(8, '\0'));
  model::SplitResult r;
  model::split_by_trace(req, &r);
  CHECK(r.spans_accepted == 1);
  CHECK(r.spans_rejected == 3);
  CHECK(r.first_error == "trace ids must be 128 bit, received 64 bits");
  REQUIRE(r.segments.size() == 1);
  TracesData td;
  REQUIRE(td.ParseFromString(r.segments[0].bytes));
  CHECK(td.resource_spans(0).scope_spans(0).spans(0).name() == "good");
}

TEST_CASE("combine merges equal resources and scopes and drops duplicate span IDs") {
  ExportTraceServiceRequest a, b;
  std::string t = bytes_of({7}, 16);
  add_span(a, 0, t, 1, "one");
  add_span(a, 1, t, 2, "two");
  add_span(b, 0, t, 1, "one");    // duplicate of a's first span
  add_span(b, 0, t, 3, "three");  // same resource as a's first
  model::SplitResult ra, rb;
  model::split_by_trace(a, &ra);
  model::split_by_trace(b, &rb);
  TracesData out;
  REQUIRE(model::combine_segments({ra.segments[0].bytes + rb.segments[0].bytes}, &out).is_ok());
  CHECK(model::span_count(out) == 3);
  REQUIRE(out.resource_spans_size() == 2);
  const auto& first = out.resource_spans(0).scope_spans(0);
  REQUIRE(first.spans_size() == 2);
  CHECK(first.spans(0).name() == "one");
  CHECK(first.spans(1).name() == "three");
  CHECK(model::combine_segments({"\xff\xff garbage"}, &out).is(Status::Code::kCorruption));
}

TEST_CASE("v1 and v2 JSON match Tempo's encoding") {
  ExportTraceServiceRequest req;
  auto* sp = add_span(req, 0, bytes_of({0xab}, 16), 1, "GET /x");
  sp->set_kind(Span::SPAN_KIND_SERVER);
  sp->set_start_time_unix_nano(1700000000000000001ULL);
  sp->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  auto* attr = sp->add_attributes();
  attr->set_key("http.status_code");
  attr->mutable_value()->set_int_value(500);
  model::SplitResult r;
  model::split_by_trace(req, &r);
  TracesData td;
  REQUIRE(model::combine_segments({r.segments[0].bytes}, &td).is_ok());

  auto v1 = nlohmann::json::parse(model::to_v1_json(td));
  const auto& span = v1["batches"][0]["scopeSpans"][0]["spans"][0];
  CHECK(span["traceId"] == "AAAAAAAAAAAAAAAAAAAAqw==");
  CHECK(span["spanId"] == "AAAAAAAAAAE=");
  CHECK(span["kind"] == "SPAN_KIND_SERVER");
  CHECK(span["startTimeUnixNano"] == "1700000000000000001");
  CHECK(span["status"]["code"] == "STATUS_CODE_ERROR");
  CHECK(span["attributes"][0]["value"]["intValue"] == "500");
  CHECK_FALSE(span.contains("parentSpanId"));   // zero values omitted
  CHECK_FALSE(span.contains("droppedAttributesCount"));
  CHECK(v1["batches"][0]["resource"]["attributes"][0]["value"]["stringValue"] == "svc1");

  auto v2 = nlohmann::json::parse(model::to_v2_json(&td, 1234));
  CHECK(v2["trace"]["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["name"] == "GET /x");
  CHECK(v2["metrics"]["inspectedBytes"] == "1234");
  auto empty = nlohmann::json::parse(model::to_v2_json(nullptr, 0));
  CHECK(empty["trace"].empty());

  tempopb::Trace t1;
  REQUIRE(t1.ParseFromString(model::to_v1_proto(td)));
  CHECK(t1.batches(0).scope_spans(0).spans(0).name() == "GET /x");
  tempopb::TraceByIDResponse t2;
  REQUIRE(t2.ParseFromString(model::to_v2_proto(&td, 99)));
  CHECK(t2.trace().resource_spans(0).scope_spans(0).spans(0).kind() == Span::SPAN_KIND_SERVER);
  CHECK(t2.metrics().inspected_bytes() == 99);
}

TEST_CASE("OTLP JSON decodes hex IDs, enums, 64-bit strings and every value type") {
  const char* body = R"({
    "resourceSpans": [{
      "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "shop"}}]},
      "scopeSpans": [{
        "scope": {"name": "my.lib", "version": "1.2"},
        "spans": [{
          "traceId": "5B8EFFF798038103D269B633813FC60C",
          "spanId": "EEE19B7EC3C1B174",
          "parentSpanId": "EEE19B7EC3C1B173",
          "name": "checkout",
          "kind": 2,
          "startTimeUnixNano": "1544712660000000000",
          "endTimeUnixNano": 1544712661000000000,
          "attributes": [
            {"key": "s", "value": {"stringValue": "v"}},
            {"key": "i", "value": {"intValue": "42"}},
            {"key": "d", "value": {"doubleValue": 1.5}},
            {"key": "b", "value": {"boolValue": true}},
            {"key": "a", "value": {"arrayValue": {"values": [{"intValue": 1}, {"stringValue": "x"}]}}},
            {"key": "k", "value": {"kvlistValue": {"values": [{"key": "n", "value": {"boolValue": false}}]}}},
            {"key": "y", "value": {"bytesValue": "AQI="}}
          ],
          "events": [{"timeUnixNano": "1544712660500000000", "name": "ev", "attributes": []}],
          "links": [{"traceId": "00000000000000000000000000000001", "spanId": "0000000000000002"}],
          "status": {"code": "STATUS_CODE_ERROR", "message": "boom"},
          "someFutureField": 1
        }]
      }]
    }]
  })";
  ExportTraceServiceRequest req;
  Status s = model::decode_otlp_json(body, &req);
  REQUIRE(s.is_ok());
  const auto& sp = req.resource_spans(0).scope_spans(0).spans(0);
  TraceId id;
  REQUIRE(TraceId::from_bytes(sp.trace_id(), &id).is_ok());
  CHECK(id.hex() == "5b8efff798038103d269b633813fc60c");
  CHECK(sp.span_id() == std::string("\xEE\xE1\x9B\x7E\xC3\xC1\xB1\x74", 8));
  CHECK(sp.parent_span_id().size() == 8);
  CHECK(sp.kind() == Span::SPAN_KIND_SERVER);
  CHECK(sp.start_time_unix_nano() == 1544712660000000000ULL);
  CHECK(sp.end_time_unix_nano() == 1544712661000000000ULL);
  REQUIRE(sp.attributes_size() == 7);
  CHECK(sp.attributes(1).value().int_value() == 42);
  CHECK(sp.attributes(2).value().double_value() == 1.5);
  CHECK(sp.attributes(3).value().bool_value());
  CHECK(sp.attributes(4).value().array_value().values(1).string_value() == "x");
  CHECK(sp.attributes(5).value().kvlist_value().values(0).key() == "n");
  CHECK(sp.attributes(6).value().bytes_value() == std::string("\x01\x02", 2));
  CHECK(sp.events(0).name() == "ev");
  CHECK(sp.links(0).span_id() == std::string("\0\0\0\0\0\0\0\x02", 8));
  CHECK(sp.status().message() == "boom");
  CHECK(req.resource_spans(0).scope_spans(0).scope().version() == "1.2");

  ExportTraceServiceRequest bad;
  CHECK(model::decode_otlp_json("{not json", &bad).is(Status::Code::kInvalidArgument));
  Status hex = model::decode_otlp_json(
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]})", &bad);
  CHECK(hex.is(Status::Code::kInvalidArgument));
  CHECK(hex.message().find("resourceSpans[0].scopeSpans[0].spans[0].traceId") != std::string::npos);
}
