// Zipkin v2 (JSON and protobuf) to OTLP: every mapped field, grouping by service, and the
// errors a bad body gets.

#include <catch2/catch.hpp>

#include "model/testing.h"

#include "tempo/model/zipkin.h"
#include "zipkin/proto3/zipkin.pb.h"

namespace {

using tempo::model_testing::find_attr;
using tempo::model_testing::hex;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
namespace v1 = opentelemetry::proto::trace::v1;
namespace common = opentelemetry::proto::common::v1;

std::string service_of(const opentelemetry::proto::trace::v1::ResourceSpans& rs) {
  const auto* v = find_attr(rs.resource().attributes(), "service.name");
  return v ? v->string_value() : "";
}

}  // namespace

TEST_CASE("zipkin JSON: every mapped field of a span") {
  const std::string body = R"([{
    "traceId": "463ac35c9f6413ad48485a3953bb6124", "id": "a2fb4a1d1a96d312",
    "parentId": "0020000000000001", "name": "get /api", "kind": "SERVER",
    "timestamp": 1700000000000123, "duration": 250,
    "localEndpoint": {"serviceName": "frontend", "ipv4": "10.0.0.7", "port": 8080},
    "remoteEndpoint": {"serviceName": "lb", "ipv6": "2001:db8::1", "port": 443},
    "tags": {"http.method": "GET", "otel.status_code": "ERROR", "otel.status_description": "bad gateway",
             "otel.scope.name": "my-lib", "otel.scope.version": "1.0", "w3c.tracestate": "k=v"},
    "annotations": [{"timestamp": 1700000000000200, "value": "wire send"}],
    "debug": true, "shared": false
  }])";
  ExportTraceServiceRequest out;
  REQUIRE(tempo::model::zipkin_json_to_otlp(body, &out).is_ok());
  REQUIRE(out.resource_spans_size() == 1);
  const auto& rs = out.resource_spans(0);
  CHECK(service_of(rs) == "frontend");
  REQUIRE(rs.scope_spans_size() == 1);
  CHECK(rs.scope_spans(0).scope().name() == "my-lib");
  CHECK(rs.scope_spans(0).scope().version() == "1.0");
  REQUIRE(rs.scope_spans(0).spans_size() == 1);
  const v1::Span& s = rs.scope_spans(0).spans(0);
  CHECK(hex(s.trace_id()) == "463ac35c9f6413ad48485a3953bb6124");
  CHECK(hex(s.span_id()) == "a2fb4a1d1a96d312");
  CHECK(hex(s.parent_span_id()) == "0020000000000001");
  CHECK(s.name() == "get /api");
  CHECK(s.kind() == v1::Span::SPAN_KIND_SERVER);
  CHECK(s.start_time_unix_nano() == 1700000000000123000ull);
  CHECK(s.end_time_unix_nano() == 1700000000000373000ull);
  CHECK(s.trace_state() == "k=v");
  CHECK(s.status().code() == v1::Status::STATUS_CODE_ERROR);
  CHECK(s.status().message() == "bad gateway");
  REQUIRE(find_attr(s.attributes(), "http.method"));
  CHECK(find_attr(s.attributes(), "http.method")->string_value() == "GET");
  CHECK(find_attr(s.attributes(), "net.host.ip")->string_value() == "10.0.0.7");
  CHECK(find_attr(s.attributes(), "net.host.port")->int_value() == 8080);
  CHECK(find_attr(s.attributes(), "peer.service")->string_value() == "lb");
  CHECK(find_attr(s.attributes(), "net.peer.ip")->string_value() == "2001:db8::1");
  CHECK(find_attr(s.attributes(), "net.peer.port")->int_value() == 443);
  for (const char* consumed : {"otel.status_code", "otel.status_description", "otel.scope.name",
                               "otel.scope.version", "w3c.tracestate"}) {
    INFO(consumed);
    CHECK(find_attr(s.attributes(), consumed) == nullptr);
  }
  REQUIRE(s.events_size() == 1);
  CHECK(s.events(0).name() == "wire send");
  CHECK(s.events(0).time_unix_nano() == 1700000000000200000ull);
}

