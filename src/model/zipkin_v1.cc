// Zipkin v1 JSON (POST /api/v1/spans) to OTLP, by way of the v2 shape: v1 spans carry their
// kind, endpoints and times in "core" annotations (cs/cr client, sr/ss server, ms/mr
// messaging) and binary annotations (sa/ca/ma addresses, lc local component, the rest tags).

#include <simdjson.h>

#include "model/foreign_span.h"
#include "model/zipkin_detail.h"
#include "tempo/model/zipkin.h"

namespace tempo::model {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

namespace {

using namespace zipkin_detail;
using simdjson::dom::element;
namespace v1 = opentelemetry::proto::trace::v1;

struct Core {
  bool seen = false;
  uint64_t ts = 0;
  EndpointTags endpoint;
};

// Everything a v1 span says, sorted out; the v2 view is derived from it.
struct V1Span {
  Core cs, cr, sr, ss, ms, mr;
  EndpointTags server_addr, client_addr, message_addr, local_component, any_endpoint;
  bool has_any_endpoint = false;
};

Status read_annotations(const simdjson::dom::object& s, V1Span* v, ForeignSpan* span) {
  element e;
  if (!member(s, "annotations", &e)) return Status::ok();
  if (!e.is_array()) return Status::invalid_argument("annotations must be an array");
  const simdjson::dom::array list = e.get_array().value_unsafe();
  for (element a : list) {
    if (!a.is_object()) return Status::invalid_argument("annotation must be an object");
    const simdjson::dom::object ao = a.get_object().value_unsafe();
    uint64_t ts = 0;
    std::string_view value;
    EndpointTags ep;
    TEMPO_RETURN_IF_ERROR(prefixed(json_micros(ao, "timestamp", &ts), "annotations."));
    TEMPO_RETURN_IF_ERROR(prefixed(json_string(ao, "value", &value, true), "annotations."));
    TEMPO_RETURN_IF_ERROR(prefixed(json_endpoint(ao, "endpoint", &ep), "annotations."));
    Core* core = value == "cs"   ? &v->cs
                 : value == "cr" ? &v->cr
                 : value == "sr" ? &v->sr
                 : value == "ss" ? &v->ss
                 : value == "ms" ? &v->ms
                 : value == "mr" ? &v->mr
                                 : nullptr;
    if (core && !core->seen) {
      *core = Core{true, ts, ep};
    } else {
      uint64_t nanos = 0;
      TEMPO_RETURN_IF_ERROR(micros_to_nanos(ts, "annotations.timestamp", &nanos));
      span->events.push_back(ForeignEvent{nanos, value, {}});
    }
    if (!ep.service.empty() && !v->has_any_endpoint) {
      v->any_endpoint = ep;
      v->has_any_endpoint = true;
    }
  }
  return Status::ok();
}

Status read_binary_annotations(const simdjson::dom::object& s, V1Span* v, ForeignSpan* span) {
  element e;
  if (!member(s, "binaryAnnotations", &e)) return Status::ok();
  if (!e.is_array()) return Status::invalid_argument("binaryAnnotations must be an array");
  const simdjson::dom::array list = e.get_array().value_unsafe();
  for (element b : list) {
    if (!b.is_object()) return Status::invalid_argument("binaryAnnotation must be an object");
    const simdjson::dom::object bo = b.get_object().value_unsafe();
    std::string_view key;
    TEMPO_RETURN_IF_ERROR(prefixed(json_string(bo, "key", &key, true), "binaryAnnotations."));
    EndpointTags ep;
    TEMPO_RETURN_IF_ERROR(prefixed(json_endpoint(bo, "endpoint", &ep), "binaryAnnotations."));
    element value;
    const bool has_value = member(bo, "value", &value);
    if (key == "sa" || key == "ca" || key == "ma") {  // address annotations: value true
      (key == "sa" ? v->server_addr : key == "ca" ? v->client_addr : v->message_addr) = ep;
      continue;
    }
    if (key == "lc") v->local_component = ep;
    if (!ep.service.empty() && !v->has_any_endpoint) {
      v->any_endpoint = ep;
      v->has_any_endpoint = true;
    }
    if (!has_value) continue;
    ForeignTag t;
    t.key = key;
    if (value.is_string()) {
      t.str = value.get_string().value_unsafe();
    } else if (value.is_bool()) {
      t.type = ForeignTag::Type::kBool;
      t.b = value.get_bool().value_unsafe();
    } else if (value.is_int64()) {
      t.type = ForeignTag::Type::kInt;
      t.i = value.get_int64().value_unsafe();
    } else if (value.is_double()) {
      t.type = ForeignTag::Type::kDouble;
      t.d = value.get_double().value_unsafe();
    } else {
      return Status::invalid_argument("binaryAnnotations." + std::string(key) +
                                      " must be a string, number or boolean");
    }
    span->tags.push_back(t);
  }
  return Status::ok();
}

// Chooses the v2 view of one v1 span. A v1 span holding both client and server annotations
// (one span ID shared by both sides) becomes the client's view; the server's sr/ss become
// events, since OTLP has one span per ID.
Status to_v2(const V1Span& v, uint64_t timestamp, uint64_t duration, ForeignSpan* span,
             EndpointTags* local, EndpointTags* remote) {
  const Core *start = nullptr, *end = nullptr;
  if (v.cs.seen || v.cr.seen) {
    span->kind = v1::Span::SPAN_KIND_CLIENT;
    start = &v.cs, end = &v.cr;
    *remote = v.server_addr;
    if (v.sr.seen) span->events.push_back(ForeignEvent{v.sr.ts * 1000, "sr", {}});
    if (v.ss.seen) span->events.push_back(ForeignEvent{v.ss.ts * 1000, "ss", {}});
  } else if (v.sr.seen || v.ss.seen) {
    span->kind = v1::Span::SPAN_KIND_SERVER;
    start = &v.sr, end = &v.ss;
    *remote = v.client_addr;
  } else if (v.ms.seen) {
    span->kind = v1::Span::SPAN_KIND_PRODUCER;
    start = &v.ms;
    *remote = v.message_addr;
  } else if (v.mr.seen) {
    span->kind = v1::Span::SPAN_KIND_CONSUMER;
    start = &v.mr;
    *remote = v.message_addr;
  }
  // The span's own timestamp/duration win; else the core annotations give them.
  if (timestamp == 0 && start && start->seen) timestamp = start->ts;
  if (duration == 0 && start && start->seen && end && end->seen && end->ts >= start->ts) {
    duration = end->ts - start->ts;
  }
  TEMPO_RETURN_IF_ERROR(set_times_from_micros(timestamp, duration, span));
  // The local endpoint: the core annotation's, else the local component's, else any.
  if (start && start->seen && !start->endpoint.service.empty()) {
    *local = start->endpoint;
  } else if (end && end->seen && !end->endpoint.service.empty()) {
    *local = end->endpoint;
  } else if (!v.local_component.service.empty()) {
    *local = v.local_component;
  } else if (v.has_any_endpoint) {
    *local = v.any_endpoint;
  }
  return Status::ok();
}

Status v1_span(const element& el, ForeignSpan* span, EndpointTags* local, EndpointTags* remote) {
  if (!el.is_object()) return Status::invalid_argument("must be an object");
  const simdjson::dom::object s = el.get_object().value_unsafe();
  uint64_t ts = 0, dur = 0;
  TEMPO_RETURN_IF_ERROR(json_common_fields(s, span, &ts, &dur));
  V1Span v;
  TEMPO_RETURN_IF_ERROR(read_annotations(s, &v, span));
  TEMPO_RETURN_IF_ERROR(read_binary_annotations(s, &v, span));
  return to_v2(v, ts, dur, span, local, remote);
}

Status zipkin_v1_into(std::string_view body, ExportTraceServiceRequest* out) {
  thread_local simdjson::dom::parser parser;
  element doc;
  if (parser.parse(body.data(), body.size(), true).get(doc) != simdjson::SUCCESS) {
    return Status::invalid_argument("zipkin v1 spans: body is not valid JSON");
  }
  if (!doc.is_array()) return Status::invalid_argument("zipkin v1 spans: body must be a JSON array");
  OtlpAssembler assembler(out);
  const simdjson::dom::array spans = doc.get_array().value_unsafe();
  size_t i = 0;
  for (element el : spans) {
    ForeignSpan span;
    EndpointTags local, remote;
    Status st = v1_span(el, &span, &local, &remote);
    if (!st.is_ok()) return prefixed(st, "zipkin v1 span " + std::to_string(i) + ": ");
    emit(assembler, local.service, span, local, remote);
    ++i;
  }
  return Status::ok();
}

}  // namespace

Status zipkin_v1_json_to_otlp(std::string_view body, ExportTraceServiceRequest* out) {
  return build_in_place(out, [&] { return zipkin_v1_into(body, out); });
}

}  // namespace tempo::model
