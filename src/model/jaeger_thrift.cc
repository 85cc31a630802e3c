// Jaeger Thrift (collector HTTP body and agent UDP datagrams) to OTLP. Decoding is
// Apache Thrift's generated code; this file only maps fields (see tempo/model/jaeger.h).

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include "Agent.h"
#include "jaeger_types.h"
#include "model/foreign_span.h"
#include "tempo/model/jaeger.h"

namespace tempo::model {
namespace {

namespace jt = tempo::jaeger_thrift;
using apache::thrift::TException;
using apache::thrift::transport::TMemoryBuffer;

ForeignTag to_tag(const jt::Tag& t) {
  ForeignTag out;
  out.key = t.key;
  switch (t.vType) {
    case jt::TagType::STRING: out.str = t.vStr; break;
    case jt::TagType::DOUBLE: out.type = ForeignTag::Type::kDouble; out.d = t.vDouble; break;
    case jt::TagType::BOOL: out.type = ForeignTag::Type::kBool; out.b = t.vBool; break;
    case jt::TagType::LONG: out.type = ForeignTag::Type::kInt; out.i = t.vLong; break;
    case jt::TagType::BINARY: out.type = ForeignTag::Type::kBytes; out.str = t.vBinary; break;
  }
  return out;
}

std::string trace_id_bytes(int64_t high, int64_t low) {
  return id_bytes(static_cast<uint64_t>(high)) + id_bytes(static_cast<uint64_t>(low));
}

Status convert_into(const jt::Batch& batch, ExportTraceServiceRequest* out) {
  OtlpAssembler assembler(out);
  ForeignResource resource;
  resource.service_name = batch.process.serviceName;
  for (const auto& t : batch.process.tags) resource.tags.push_back(to_tag(t));
  assembler.begin_resource(resource);

  for (size_t i = 0; i < batch.spans.size(); ++i) {
    const jt::Span& s = batch.spans[i];
    if ((s.traceIdHigh == 0 && s.traceIdLow == 0) || s.spanId == 0) {
      return Status::invalid_argument("jaeger span " + std::to_string(i) +
                                      ": trace ID and span ID must not be zero");
    }
    ForeignSpan span;
    span.trace_id = trace_id_bytes(s.traceIdHigh, s.traceIdLow);
    span.span_id = id_bytes(static_cast<uint64_t>(s.spanId));
    int64_t parent = s.parentSpanId;
    const jt::SpanRef* parent_ref = nullptr;
    if (parent == 0) {
      for (const auto& r : s.references) {
        if (r.refType == jt::SpanRefType::CHILD_OF && r.traceIdHigh == s.traceIdHigh &&
            r.traceIdLow == s.traceIdLow) {
          parent_ref = &r;
          parent = r.spanId;
          break;
        }
      }
    }
    if (parent != 0) span.parent_span_id = id_bytes(static_cast<uint64_t>(parent));
    for (const auto& r : s.references) {
      if (&r == parent_ref || (r.refType == jt::SpanRefType::CHILD_OF && r.spanId == parent &&
                               r.traceIdHigh == s.traceIdHigh && r.traceIdLow == s.traceIdLow)) {
        continue;
      }
      span.links.push_back({trace_id_bytes(r.traceIdHigh, r.traceIdLow),
                            id_bytes(static_cast<uint64_t>(r.spanId))});
    }
    span.name = s.operationName;
    span.start_unix_nano = static_cast<uint64_t>(std::max<int64_t>(s.startTime, 0)) * 1000;
    span.end_unix_nano =
        span.start_unix_nano + static_cast<uint64_t>(std::max<int64_t>(s.duration, 0)) * 1000;
    for (const auto& t : s.tags) span.tags.push_back(to_tag(t));
    for (const auto& log : s.logs) {
      ForeignEvent e;
      e.time_unix_nano = static_cast<uint64_t>(std::max<int64_t>(log.timestamp, 0)) * 1000;
      for (const auto& f : log.fields) {
        if (f.key == "event" && f.vType == jt::TagType::STRING && e.name.empty()) {
          e.name = f.vStr;
        } else {
          e.attributes.push_back(to_tag(f));
        }
      }
      span.events.push_back(std::move(e));
    }
    assembler.add(span);
  }
  return Status::ok();
}

Status convert(const jt::Batch& batch, ExportTraceServiceRequest* out) {
  return build_in_place(out, [&] { return convert_into(batch, out); });
}

std::shared_ptr<TMemoryBuffer> observe(std::string_view bytes) {
  // OBSERVE reads the caller's bytes in place; Thrift only ever reads through it here.
  return std::make_shared<TMemoryBuffer>(
      reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data())),
      static_cast<uint32_t>(bytes.size()), TMemoryBuffer::OBSERVE);
}

}  // namespace

Status jaeger_thrift_batch_to_otlp(std::string_view body, ExportTraceServiceRequest* out) {
  jt::Batch batch;
  try {
    apache::thrift::protocol::TBinaryProtocol proto(observe(body));
    batch.read(&proto);
  } catch (const TException& e) {
    return Status::invalid_argument(std::string("cannot decode jaeger thrift batch: ") + e.what());
  }
  return convert(batch, out);
}

Status jaeger_agent_datagram_to_otlp(std::string_view datagram, ThriftProtocol protocol,
                                     ExportTraceServiceRequest* out) {
  jt::Agent_emitBatch_args args;
  try {
    auto buffer = observe(datagram);
    std::unique_ptr<apache::thrift::protocol::TProtocol> proto;
    if (protocol == ThriftProtocol::kCompact) {
      proto = std::make_unique<apache::thrift::protocol::TCompactProtocol>(buffer);
    } else {
      proto = std::make_unique<apache::thrift::protocol::TBinaryProtocol>(buffer);
    }
    std::string name;
    apache::thrift::protocol::TMessageType type;
    int32_t seq = 0;
    proto->readMessageBegin(name, type, seq);
    if (name != "emitBatch") {
      return Status::invalid_argument("jaeger agent: unsupported call \"" + name +
                                      "\" (only emitBatch is accepted)");
    }
    args.read(proto.get());
    proto->readMessageEnd();
  } catch (const TException& e) {
    return Status::invalid_argument(std::string("cannot decode jaeger agent datagram: ") + e.what());
  }
  return convert(args.batch, out);
}

}  // namespace tempo::model
