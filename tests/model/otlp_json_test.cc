#include "tempo/model/otlp_json.h"

#include <catch2/catch.hpp>

#include "tempo/model/trace_id.h"

using namespace tempo;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::trace::v1::Span;

TEST_CASE("OTLP JSON decodes hex IDs, enums, 64-bit strings and every value type") {
  const char* body = R"({
    "resourceSpans": [{
      "resource": {
        "attributes": [{"key": "service.name", "value": {"stringValue": "shop"}}],
        "droppedAttributesCount": 2
      },
      "schemaUrl": "https://opentelemetry.io/schemas/1.4.0",
      "scopeSpans": [{
        "scope": {"name": "my.lib", "version": "1.2",
                  "attributes": [{"key": "scope.attr", "value": {"boolValue": true}}]},
        "schemaUrl": "scope-url",
        "spans": [{
          "traceId": "5B8EFFF798038103D269B633813FC60C",
          "spanId": "EEE19B7EC3C1B174",
          "parentSpanId": "eee19b7ec3c1b173",
          "traceState": "k=v",
          "name": "checkout",
          "kind": 2,
          "startTimeUnixNano": "1544712660000000000",
          "endTimeUnixNano": 1544712661000000000,
          "attributes": [
            {"key": "s", "value": {"stringValue": "v"}},
            {"key": "i", "value": {"intValue": "-42"}},
            {"key": "d", "value": {"doubleValue": 1.5}},
            {"key": "b", "value": {"boolValue": true}},
            {"key": "a", "value": {"arrayValue": {"values": [{"intValue": 1}, {"stringValue": "x"}]}}},
            {"key": "k", "value": {"kvlistValue": {"values": [{"key": "n", "value": {"boolValue": false}}]}}},
            {"key": "y", "value": {"bytesValue": "AQI="}},
            {"key": "big", "value": {"intValue": "9223372036854775807"}}
          ],
          "droppedAttributesCount": 1,
          "events": [{"timeUnixNano": "1544712660500000000", "name": "ev",
                      "attributes": [{"key": "e", "value": {"intValue": 3}}],
                      "droppedAttributesCount": 4}],
          "droppedEventsCount": 5,
          "links": [{"traceId": "00000000000000000000000000000001", "spanId": "0000000000000002",
                     "traceState": "l=1", "attributes": [{"key": "la", "value": {"stringValue": "lv"}}]}],
          "droppedLinksCount": 6,
          "status": {"code": "STATUS_CODE_ERROR", "message": "boom"},
          "flags": 257,
          "someFutureField": {"nested": [1, 2]}
        }, {
          "traceId": "5b8efff798038103d269b633813fc60c",
          "spanId": "0000000000000001",
          "name": "second",
          "kind": "SPAN_KIND_CLIENT",
          "status": {"code": 1}
        }]
      }]
    }]
  })";
  ExportTraceServiceRequest req;
  Status s = model::decode_otlp_json(body, &req);
  REQUIRE(s.is_ok());
  REQUIRE(req.resource_spans_size() == 1);
  const auto& rs = req.resource_spans(0);
  CHECK(rs.resource().attributes(0).key() == "service.name");
  CHECK(rs.resource().attributes(0).value().string_value() == "shop");
  CHECK(rs.resource().dropped_attributes_count() == 2);
  CHECK(rs.schema_url() == "https://opentelemetry.io/schemas/1.4.0");
  const auto& ss = rs.scope_spans(0);
  CHECK(ss.scope().name() == "my.lib");
  CHECK(ss.scope().version() == "1.2");
  CHECK(ss.scope().attributes(0).value().bool_value());
  CHECK(ss.schema_url() == "scope-url");
  REQUIRE(ss.spans_size() == 2);

  const Span& sp = ss.spans(0);
  TraceId id;
  REQUIRE(TraceId::from_bytes(sp.trace_id(), &id).is_ok());
  CHECK(sp.trace_id().size() == 16);
  CHECK(id.hex() == "5b8efff798038103d269b633813fc60c");
  CHECK(sp.span_id() == std::string("\xEE\xE1\x9B\x7E\xC3\xC1\xB1\x74", 8));
  CHECK(sp.parent_span_id() == std::string("\xEE\xE1\x9B\x7E\xC3\xC1\xB1\x73", 8));
  CHECK(sp.trace_state() == "k=v");
  CHECK(sp.name() == "checkout");
  CHECK(sp.kind() == Span::SPAN_KIND_SERVER);
  CHECK(sp.start_time_unix_nano() == 1544712660000000000ULL);
  CHECK(sp.end_time_unix_nano() == 1544712661000000000ULL);
  REQUIRE(sp.attributes_size() == 8);
  CHECK(sp.attributes(0).value().string_value() == "v");
  CHECK(sp.attributes(1).value().int_value() == -42);
  CHECK(sp.attributes(2).value().double_value() == 1.5);
  CHECK(sp.attributes(3).value().bool_value());
  const auto& arr = sp.attributes(4).value().array_value();
  REQUIRE(arr.values_size() == 2);
  CHECK(arr.values(0).int_value() == 1);
  CHECK(arr.values(1).string_value() == "x");
  const auto& kv = sp.attributes(5).value().kvlist_value();
  REQUIRE(kv.values_size() == 1);
  CHECK(kv.values(0).key() == "n");
  CHECK(kv.values(0).value().has_bool_value());
  CHECK_FALSE(kv.values(0).value().bool_value());
  CHECK(sp.attributes(6).value().bytes_value() == std::string("\x01\x02", 2));
  CHECK(sp.attributes(7).value().int_value() == INT64_MAX);
  CHECK(sp.dropped_attributes_count() == 1);
  REQUIRE(sp.events_size() == 1);
  CHECK(sp.events(0).name() == "ev");
  CHECK(sp.events(0).time_unix_nano() == 1544712660500000000ULL);
  CHECK(sp.events(0).attributes(0).value().int_value() == 3);
  CHECK(sp.events(0).dropped_attributes_count() == 4);
  CHECK(sp.dropped_events_count() == 5);
  REQUIRE(sp.links_size() == 1);
  CHECK(sp.links(0).trace_id() == std::string(15, '\0') + "\x01");
  CHECK(sp.links(0).span_id() == std::string("\0\0\0\0\0\0\0\x02", 8));
  CHECK(sp.links(0).trace_state() == "l=1");
  CHECK(sp.links(0).attributes(0).value().string_value() == "lv");
  CHECK(sp.dropped_links_count() == 6);
  CHECK(sp.status().code() == opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  CHECK(sp.status().message() == "boom");
  CHECK(sp.flags() == 257);

  const Span& second = ss.spans(1);
  CHECK(second.trace_id() == sp.trace_id());
  CHECK(second.kind() == Span::SPAN_KIND_CLIENT);
  CHECK(second.status().code() == opentelemetry::proto::trace::v1::Status::STATUS_CODE_OK);
  CHECK(second.parent_span_id().empty());
}

