// Writes the binary seed corpora under fuzz/corpus/ (run once; the output is committed):
// requests built the way the unit tests build theirs (tests/model/*_test.cc), encoded with the
// real protobuf and Thrift libraries, so each fuzzer starts from inputs its decoder accepts.
// The text seeds come from fuzz/seeds.py. Usage: fuzz_make_seeds <fuzz/corpus folder>.

#include <snappy.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "Agent.h"
#include "jaeger/api_v2/collector.pb.h"
#include "jaeger_types.h"
#include "testing/jaeger_sample.h"
#include "testing/rich_trace.h"
#include "testing/wire_bytes.h"
#include "model/testing.h"
#include "tempo/util/compression.h"
#include "zipkin/proto3/zipkin.pb.h"

namespace {

namespace jt = tempo::jaeger_thrift;
using apache::thrift::transport::TMemoryBuffer;
using namespace tempo::testing::wire_bytes;

std::filesystem::path g_root;

void write(const std::string& target, const std::string& name, const std::string& bytes) {
  const auto dir = g_root / target;
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest otlp_sample() {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest req;
  const std::string tid = tempo::model_testing::bytes_of({0x5b, 0x8e, 0xff, 0xf7}, 16);
  auto* root = tempo::model_testing::add_span(req, 0, tid, 1, "checkout");
  root->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
  auto* a = root->add_attributes();
  a->set_key("http.status_code");
  a->mutable_value()->set_int_value(200);
  auto* child = tempo::model_testing::add_span(req, 1, tid, 2, "SELECT");
  child->set_parent_span_id(root->span_id());
  child->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  auto* ev = child->add_events();
  ev->set_name("retry");
  ev->set_time_unix_nano(1500);
  auto* link = child->add_links();
  link->set_trace_id(tid);
  link->set_span_id(root->span_id());
  auto* arr = child->add_attributes();
  arr->set_key("tags");
  arr->mutable_value()->mutable_array_value()->add_values()->set_string_value("a");
  return req;
}

jaeger::api_v2::PostSpansRequest jaeger_proto_sample() {
  jaeger::api_v2::PostSpansRequest req;
  auto* batch = req.mutable_batch();
  batch->mutable_process()->set_service_name("api");
  auto* s = batch->add_spans();
  s->set_trace_id(
      std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16));
  s->set_span_id(std::string("\x00\x00\x00\x00\x00\x00\x00\x02", 8));
  s->set_operation_name("GET /");
  s->mutable_start_time()->set_seconds(1700000000);
  s->mutable_duration()->set_nanos(5000);
  auto* ref = s->add_references();
  ref->set_trace_id(s->trace_id());
  ref->set_span_id(std::string("\x00\x00\x00\x00\x00\x00\x00\x01", 8));
  auto* kv = s->add_tags();
  kv->set_key("span.kind");
  kv->set_v_str("server");
  auto* other = batch->add_spans();
  *other = *s;
  other->set_span_id(std::string("\x00\x00\x00\x00\x00\x00\x00\x03", 8));
  other->mutable_process()->set_service_name("worker");
  return req;
}

zipkin::proto3::ListOfSpans zipkin_sample() {
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
  s->mutable_remote_endpoint()->set_ipv6(std::string(15, '\0') + "\x01");
  s->mutable_remote_endpoint()->set_port(9092);
  (*s->mutable_tags())["topic"] = "orders";
  (*s->mutable_tags())["error"] = "";
  auto* a = s->add_annotations();
  a->set_timestamp(6);
  a->set_value("polled");
  return list;
}

// Seeds for the wire split's agreement with protobuf (fuzz/otlp_wire_split.cc): the corners
// where a wire walker can part from protobuf's parser.
// The same corners suit the wire path of SpanTableBuilder (fuzz/span_table_wire.cc): a
// TracesData and an export request share their wire shape.
void write_wire_split_seeds(const std::string& t, const std::string& otlp) {
  write(t, "two_resources", otlp);
  write(t, "empty", "");
  const std::string tid = tempo::model_testing::bytes_of({1, 2}, 16);
  const std::string span = len_field(1, tid) +
                           len_field(2, tempo::model_testing::bytes_of({3}, 8)) +
                           len_field(5, "op") + fixed64_field(7, 1000) + fixed64_field(8, 2000);
  const std::string unknowns = tag(99, 0) + varint(5) + fixed64_field(98, 7) + tag(97, 5) +
                               std::string("\1\2\3\4") + len_field(96, "xyz");
  const std::string resource =
      len_field(1, len_field(1, "service.name") + len_field(2, len_field(1, "svc")));
  auto request = [](const std::string& rs_fields) { return len_field(1, rs_fields); };
  // Resource after its scope_spans, scope after its spans, schema URLs and the resource twice,
  // a trace ID twice, unknown fields of every wire type at every level, a field of the wrong
  // wire type (name as a varint).
  write(t, "out_of_order",
        unknowns + request(len_field(3, "a") +
                           len_field(2, len_field(2, len_field(1, tid) + span + unknowns +
                                                         tag(5, 0) + varint(1)) +
                                            unknowns + len_field(1, len_field(1, "lib"))) +
                           resource + len_field(1, resource) + len_field(3, "b") + unknowns));
  write(
      t, "group",
      request(len_field(2, len_field(2, span + tag(50, 3) + tag(1, 0) + varint(7) + tag(50, 4)))));
  write(t, "bad_utf8_name", request(len_field(2, len_field(2, span + len_field(5, "\xc0\x80")))));
  // An attribute nested 45 arrays deep: its innermost value at level 95 of protobuf's 100.
  std::string any = len_field(1, "bottom");
  for (int i = 0; i < 45; ++i) any = len_field(5, len_field(1, any));
  write(t, "deep_attribute",
        request(len_field(
            2, len_field(2, span + len_field(9, len_field(1, "k") + len_field(2, any))))));
  write(
      t, "long_tags",
      std::string("\x8a\x80\x80\x80\x10") + varint(0) + request(len_field(2, len_field(2, span))));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <fuzz/corpus folder>\n", argv[0]);
    return 2;
  }
  g_root = argv[1];
  const std::string otlp = otlp_sample().SerializeAsString();
  const std::string rich =
      tempo::testing::rich_trace(std::string(16, '\x06')).SerializeAsString();
  write("otlp_proto", "two_resources", otlp);
  write("otlp_proto", "empty", "");
  write_wire_split_seeds("otlp_wire_split", otlp);
  write_wire_split_seeds("span_table_wire", otlp);
  write("span_table_wire", "rich_twice", rich + rich);
  write("zipkin_proto", "consumer", zipkin_sample().SerializeAsString());
  const jt::Batch batch = tempo::jaeger_sample::sample_batch();
  write("jaeger_thrift_http", "batch",
        tempo::jaeger_sample::encode_batch<apache::thrift::protocol::TBinaryProtocol>(batch));
  write("jaeger_agent_binary", "emit_batch",
        tempo::jaeger_sample::encode_emit_batch<apache::thrift::protocol::TBinaryProtocol>(batch));
  write("jaeger_agent_compact", "emit_batch",
        tempo::jaeger_sample::encode_emit_batch<apache::thrift::protocol::TCompactProtocol>(batch));
  write("jaeger_proto", "two_processes", jaeger_proto_sample().SerializeAsString());

  // decompress: the first byte picks the encoding in the order fuzz/decompress.cc lists them.
  const std::string body = otlp;
  std::string gz;
  if (!tempo::gzip_compress(body, &gz).is_ok()) return 1;
  write("decompress", "gzip", std::string(1, '\0') + gz);
  std::string z(compressBound(body.size()), '\0');
  uLongf zlen = z.size();
  compress2(reinterpret_cast<Bytef*>(z.data()), &zlen, reinterpret_cast<const Bytef*>(body.data()),
            body.size(), 6);
  z.resize(zlen);
  write("decompress", "deflate", std::string(1, '\1') + z);
  write("decompress", "zlib", std::string(1, '\2') + z);
  std::string zs(ZSTD_compressBound(body.size()), '\0');
  zs.resize(ZSTD_compress(zs.data(), zs.size(), body.data(), body.size(), 3));
  write("decompress", "zstd", std::string(1, '\3') + zs);
  std::string sn;
  snappy::Compress(body.data(), body.size(), &sn);
  write("decompress", "snappy", std::string(1, '\4') + sn);
  write("decompress", "identity", std::string(1, '\5') + body);
  return 0;
}
