// Jaeger to OTLP: Thrift batches (collector HTTP body; agent datagrams in compact and binary)
// and the gRPC API's protobuf batches, encoded here with Apache Thrift and protobuf.

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "model/testing.h"
#include "testing/jaeger_sample.h"

#include "Agent.h"
#include "jaeger_types.h"
#include "tempo/model/jaeger.h"

namespace {

using tempo::model_testing::find_attr;
using tempo::model_testing::hex;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
namespace v1 = opentelemetry::proto::trace::v1;
namespace common = opentelemetry::proto::common::v1;
namespace jt = tempo::jaeger_thrift;
using apache::thrift::transport::TMemoryBuffer;
using tempo::jaeger_sample::encode_batch;
using tempo::jaeger_sample::encode_emit_batch;
using tempo::jaeger_sample::sample_batch;
using tempo::jaeger_sample::tag;

void check_sample(const ExportTraceServiceRequest& out) {
  REQUIRE(out.resource_spans_size() == 1);
  const auto& rs = out.resource_spans(0);
  CHECK(find_attr(rs.resource().attributes(), "service.name")->string_value() == "inventory");
  CHECK(find_attr(rs.resource().attributes(), "hostname")->string_value() == "node-1");
  REQUIRE(rs.scope_spans_size() == 2);  // no scope, and sql-lib
  const v1::Span& root = rs.scope_spans(0).spans(0);
  CHECK(rs.scope_spans(1).scope().name() == "sql-lib");
  const v1::Span& child = rs.scope_spans(1).spans(0);

  CHECK(hex(root.trace_id()) == "010203040506070890a0b0c0d0e0f000");
  CHECK(hex(root.span_id()) == "0000000000000011");
  CHECK(root.parent_span_id().empty());
  CHECK(root.name() == "GET /stock");
  CHECK(root.kind() == v1::Span::SPAN_KIND_SERVER);
  CHECK(root.start_time_unix_nano() == 1700000000000000000ull);
  CHECK(root.end_time_unix_nano() == 1700000000001500000ull);
  CHECK(find_attr(root.attributes(), "http.status_code")->int_value() == 200);
  CHECK(find_attr(root.attributes(), "span.kind") == nullptr);
  CHECK(root.status().code() == v1::Status::STATUS_CODE_UNSET);

  CHECK(hex(child.parent_span_id()) == "0000000000000011");
  CHECK(child.kind() == v1::Span::SPAN_KIND_CLIENT);
  CHECK(child.status().code() == v1::Status::STATUS_CODE_ERROR);
  CHECK(find_attr(child.attributes(), "error") == nullptr);
  CHECK(find_attr(child.attributes(), "db.rows")->int_value() == 3);
  CHECK(find_attr(child.attributes(), "ratio")->double_value() == 0.5);
  CHECK(find_attr(child.attributes(), "cached")->has_bool_value());
  CHECK_FALSE(find_attr(child.attributes(), "cached")->bool_value());
  CHECK(find_attr(child.attributes(), "blob")->bytes_value() == std::string("\x00\x01", 2));
  REQUIRE(child.events_size() == 1);
  CHECK(child.events(0).name() == "retry");
  CHECK(child.events(0).time_unix_nano() == 1700000000000150000ull);
  CHECK(find_attr(child.events(0).attributes(), "attempt")->int_value() == 2);
  REQUIRE(child.links_size() == 1);
  CHECK(hex(child.links(0).trace_id()) == "00000000000000000000000000000099");
  CHECK(hex(child.links(0).span_id()) == "0000000000000077");
}

}  // namespace

TEST_CASE("jaeger thrift: the collector's HTTP body (binary Batch)") {
  ExportTraceServiceRequest out;
  auto s = tempo::model::jaeger_thrift_batch_to_otlp(
      encode_batch<apache::thrift::protocol::TBinaryProtocol>(sample_batch()), &out);
  REQUIRE(s.is_ok());
  check_sample(out);
}