TEST_CASE("OTLP JSON accepts the proto field names too") {
  const char* body = R"({"resource_spans":[{"scope_spans":[{"spans":[{
      "trace_id":"0102030405060708090a0b0c0d0e0f10","span_id":"0102030405060708",
      "parent_span_id":"0807060504030201","start_time_unix_nano":"5",
      "links":[{"trace_id":"000000000000000000000000000000aa","span_id":"00000000000000bb"}]}]}]}]})";
  ExportTraceServiceRequest req;
  REQUIRE(model::decode_otlp_json(body, &req).is_ok());
  const Span& sp = req.resource_spans(0).scope_spans(0).spans(0);
  CHECK(sp.trace_id() == "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10");
  CHECK(sp.span_id() == "\x01\x02\x03\x04\x05\x06\x07\x08");
  CHECK(sp.parent_span_id() == "\x08\x07\x06\x05\x04\x03\x02\x01");
  CHECK(sp.start_time_unix_nano() == 5);
  CHECK(sp.links(0).trace_id().back() == '\xaa');
  CHECK(sp.links(0).span_id().back() == '\xbb');
}

TEST_CASE("OTLP JSON edge cases that are not errors") {
  ExportTraceServiceRequest req;
  REQUIRE(model::decode_otlp_json("{}", &req).is_ok());
  CHECK(req.resource_spans_size() == 0);
  REQUIRE(model::decode_otlp_json(R"({"resourceSpans":[]})", &req).is_ok());
  // Empty IDs stay empty; the distributor rejects them with Tempo's message.
  REQUIRE(model::decode_otlp_json(
              R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"","name":"n"}]}]}]})", &req)
              .is_ok());
  CHECK(req.resource_spans(0).scope_spans(0).spans(0).trace_id().empty());
  CHECK(req.resource_spans(0).scope_spans(0).spans(0).name() == "n");
}

TEST_CASE("OTLP JSON errors say what is wrong and where") {
  struct Case {
    std::string body;
    std::string expect;  // substring of the message
  };
  const std::vector<Case> cases = {
      {"{not json", "not valid JSON"},
      {"[1,2]", "must be a JSON object"},
      {R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]})",
       "resourceSpans[0].scopeSpans[0].spans[0].traceId \"zz\" is not valid hex"},
      {R"({"resourceSpans":[{"scopeSpans":[{"spans":[{},{"spanId":"abc"}]}]}]})",
       "resourceSpans[0].scopeSpans[0].spans[1].spanId \"abc\" is not valid hex: odd length"},
      {R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"parentSpanId":12}]}]}]})",
       "spans[0].parentSpanId must be a hex string"},
      {R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"links":[{"spanId":"xyxyxyxyxyxyxyxy"}]}]}]}]})",
       "spans[0].links[0].spanId"},
      {R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"name":5}]}]}]})", "invalid OTLP JSON"},
      {R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"soon"}]}]}]})",
       "invalid OTLP JSON"},
      {std::string(5000, '[') + std::string(5000, ']'), "nests deeper than 100 levels"},
  };
  for (const auto& c : cases) {
    INFO(c.body.substr(0, 120));
    ExportTraceServiceRequest req;
    Status s = model::decode_otlp_json(c.body, &req);
    CHECK(s.is(Status::Code::kInvalidArgument));
    CHECK_THAT(s.message(), Catch::Contains(c.expect));
  }
}
