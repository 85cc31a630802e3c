// Jaeger api_v2 protobuf (the gRPC collector API) to OTLP; the mapping is the Thrift one
// (see tempo/model/jaeger.h).

#include <algorithm>

#include "model/foreign_span.h"
#include "tempo/model/jaeger.h"

namespace tempo::model {
namespace {

namespace api = jaeger::api_v2;

ForeignTag to_tag(const api::KeyValue& kv) {
  ForeignTag out;
  out.key = kv.key();
  switch (kv.v_type()) {
    case api::BOOL: out.type = ForeignTag::Type::kBool; out.b = kv.v_bool(); break;
    case api::INT64: out.type = ForeignTag::Type::kInt; out.i = kv.v_int64(); break;
    case api::FLOAT64: out.type = ForeignTag::Type::kDouble; out.d = kv.v_float64(); break;
    case api::BINARY: out.type = ForeignTag::Type::kBytes; out.str = kv.v_binary(); break;
    default: out.str = kv.v_str(); break;
  }
  return out;
}

ForeignResource to_resource(const api::Process& p) {
  ForeignResource r;
  r.service_name = p.service_name();
  for (const auto& t : p.tags()) r.tags.push_back(to_tag(t));
  return r;
}

// A protobuf Timestamp or Duration as nanoseconds; negative ones are 0. kInvalidArgument
// naming `what` past year 2262 (see kMaxMicros), where the nanoseconds would wrap.
template <typename T>
Status nanos(const T& t, std::string_view what, uint64_t* out) {
  if (t.seconds() < 0) {
    *out = 0;
    return Status::ok();
  }
  const auto seconds = static_cast<uint64_t>(t.seconds());
  if (seconds > INT64_MAX / 1000000000ll - 1) {
    return Status::invalid_argument(std::string(what) + " of " + std::to_string(seconds) +
                                    " seconds is out of range (past year 2262)");
  }
  *out = seconds * 1000000000ull + static_cast<uint64_t>(std::clamp(t.nanos(), 0, 999999999));
  return Status::ok();
}

}  // namespace

static Status jaeger_proto_batch_to_otlp_into(const api::Batch& batch, ExportTraceServiceRequest* out) {
  OtlpAssembler assembler(out);
  assembler.begin_resource(to_resource(batch.process()));
  const api::Process* current = &batch.process();

  for (int i = 0; i < batch.spans_size(); ++i) {
    const api::Span& s = batch.spans(i);
    // A span may carry its own process (the collector API allows mixed batches).
    const api::Process* process = s.has_process() ? &s.process() : &batch.process();
    if (process != current) {
      assembler.begin_resource(to_resource(*process));
      current = process;
    }
    ForeignSpan span;
    Status st = padded_id(s.trace_id(), 16, "trace_id", &span.trace_id);
    if (st.is_ok()) st = padded_id(s.span_id(), 8, "span_id", &span.span_id);
    if (!st.is_ok()) return Status::invalid_argument("jaeger span " + std::to_string(i) + ": " + st.message());
    const api::SpanRef* parent = nullptr;
    for (const auto& r : s.references()) {
      if (r.ref_type() == api::CHILD_OF && r.trace_id() == s.trace_id()) {
        parent = &r;
        break;
      }
    }
    for (const auto& r : s.references()) {
      if (&r == parent) continue;
      ForeignLink link;
      if (!padded_id(r.trace_id(), 16, "link", &link.trace_id).is_ok() ||
          !padded_id(r.span_id(), 8, "link", &link.span_id).is_ok()) {
        continue;  // a malformed reference is dropped; the span itself is still good
      }
      span.links.push_back(std::move(link));
    }
    if (parent) {
      st = padded_id(parent->span_id(), 8, "parent span_id", &span.parent_span_id);
      if (!st.is_ok()) {
        return Status::invalid_argument("jaeger span " + std::to_string(i) + ": " + st.message());
      }
    }
    span.name = s.operation_name();
    uint64_t duration = 0;
    st = nanos(s.start_time(), "start_time", &span.start_unix_nano);
    if (st.is_ok()) st = nanos(s.duration(), "duration", &duration);
    if (st.is_ok() && duration > static_cast<uint64_t>(INT64_MAX) - span.start_unix_nano) {
      st = Status::invalid_argument("start_time + duration is out of range (past year 2262)");
    }
    if (!st.is_ok()) return Status::invalid_argument("jaeger span " + std::to_string(i) + ": " + st.message());
    span.end_unix_nano = span.start_unix_nano + duration;
    for (const auto& t : s.tags()) span.tags.push_back(to_tag(t));
    for (const auto& log : s.logs()) {
      ForeignEvent e;
      st = nanos(log.timestamp(), "log timestamp", &e.time_unix_nano);
      if (!st.is_ok()) return Status::invalid_argument("jaeger span " + std::to_string(i) + ": " + st.message());
      for (const auto& f : log.fields()) {
        if (f.key() == "event" && f.v_type() == api::STRING && e.name.empty()) {
          e.name = f.v_str();
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

Status jaeger_proto_batch_to_otlp(const api::Batch& batch, ExportTraceServiceRequest* out) {
  return build_in_place(out, [&] { return jaeger_proto_batch_to_otlp_into(batch, out); });
}

}  // namespace tempo::model