TEST_CASE("jaeger thrift: agent datagrams, compact and binary") {
  for (auto protocol : {tempo::model::ThriftProtocol::kCompact, tempo::model::ThriftProtocol::kBinary}) {
    const bool compact = protocol == tempo::model::ThriftProtocol::kCompact;
    INFO((compact ? "compact" : "binary"));
    std::string datagram =
        compact ? encode_emit_batch<apache::thrift::protocol::TCompactProtocol>(sample_batch())
                : encode_emit_batch<apache::thrift::protocol::TBinaryProtocol>(sample_batch());
    ExportTraceServiceRequest out;
    REQUIRE(tempo::model::jaeger_agent_datagram_to_otlp(datagram, protocol, &out).is_ok());
    check_sample(out);

    // The wrong protocol, another method, a truncated datagram: clear errors, nothing converted.
    ExportTraceServiceRequest bad;
    auto other = compact ? tempo::model::ThriftProtocol::kBinary : tempo::model::ThriftProtocol::kCompact;
    CHECK(tempo::model::jaeger_agent_datagram_to_otlp(datagram, other, &bad).is(tempo::Status::Code::kInvalidArgument));
    std::string zipkin_call =
        compact ? encode_emit_batch<apache::thrift::protocol::TCompactProtocol>(sample_batch(), "emitZipkinBatch")
                : encode_emit_batch<apache::thrift::protocol::TBinaryProtocol>(sample_batch(), "emitZipkinBatch");
    auto s = tempo::model::jaeger_agent_datagram_to_otlp(zipkin_call, protocol, &bad);
    CHECK_THAT(s.message(), Catch::Contains("unsupported call \"emitZipkinBatch\""));
    s = tempo::model::jaeger_agent_datagram_to_otlp(datagram.substr(0, datagram.size() / 2), protocol, &bad);
    CHECK_THAT(s.message(), Catch::Contains("cannot decode jaeger agent datagram"));
    CHECK(bad.resource_spans_size() == 0);
  }
}

TEST_CASE("jaeger thrift: zero IDs and garbage are rejected") {
  jt::Batch b = sample_batch();
  b.spans[1].spanId = 0;
  ExportTraceServiceRequest out;
  auto s = tempo::model::jaeger_thrift_batch_to_otlp(
      encode_batch<apache::thrift::protocol::TBinaryProtocol>(b), &out);
  CHECK_THAT(s.message(), Catch::Contains("jaeger span 1: trace ID and span ID must not be zero"));
  s = tempo::model::jaeger_thrift_batch_to_otlp("garbage", &out);
  CHECK(s.is(tempo::Status::Code::kInvalidArgument));
  CHECK(out.resource_spans_size() == 0);
}

// A TagType outside the enum once became an empty string tag (and reading it as the enum was
// undefined behaviour, found by fuzz/jaeger_thrift_http). Now the batch is refused, naming it.
TEST_CASE("jaeger thrift: a tag of unknown type is refused, naming the span and the tag") {
  const auto unknown = static_cast<jt::TagType::type>(58);
  ExportTraceServiceRequest out;
  jt::Batch b = sample_batch();
  b.spans[1].tags[1].vType = unknown;
  auto s = tempo::model::jaeger_thrift_batch_to_otlp(
      encode_batch<apache::thrift::protocol::TBinaryProtocol>(b), &out);
  CHECK(s.is(tempo::Status::Code::kInvalidArgument));
  CHECK(s.message() == "jaeger span 1: tag \"error\" has unknown type 58");
  CHECK(out.resource_spans_size() == 0);

  b = sample_batch();
  b.process.tags[0].vType = unknown;
  s = tempo::model::jaeger_thrift_batch_to_otlp(
      encode_batch<apache::thrift::protocol::TBinaryProtocol>(b), &out);
  CHECK(s.message() == "jaeger process: tag \"hostname\" has unknown type 58");

  b = sample_batch();
  b.spans[1].logs[0].fields[1].vType = unknown;
  s = tempo::model::jaeger_thrift_batch_to_otlp(
      encode_batch<apache::thrift::protocol::TBinaryProtocol>(b), &out);
  CHECK(s.message() == "jaeger span 1: tag \"attempt\" has unknown type 58");
  CHECK(out.resource_spans_size() == 0);
}

