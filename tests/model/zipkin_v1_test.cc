// Zipkin v1 JSON to OTLP: kind, endpoints and times from core and address annotations.

#include <catch2/catch.hpp>

#include "model/testing.h"
#include "tempo/model/zipkin.h"

namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using tempo::model_testing::find_attr;
using tempo::model_testing::hex;
namespace v1 = opentelemetry::proto::trace::v1;

std::string service_of(const v1::ResourceSpans& rs) {
  return find_attr(rs.resource().attributes(), "service.name")->string_value();
}

}  // namespace

TEST_CASE("zipkin v1: client, server and local spans") {
  const std::string body = R"([
    {"traceId": "48485a3953bb6124", "id": "0000000000000001", "name": "get",
     "annotations": [
       {"timestamp": 1000, "value": "cs", "endpoint": {"serviceName": "frontend", "ipv4": "10.0.0.1"}},
       {"timestamp": 1200, "value": "retry", "endpoint": {"serviceName": "frontend"}},
       {"timestamp": 1900, "value": "cr", "endpoint": {"serviceName": "frontend"}}],
     "binaryAnnotations": [
       {"key": "sa", "value": true, "endpoint": {"serviceName": "backend", "ipv4": "10.0.0.2", "port": 9000}},
       {"key": "http.path", "value": "/api"},
       {"key": "http.status_code", "value": 200},
       {"key": "cached", "value": false},
       {"key": "error", "value": "timeout"}]},
    {"traceId": "48485a3953bb6124", "id": "0000000000000002", "parentId": "0000000000000001", "name": "get",
     "timestamp": 1100, "duration": 500,
     "annotations": [
       {"timestamp": 1100, "value": "sr", "endpoint": {"serviceName": "backend"}},
       {"timestamp": 1600, "value": "ss", "endpoint": {"serviceName": "backend"}}],
     "binaryAnnotations": [{"key": "ca", "value": true, "endpoint": {"serviceName": "frontend", "port": 51000}}]},
    {"traceId": "48485a3953bb6124", "id": "0000000000000003", "parentId": "0000000000000002",
     "name": "compute", "timestamp": 1200, "duration": 100,
     "binaryAnnotations": [{"key": "lc", "value": "math", "endpoint": {"serviceName": "backend"}}]}
  ])";
  ExportTraceServiceRequest out;
  auto s = tempo::model::zipkin_v1_json_to_otlp(body, &out);
  REQUIRE(s.is_ok());
  REQUIRE(out.resource_spans_size() == 2);
  CHECK(service_of(out.resource_spans(0)) == "frontend");
  CHECK(service_of(out.resource_spans(1)) == "backend");

  const v1::Span& client = out.resource_spans(0).scope_spans(0).spans(0);
  CHECK(hex(client.trace_id()) == "000000000000000048485a3953bb6124");
  CHECK(client.kind() == v1::Span::SPAN_KIND_CLIENT);
  CHECK(client.start_time_unix_nano() == 1000000);
  CHECK(client.end_time_unix_nano() == 1900000);  // cr - cs
  CHECK(find_attr(client.attributes(), "net.host.ip")->string_value() == "10.0.0.1");
  CHECK(find_attr(client.attributes(), "peer.service")->string_value() == "backend");
  CHECK(find_attr(client.attributes(), "net.peer.port")->int_value() == 9000);
  CHECK(find_attr(client.attributes(), "http.path")->string_value() == "/api");
  CHECK(find_attr(client.attributes(), "http.status_code")->int_value() == 200);
  CHECK(find_attr(client.attributes(), "cached")->has_bool_value());
  CHECK(find_attr(client.attributes(), "sa") == nullptr);
  CHECK(client.status().code() == v1::Status::STATUS_CODE_ERROR);
  CHECK(client.status().message() == "timeout");
  REQUIRE(client.events_size() == 1);
  CHECK(client.events(0).name() == "retry");

  const auto& backend = out.resource_spans(1).scope_spans(0);
  REQUIRE(backend.spans_size() == 2);
  const v1::Span& server = backend.spans(0);
  CHECK(server.kind() == v1::Span::SPAN_KIND_SERVER);
  CHECK(hex(server.parent_span_id()) == "0000000000000001");
  CHECK(server.start_time_unix_nano() == 1100000);
  CHECK(server.end_time_unix_nano() == 1600000);
  CHECK(find_attr(server.attributes(), "peer.service")->string_value() == "frontend");
  CHECK(find_attr(server.attributes(), "net.peer.port")->int_value() == 51000);
  const v1::Span& local = backend.spans(1);
  CHECK(local.kind() == v1::Span::SPAN_KIND_UNSPECIFIED);
  CHECK(local.name() == "compute");
  CHECK(find_attr(local.attributes(), "lc")->string_value() == "math");
}

TEST_CASE("zipkin v1: a span with both sides is the client's, server times as events") {
  const std::string body = R"([{"traceId": "1", "id": "2", "name": "rpc", "annotations": [
      {"timestamp": 10, "value": "cs", "endpoint": {"serviceName": "a"}},
      {"timestamp": 12, "value": "sr", "endpoint": {"serviceName": "b"}},
      {"timestamp": 18, "value": "ss", "endpoint": {"serviceName": "b"}},
      {"timestamp": 20, "value": "cr", "endpoint": {"serviceName": "a"}}]}])";
  ExportTraceServiceRequest out;
  REQUIRE(tempo::model::zipkin_v1_json_to_otlp(body, &out).is_ok());
  REQUIRE(out.resource_spans_size() == 1);
  CHECK(service_of(out.resource_spans(0)) == "a");
  const v1::Span& s = out.resource_spans(0).scope_spans(0).spans(0);
  CHECK(s.kind() == v1::Span::SPAN_KIND_CLIENT);
  CHECK(s.end_time_unix_nano() - s.start_time_unix_nano() == 10000);
  REQUIRE(s.events_size() == 2);
  CHECK(s.events(0).name() == "sr");
  CHECK(s.events(1).name() == "ss");
}

TEST_CASE("zipkin v1: bad bodies name the span and field") {
  ExportTraceServiceRequest out;
  auto s = tempo::model::zipkin_v1_json_to_otlp(R"([{"traceId":"1","id":"2"},{"id":"3"}])", &out);
  CHECK(s.message() == "zipkin v1 span 1: traceId is required");
  s = tempo::model::zipkin_v1_json_to_otlp(
      R"([{"traceId":"1","id":"2","binaryAnnotations":[{"key":"k","value":[1]}]}])", &out);
  CHECK(s.message() == "zipkin v1 span 0: binaryAnnotations.k must be a string, number or boolean");
  s = tempo::model::zipkin_v1_json_to_otlp(R"([{"traceId":"1","id":"2","annotations":[{"timestamp":1}]}])",
                                          &out);
  CHECK(s.message() == "zipkin v1 span 0: annotations.value is required");
  CHECK(out.resource_spans_size() == 0);
}
