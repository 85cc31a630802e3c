#pragma once
// A Jaeger Thrift batch with every kind of tag, a log and a reference, and its encodings as the
// collector's HTTP body and as agent datagrams: shared by the Jaeger decoder tests and the fuzz
// seed generator, so the seeds are what the tests prove decodes.

#include <thrift/protocol/TProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "Agent.h"
#include "jaeger_types.h"

namespace tempo::jaeger_sample {

namespace jt = tempo::jaeger_thrift;
using apache::thrift::transport::TMemoryBuffer;

inline jt::Tag tag(const std::string& key, const std::string& v) {
  jt::Tag t;
  t.key = key;
  t.vType = jt::TagType::STRING;
  t.__set_vStr(v);
  return t;
}
inline jt::Tag tag(const std::string& key, bool v) {
  jt::Tag t;
  t.key = key;
  t.vType = jt::TagType::BOOL;
  t.__set_vBool(v);
  return t;
}
inline jt::Tag tag(const std::string& key, int64_t v) {
  jt::Tag t;
  t.key = key;
  t.vType = jt::TagType::LONG;
  t.__set_vLong(v);
  return t;
}
inline jt::Tag tag(const std::string& key, double v) {
  jt::Tag t;
  t.key = key;
  t.vType = jt::TagType::DOUBLE;
  t.__set_vDouble(v);
  return t;
}

// A batch of two spans in one trace: a server root and a client child with every kind of
// tag, a log and a FOLLOWS_FROM reference.
inline jt::Batch sample_batch() {
  jt::Batch b;
  b.process.serviceName = "inventory";
  b.process.__set_tags({tag("hostname", std::string("node-1")), tag("jaeger.version", std::string("Go-2.30"))});
  jt::Span root;
  root.traceIdHigh = 0x0102030405060708;
  root.traceIdLow = static_cast<int64_t>(0x90a0b0c0d0e0f000ull);
  root.spanId = 0x11;
  root.parentSpanId = 0;
  root.operationName = "GET /stock";
  root.flags = 1;
  root.startTime = 1700000000000000;
  root.duration = 1500;
  root.__set_tags({tag("span.kind", std::string("server")), tag("http.status_code", int64_t{200})});
  jt::Span child = root;
  child.spanId = 0x22;
  child.parentSpanId = 0x11;
  child.operationName = "SELECT";
  child.startTime = 1700000000000100;
  child.duration = 200;
  child.__set_tags({tag("span.kind", std::string("client")), tag("error", true),
                    tag("db.rows", int64_t{3}), tag("ratio", 0.5), tag("cached", false),
                    tag("otel.scope.name", std::string("sql-lib"))});
  jt::Tag blob;
  blob.key = "blob";
  blob.vType = jt::TagType::BINARY;
  blob.__set_vBinary(std::string("\x00\x01", 2));
  child.tags.push_back(blob);
  jt::Log log;
  log.timestamp = 1700000000000150;
  log.fields = {tag("event", std::string("retry")), tag("attempt", int64_t{2})};
  child.__set_logs({log});
  jt::SpanRef follows;
  follows.refType = jt::SpanRefType::FOLLOWS_FROM;
  follows.traceIdHigh = 0;
  follows.traceIdLow = 0x99;
  follows.spanId = 0x77;
  child.__set_references({follows});
  b.spans = {root, child};
  return b;
}

template <typename Protocol>
std::string encode_batch(const jt::Batch& b) {
  auto buf = std::make_shared<TMemoryBuffer>();
  Protocol proto(buf);
  b.write(&proto);
  return buf->getBufferAsString();
}

template <typename Protocol>
std::string encode_emit_batch(const jt::Batch& b, const std::string& method = "emitBatch") {
  auto buf = std::make_shared<TMemoryBuffer>();
  Protocol proto(buf);
  proto.writeMessageBegin(method, apache::thrift::protocol::T_ONEWAY, 1);
  jt::Agent_emitBatch_pargs args;
  args.batch = &b;
  args.write(&proto);
  proto.writeMessageEnd();
  return buf->getBufferAsString();
}

// Sets a span's trace ID from its 16 raw bytes (Jaeger splits it into two big-endian halves).
inline void set_trace_id(jt::Span* span, std::string_view raw) {
  auto half = [&](size_t off) {
    uint64_t v = 0;
    for (size_t i = 0; i < 8; ++i) v = v << 8 | static_cast<uint8_t>(raw[off + i]);
    return static_cast<int64_t>(v);
  };
  span->traceIdHigh = half(0);
  span->traceIdLow = half(8);
}

}  // namespace tempo::jaeger_sample