TEST_CASE("jaeger proto: CHILD_OF reference is the parent, per-span process is its own resource") {
  jaeger::api_v2::Batch batch;
  batch.mutable_process()->set_service_name("api");
  auto* s = batch.add_spans();
  s->set_trace_id(std::string(15, '\0') + "\x05");
  s->set_span_id(std::string(7, '\0') + "\x02");
  s->set_operation_name("handle");
  s->mutable_start_time()->set_seconds(1700000000);
  s->mutable_start_time()->set_nanos(5);
  s->mutable_duration()->set_nanos(1000);
  auto* ref = s->add_references();
  ref->set_trace_id(s->trace_id());
  ref->set_span_id(std::string(7, '\0') + "\x01");
  ref->set_ref_type(jaeger::api_v2::CHILD_OF);
  auto* kv = s->add_tags();
  kv->set_key("span.kind");
  kv->set_v_str("producer");
  kv = s->add_tags();
  kv->set_key("otel.status_code");
  kv->set_v_str("OK");
  kv = s->add_tags();
  kv->set_key("count");
  kv->set_v_type(jaeger::api_v2::INT64);
  kv->set_v_int64(9);
  auto* log = s->add_logs();
  log->mutable_timestamp()->set_seconds(1700000001);
  auto* f = log->add_fields();
  f->set_key("event");
  f->set_v_str("sent");

  auto* other = batch.add_spans();
  *other = *s;
  other->set_span_id(std::string(7, '\0') + "\x03");
  other->clear_references();
  other->mutable_process()->set_service_name("worker");

  ExportTraceServiceRequest out;
  REQUIRE(tempo::model::jaeger_proto_batch_to_otlp(batch, &out).is_ok());
  REQUIRE(out.resource_spans_size() == 2);
  CHECK(find_attr(out.resource_spans(0).resource().attributes(), "service.name")->string_value() == "api");
  CHECK(find_attr(out.resource_spans(1).resource().attributes(), "service.name")->string_value() == "worker");
  const auto& span = out.resource_spans(0).scope_spans(0).spans(0);
  CHECK(hex(span.trace_id()) == "00000000000000000000000000000005");
  CHECK(hex(span.parent_span_id()) == "0000000000000001");
  CHECK(span.links_size() == 0);
  CHECK(span.kind() == v1::Span::SPAN_KIND_PRODUCER);
  CHECK(span.status().code() == v1::Status::STATUS_CODE_OK);
  CHECK(span.start_time_unix_nano() == 1700000000000000005ull);
  CHECK(span.end_time_unix_nano() == 1700000000000001005ull);
  CHECK(find_attr(span.attributes(), "count")->int_value() == 9);
  REQUIRE(span.events_size() == 1);
  CHECK(span.events(0).name() == "sent");
  CHECK(out.resource_spans(1).scope_spans(0).spans(0).parent_span_id().empty());

  batch.mutable_spans(0)->set_span_id("");
  auto st = tempo::model::jaeger_proto_batch_to_otlp(batch, &out);
  CHECK_THAT(st.message(), Catch::Contains("jaeger span 0: span_id must be 1 to 8 bytes, got 0"));
}

namespace {

// Peak resident set of this process in KiB since the last reset_peak_rss().
long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}
void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

std::string unhex(std::string_view h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

}  // namespace