TEST_CASE("zipkin JSON: 64-bit IDs, kinds, error tag, services grouped") {
  const std::string body = R"([
    {"traceId": "48485a3953bb6124", "id": "1", "name": "a", "kind": "CLIENT",
     "localEndpoint": {"serviceName": "svc-a"}, "tags": {"error": "timeout"}},
    {"traceId": "48485a3953bb6124", "id": "2", "parentId": "0000000000000000", "kind": "PRODUCER",
     "localEndpoint": {"serviceName": "svc-b"}, "tags": {"error": "true"}},
    {"traceId": "48485a3953bb6124", "id": "3", "kind": "CONSUMER",
     "localEndpoint": {"serviceName": "svc-a"}},
    {"traceId": "48485a3953bb6124", "id": "4"}
  ])";
  ExportTraceServiceRequest out;
  REQUIRE(tempo::model::zipkin_json_to_otlp(body, &out).is_ok());
  REQUIRE(out.resource_spans_size() == 3);
  CHECK(service_of(out.resource_spans(0)) == "svc-a");
  CHECK(service_of(out.resource_spans(1)) == "svc-b");
  CHECK(service_of(out.resource_spans(2)) == "unknown_service");
  const auto& a = out.resource_spans(0).scope_spans(0);
  REQUIRE(a.spans_size() == 2);
  CHECK(hex(a.spans(0).trace_id()) == "000000000000000048485a3953bb6124");
  CHECK(hex(a.spans(0).span_id()) == "0000000000000001");
  CHECK(a.spans(0).kind() == v1::Span::SPAN_KIND_CLIENT);
  CHECK(a.spans(0).status().code() == v1::Status::STATUS_CODE_ERROR);
  CHECK(a.spans(0).status().message() == "timeout");
  CHECK(a.spans(1).kind() == v1::Span::SPAN_KIND_CONSUMER);
  CHECK(a.spans(1).status().code() == v1::Status::STATUS_CODE_UNSET);
  const auto& b = out.resource_spans(1).scope_spans(0).spans(0);
  CHECK(b.kind() == v1::Span::SPAN_KIND_PRODUCER);
  CHECK(b.parent_span_id().empty());  // an all-zero parent means a root span
  CHECK(b.status().code() == v1::Status::STATUS_CODE_ERROR);
  CHECK(b.status().message().empty());
  CHECK(out.resource_spans(2).scope_spans(0).spans(0).kind() == v1::Span::SPAN_KIND_UNSPECIFIED);
}

TEST_CASE("zipkin JSON: bad bodies are rejected whole, naming span and field") {
  struct Case {
    const char* body;
    const char* message;
  };
  const Case cases[] = {
      {"{", "body is not valid JSON"},
      {R"({"traceId": "1"})", "body must be a JSON array"},
      {R"([{"id": "1"}])", "zipkin span 0: traceId is required"},
      {R"([{"traceId": "1", "id": "2"}, {"traceId": "zz", "id": "2"}])",
       "zipkin span 1: traceId \"zz\" is not valid hex"},
      {R"([{"traceId": "123456789012345678901234567890123", "id": "2"}])",
       "zipkin span 0: traceId must be 1 to 16 bytes, got 17"},
      {R"([{"traceId": "0000", "id": "2"}])", "zipkin span 0: traceId must not be all zeros"},
      {R"([{"traceId": "1", "id": "0"}])", "zipkin span 0: id must not be all zeros"},
      {R"([{"traceId": "1", "id": "2", "timestamp": "soon"}])",
       "zipkin span 0: timestamp must be a number of microseconds"},
      {R"([{"traceId": "1", "id": "2", "tags": {"n": 5}}])", "zipkin span 0: tag \"n\" must be a string"},
      {R"([{"traceId": "1", "id": "2", "annotations": {}}])",
       "zipkin span 0: annotations must be an array"},
  };
  for (const auto& c : cases) {
    INFO(c.body);
    ExportTraceServiceRequest out;
    auto s = tempo::model::zipkin_json_to_otlp(c.body, &out);
    CHECK(s.is(tempo::Status::Code::kInvalidArgument));
    CHECK_THAT(s.message(), Catch::Contains(c.message));
    CHECK(out.resource_spans_size() == 0);
  }
}

