// Jaeger Thrift (collector HTTP body and agent UDP datagrams) to OTLP. Decoding is
// Apache Thrift's generated code; this file only maps fields (see tempo/model/jaeger.h).

#include <thrift/TConfiguration.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <algorithm>
#include <climits>
#include <memory>

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
    Status st = set_times_from_micros(static_cast<uint64_t>(std::max<int64_t>(s.startTime, 0)),
                                      static_cast<uint64_t>(std::max<int64_t>(s.duration, 0)),
                                      &span);
    if (!st.is_ok()) {
      return Status::invalid_argument("jaeger span " + std::to_string(i) + ": " + st.message());
    }
    for (const auto& t : s.tags) span.tags.push_back(to_tag(t));
    for (const auto& log : s.logs) {
      ForeignEvent e;
      st = micros_to_nanos(static_cast<uint64_t>(std::max<int64_t>(log.timestamp, 0)),
                           "log timestamp", &e.time_unix_nano);
      if (!st.is_ok()) {
        return Status::invalid_argument("jaeger span " + std::to_string(i) + ": " + st.message());
      }
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

// Every list in jaeger.thrift holds structs with at least two required fields (Tag: key and
// vType is the smallest), which take at least 5 bytes on the wire in either protocol.
constexpr size_t kMinListElementBytes = 5;

// The lengths a Thrift message states are bounded by the bytes actually received, so a
// datagram or body that claims a 2 GiB string or list is refused before anything is
// allocated for it: a string cannot be longer than the input, a list cannot hold more
// elements than fit in it, and the transport's max message size (TConfiguration) refuses
// any read past the input. Without these, Thrift sizes std::string/std::vector from the
// claimed length first (std::bad_alloc, or 2 GiB touched for a 13-byte body).
struct ThriftLimits {
  explicit ThriftLimits(std::string_view bytes)
      : string_limit(clamp(bytes.size())),
        container_limit(clamp(bytes.size() / kMinListElementBytes)),
        config(std::make_shared<apache::thrift::TConfiguration>(string_limit)) {}
  // At least 1: Thrift reads a limit of 0 as "unlimited".
  static int32_t clamp(size_t n) {
    return static_cast<int32_t>(std::clamp<size_t>(n, 1, INT32_MAX));
  }
  int32_t string_limit;
  int32_t container_limit;
  std::shared_ptr<apache::thrift::TConfiguration> config;
};

std::shared_ptr<TMemoryBuffer> observe(std::string_view bytes, const ThriftLimits& limits) {
  // OBSERVE reads the caller's bytes in place; Thrift only ever reads through it here.
  return std::make_shared<TMemoryBuffer>(
      reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data())),
      static_cast<uint32_t>(bytes.size()), TMemoryBuffer::OBSERVE, limits.config);
}

std::unique_ptr<apache::thrift::protocol::TProtocol> bounded_protocol(std::string_view bytes,
                                                                      ThriftProtocol protocol) {
  const ThriftLimits limits(bytes);
  auto buffer = observe(bytes, limits);
  if (protocol == ThriftProtocol::kCompact) {
    return std::make_unique<apache::thrift::protocol::TCompactProtocol>(
        buffer, limits.string_limit, limits.container_limit);
  }
  return std::make_unique<apache::thrift::protocol::TBinaryProtocol>(
      buffer, limits.string_limit, limits.container_limit, /*strict_read=*/false,
      /*strict_write=*/true);
}

// A message Thrift could not decode. SIZE_LIMIT and MaxMessageSize mean a stated length is
// larger than the input, which the generic messages do not say.
Status decode_error(std::string_view what, const TException& e) {
  std::string reason = e.what();
  if (const auto* pe = dynamic_cast<const apache::thrift::protocol::TProtocolException*>(&e);
      pe && pe->getType() == apache::thrift::protocol::TProtocolException::SIZE_LIMIT) {
    reason = "a string or list length exceeds the bytes received";
  } else if (reason == "MaxMessageSize reached") {
    reason = "a length exceeds the bytes received";
  }
  return Status::invalid_argument("cannot decode " + std::string(what) + ": " + reason);
}

}  // namespace

Status jaeger_thrift_batch_to_otlp(std::string_view body, ExportTraceServiceRequest* out) {
  jt::Batch batch;
  try {
    auto proto = bounded_protocol(body, ThriftProtocol::kBinary);
    batch.read(proto.get());
  } catch (const TException& e) {
    return decode_error("jaeger thrift batch", e);
  }
  return convert(batch, out);
}

Status jaeger_agent_datagram_to_otlp(std::string_view datagram, ThriftProtocol protocol,
                                     ExportTraceServiceRequest* out) {
  jt::Agent_emitBatch_args args;
  try {
    auto proto = bounded_protocol(datagram, protocol);
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
    return decode_error("jaeger agent datagram", e);
  }
  return convert(args.batch, out);
}

}  // namespace tempo::model