// Lengths stated on the wire larger than the input: each must be refused as bad input before
// anything is allocated for it (these once threw std::bad_alloc or touched 2 GiB).
TEST_CASE("jaeger thrift: length bombs are refused without allocating") {
  using tempo::model::ThriftProtocol;
  struct Case {
    const char* what;
    ThriftProtocol protocol;
    bool datagram;
    std::string bytes;
  };
  const Case cases[] = {
      {"compact emitBatch, span list of 2^31-1", ThriftProtocol::kCompact, true,
       unhex("82210109656d697442617463681c1c1801780019fcffffffff07")},
      {"binary emitBatch, span list of 2^31-1", ThriftProtocol::kBinary, true,
       unhex("8001000400000009656d69744261746368000000010c00010c00010b00010000000178000f00020c7f"
             "ffffff")},
      {"binary Batch, serviceName of 2^31-1 bytes", ThriftProtocol::kBinary, false,
       unhex("0c00010b00017fffffff616263")},
      {"binary Batch, span list of 2^31-1", ThriftProtocol::kBinary, false,
       unhex("0c00010b0001000000017800" "0f00020c7fffffff")},
      {"binary Batch, tag list of 2^31-1", ThriftProtocol::kBinary, false,
       unhex("0c00010b00010000000178" "0f00020c7fffffff")},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    reset_peak_rss();
    const long before = peak_rss_kib();
    ExportTraceServiceRequest out;
    tempo::Status s = c.datagram
                          ? tempo::model::jaeger_agent_datagram_to_otlp(c.bytes, c.protocol, &out)
                          : tempo::model::jaeger_thrift_batch_to_otlp(c.bytes, &out);
    CHECK(s.is(tempo::Status::Code::kInvalidArgument));
    CHECK_THAT(s.message(), Catch::Contains("exceeds the bytes received"));
    CHECK(out.resource_spans_size() == 0);
    CHECK(peak_rss_kib() - before < 16 * 1024);
  }
}

// The bounds must not refuse what real clients send: a batch of many small spans and a long
// tag value, in both protocols.
TEST_CASE("jaeger thrift: large valid batches still decode under the bounds") {
  jt::Batch b = sample_batch();
  for (int i = 0; i < 2000; ++i) {
    jt::Span s = b.spans[0];
    s.spanId = 1000 + i;
    s.tags = {tag("k", std::string(i == 0 ? 100000 : 1, 'x'))};
    s.logs.clear();
    s.references.clear();
    b.spans.push_back(s);
  }
  ExportTraceServiceRequest out;
  REQUIRE(tempo::model::jaeger_thrift_batch_to_otlp(
              encode_batch<apache::thrift::protocol::TBinaryProtocol>(b), &out)
              .is_ok());
  REQUIRE(tempo::model::jaeger_agent_datagram_to_otlp(
              encode_emit_batch<apache::thrift::protocol::TCompactProtocol>(b),
              tempo::model::ThriftProtocol::kCompact, &out)
              .is_ok());
  size_t spans = 0;
  for (const auto& rs : out.resource_spans())
    for (const auto& ss : rs.scope_spans()) spans += static_cast<size_t>(ss.spans_size());
  CHECK(spans == b.spans.size());
}

TEST_CASE("jaeger: times past year 2262 are refused, naming the field") {
  jt::Batch b = sample_batch();
  b.spans[0].startTime = INT64_MAX;
  ExportTraceServiceRequest out;
  auto s = tempo::model::jaeger_thrift_batch_to_otlp(
      encode_batch<apache::thrift::protocol::TBinaryProtocol>(b), &out);
  CHECK_THAT(s.message(), Catch::StartsWith("jaeger span 0: timestamp 9223372036854775807 is out "
                                            "of range"));
  b = sample_batch();
  b.spans[0].duration = INT64_MAX;
  s = tempo::model::jaeger_thrift_batch_to_otlp(
      encode_batch<apache::thrift::protocol::TBinaryProtocol>(b), &out);
  CHECK_THAT(s.message(), Catch::StartsWith("jaeger span 0: duration"));

  jaeger::api_v2::Batch pb;
  auto* span = pb.add_spans();
  span->set_trace_id(std::string(15, '\0') + "\x05");
  span->set_span_id(std::string(7, '\0') + "\x06");
  span->mutable_start_time()->set_seconds(INT64_MAX / 2);
  s = tempo::model::jaeger_proto_batch_to_otlp(pb, &out);
  CHECK_THAT(s.message(), Catch::StartsWith("jaeger span 0: start_time of"));
  CHECK(out.resource_spans_size() == 0);
}
