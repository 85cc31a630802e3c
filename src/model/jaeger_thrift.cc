// Jaeger Thrift (collector HTTP body and agent UDP datagrams) to OTLP. Decoding is
// Apache Thrift's generated code; this file only maps fields (see tempo/model/jaeger.h).

#include <thrift/Thrift.h>
#include <thrift/protocol/TProtocolException.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>

#include "Agent.h"
#include "jaeger_types.h"
#include "model/foreign_span.h"
#include "model/thrift_protocol.h"
#include "tempo/model/jaeger.h"

namespace tempo::model {
namespace {

namespace jt = tempo::jaeger_thrift;
using apache::thrift::TException;

// The value of an enum field as it came off the wire. The generated code stores whatever i32
// was sent (58 for a TagType), and reading a value outside the enum's range as the enum is
// undefined behaviour (UBSan: "load of value 58, which is not a valid value for type
// 'TagType::type'"), so the field is read as the integer it holds.
template <typename Enum>
int32_t wire_value(const Enum& e) {
  static_assert(sizeof(Enum) == sizeof(int32_t));
  int32_t v;
  std::memcpy(&v, &e, sizeof v);
  return v;
}

// An unknown tag type is refused rather than stored as an empty string.
Status to_tag(const jt::Tag& t, ForeignTag* out) {
  out->key = t.key;
  switch (const int32_t type = wire_value(t.vType)) {
    case jt::TagType::STRING: out->str = t.vStr; break;
    case jt::TagType::DOUBLE: out->type = ForeignTag::Type::kDouble; out->d = t.vDouble; break;
    case jt::TagType::BOOL: out->type = ForeignTag::Type::kBool; out->b = t.vBool; break;
    case jt::TagType::LONG: out->type = ForeignTag::Type::kInt; out->i = t.vLong; break;
    case jt::TagType::BINARY: out->type = ForeignTag::Type::kBytes; out->str = t.vBinary; break;
    default:
      return Status::invalid_argument("tag \"" + t.key + "\" has unknown type " +
                                      std::to_string(type));
  }
  return Status::ok();
}

Status add_tag(const jt::Tag& t, std::string_view where, std::vector<ForeignTag>* out) {
  Status s = to_tag(t, &out->emplace_back());
  if (!s.is_ok()) return Status::invalid_argument(std::string(where) + ": " + s.message());
  return Status::ok();
}

Status add_tags(const std::vector<jt::Tag>& tags, std::string_view where,
                std::vector<ForeignTag>* out) {
  for (const auto& t : tags) TEMPO_RETURN_IF_ERROR(add_tag(t, where, out));
  return Status::ok();
}

bool is_child_of(const jt::SpanRef& r) {
  return wire_value(r.refType) == jt::SpanRefType::CHILD_OF;
}

std::string trace_id_bytes(int64_t high, int64_t low) {
  return id_bytes(static_cast<uint64_t>(high)) + id_bytes(static_cast<uint64_t>(low));
}

Status convert_into(const jt::Batch& batch, ExportTraceServiceRequest* out) {
  OtlpAssembler assembler(out);
  ForeignResource resource;
  resource.service_name = batch.process.serviceName;
  TEMPO_RETURN_IF_ERROR(add_tags(batch.process.tags, "jaeger process", &resource.tags));
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
        if (is_child_of(r) && r.traceIdHigh == s.traceIdHigh &&
            r.traceIdLow == s.traceIdLow) {
          parent_ref = &r;
          parent = r.spanId;
          break;
        }
      }
    }
    if (parent != 0) span.parent_span_id = id_bytes(static_cast<uint64_t>(parent));
    for (const auto& r : s.references) {
      if (&r == parent_ref || (is_child_of(r) && r.spanId == parent &&
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
    const std::string where = "jaeger span " + std::to_string(i);
    TEMPO_RETURN_IF_ERROR(add_tags(s.tags, where, &span.tags));
    for (const auto& log : s.logs) {
      ForeignEvent e;
      st = micros_to_nanos(static_cast<uint64_t>(std::max<int64_t>(log.timestamp, 0)),
                           "log timestamp", &e.time_unix_nano);
      if (!st.is_ok()) {
        return Status::invalid_argument("jaeger span " + std::to_string(i) + ": " + st.message());
      }
      for (const auto& f : log.fields) {
        if (f.key == "event" && wire_value(f.vType) == jt::TagType::STRING && e.name.empty()) {
          e.name = f.vStr;
        } else {
          TEMPO_RETURN_IF_ERROR(add_tag(f, where, &e.attributes));
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