TEST_CASE("zipkin protobuf: ListOfSpans maps like JSON") {
  zipkin::proto3::ListOfSpans list;
  auto* s = list.add_spans();
  s->set_trace_id(std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  s->set_id(std::string("\x00\x00\x00\x00\x00\x00\x00\x09", 8));
  s->set_parent_id(std::string("\x00\x00\x00\x00\x00\x00\x00\x01", 8));
  s->set_kind(zipkin::proto3::Span::CONSUMER);
  s->set_name("consume");
  s->set_timestamp(5);
  s->set_duration(7);
  s->mutable_local_endpoint()->set_service_name("worker");
  s->mutable_local_endpoint()->set_ipv4(std::string("\x7f\x00\x00\x01", 4));
  s->mutable_remote_endpoint()->set_service_name("kafka");
  (*s->mutable_tags())["topic"] = "orders";
  auto* a = s->add_annotations();
  a->set_timestamp(6);
  a->set_value("polled");

  ExportTraceServiceRequest out;
  REQUIRE(tempo::model::zipkin_proto_to_otlp(list.SerializeAsString(), &out).is_ok());
  REQUIRE(out.resource_spans_size() == 1);
  CHECK(service_of(out.resource_spans(0)) == "worker");
  const auto& span = out.resource_spans(0).scope_spans(0).spans(0);
  CHECK(hex(span.trace_id()) == "00000000000000000102030405060708");
  CHECK(hex(span.span_id()) == "0000000000000009");
  CHECK(hex(span.parent_span_id()) == "0000000000000001");
  CHECK(span.kind() == v1::Span::SPAN_KIND_CONSUMER);
  CHECK(span.start_time_unix_nano() == 5000);
  CHECK(span.end_time_unix_nano() == 12000);
  CHECK(find_attr(span.attributes(), "topic")->string_value() == "orders");
  CHECK(find_attr(span.attributes(), "net.host.ip")->string_value() == "127.0.0.1");
  CHECK(find_attr(span.attributes(), "peer.service")->string_value() == "kafka");
  REQUIRE(span.events_size() == 1);
  CHECK(span.events(0).name() == "polled");

  ExportTraceServiceRequest bad;
  auto st = tempo::model::zipkin_proto_to_otlp("\xff\xff\xff", &bad);
  CHECK(st.is(tempo::Status::Code::kInvalidArgument));
  s->set_id(std::string(9, '\x01'));
  st = tempo::model::zipkin_proto_to_otlp(list.SerializeAsString(), &bad);
  CHECK_THAT(st.message(), Catch::Contains("zipkin span 0: id must be 1 to 8 bytes, got 9"));
}

// Microsecond times past year 2262 do not fit OTLP's nanoseconds; they once wrapped (a start
// of 2^64-1 us stored as some 1970s time, its end before it). Each is refused naming the
// field, in JSON and protobuf.
TEST_CASE("zipkin: timestamps and durations past year 2262 are refused, naming the field") {
  const std::string span = R"("traceId": "463ac35c9f6413ad48485a3953bb6124", "id": "a2fb4a1d1a96d312")";
  struct Case {
    std::string fields, error;
  };
  const Case cases[] = {
      {R"("timestamp": 18446744073709551615, "duration": 1)",
       "zipkin span 0: timestamp 18446744073709551615 is out of range"},
      {R"("timestamp": 9223372036854776, "duration": 1)",
       "zipkin span 0: timestamp 9223372036854776 is out of range"},
      {R"("timestamp": 1e30, "duration": 1)", "zipkin span 0: timestamp"},
      {R"("timestamp": 1700000000000000, "duration": 18446744073709551615)",
       "zipkin span 0: duration 18446744073709551615 is out of range"},
      {R"("timestamp": 1700000000000000, "annotations": [{"timestamp": 18446744073709551615, "value": "x"}])",
       "zipkin span 0: annotations.timestamp 18446744073709551615 is out of range"},
  };
  for (const auto& c : cases) {
    INFO(c.fields);
    ExportTraceServiceRequest out;
    auto s = tempo::model::zipkin_json_to_otlp("[{" + span + ", " + c.fields + "}]", &out);
    CHECK(s.is(tempo::Status::Code::kInvalidArgument));
    CHECK_THAT(s.message(), Catch::StartsWith(c.error));
    CHECK(out.resource_spans_size() == 0);
  }
  // The largest representable time is fine.
  ExportTraceServiceRequest ok;
  REQUIRE(tempo::model::zipkin_json_to_otlp(
              "[{" + span + R"(, "timestamp": 9223372036854774, "duration": 1}])", &ok)
              .is_ok());
  CHECK(ok.resource_spans(0).scope_spans(0).spans(0).end_time_unix_nano() ==
        9223372036854775000ull);

  zipkin::proto3::ListOfSpans list;
  auto* p = list.add_spans();
  p->set_trace_id(std::string(15, '\0') + "\x01");
  p->set_id(std::string(7, '\0') + "\x02");
  p->set_timestamp(UINT64_MAX);
  p->set_duration(1);
  ExportTraceServiceRequest out;
  auto s = tempo::model::zipkin_proto_to_otlp(list.SerializeAsString(), &out);
  CHECK_THAT(s.message(), Catch::StartsWith("zipkin span 0: timestamp 18446744073709551615 is out of range"));
}
