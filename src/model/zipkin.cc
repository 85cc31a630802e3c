#include "tempo/model/zipkin.h"

#include <arpa/inet.h>

#include <simdjson.h>

#include "model/foreign_span.h"
#include "model/zipkin_detail.h"
#include "tempo/util/hex.h"
#include "zipkin/proto3/zipkin.pb.h"

namespace tempo::model {
namespace zipkin_detail {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
namespace v1 = opentelemetry::proto::trace::v1;

// A hex ID of at most `bytes` bytes, left-padded with zeros to exactly `bytes` (Zipkin allows
// 64-bit trace IDs; some tracers drop leading zeros). Odd lengths get a leading zero.
Status parse_hex_id(std::string_view text, std::string_view what, size_t bytes, std::string* out) {
  std::string even;
  even.reserve(text.size() + 1);
  if (text.size() % 2) even.push_back('0');
  even.append(text);
  std::string raw;
  if (!hex::decode(even, &raw)) {
    return Status::invalid_argument(std::string(what) + " \"" + std::string(text) +
                                    "\" is not valid hex");
  }
  return padded_id(raw, bytes, what, out);
}

int kind_of(std::string_view k) {
  if (k == "CLIENT") return v1::Span::SPAN_KIND_CLIENT;
  if (k == "SERVER") return v1::Span::SPAN_KIND_SERVER;
  if (k == "PRODUCER") return v1::Span::SPAN_KIND_PRODUCER;
  if (k == "CONSUMER") return v1::Span::SPAN_KIND_CONSUMER;
  return v1::Span::SPAN_KIND_UNSPECIFIED;
}

void append_endpoint(const EndpointTags& ep, bool remote, std::vector<ForeignTag>* tags) {
  if (remote && !ep.service.empty()) tags->push_back(ForeignTag::string("peer.service", ep.service));
  if (!ep.ip.empty()) {
    tags->push_back(ForeignTag::string(remote ? "net.peer.ip" : "net.host.ip", ep.ip));
  }
  if (ep.port > 0) {
    ForeignTag t;
    t.key = remote ? "net.peer.port" : "net.host.port";
    t.type = ForeignTag::Type::kInt;
    t.i = ep.port;
    tags->push_back(t);
  }
}

// --- JSON ------------------------------------------------------------------------------------
// Parsed with simdjson's DOM (a Zipkin body is mostly strings; nlohmann's DOM spent most of the
// receiver's time allocating them). Field errors are reported relative to the span ("traceId is
// required"); the caller adds which span, so the common path builds no message strings.

using simdjson::dom::element;
using simdjson::dom::element_type;

Status prefixed(const Status& s, std::string_view prefix) {
  return s.is_ok() ? s : Status::invalid_argument(std::string(prefix) + s.message());
}

// The member `key` of `obj`, or nullptr-equivalent (false) when absent or null.
bool member(const simdjson::dom::object& obj, std::string_view key, element* out) {
  auto r = obj.at_key(key);
  if (r.error()) return false;
  *out = r.value_unsafe();
  return !out->is_null();
}

Status json_string(const simdjson::dom::object& obj, std::string_view key, std::string_view* out,
                   bool required) {
  element e;
  if (!member(obj, key, &e)) {
    if (required) return Status::invalid_argument(std::string(key) + " is required");
    return Status::ok();
  }
  if (!e.is_string()) return Status::invalid_argument(std::string(key) + " must be a string");
  *out = e.get_string().value_unsafe();
  return Status::ok();
}

Status json_micros(const simdjson::dom::object& obj, std::string_view key, uint64_t* out) {
  element e;
  if (!member(obj, key, &e)) return Status::ok();
  if (e.is_uint64()) {
    *out = e.get_uint64().value_unsafe();
  } else if (e.is_int64()) {
    return Status::invalid_argument(std::string(key) + " must not be negative");
  } else if (e.is_double()) {
    double v = e.get_double().value_unsafe();
    if (v < 0) return Status::invalid_argument(std::string(key) + " must not be negative");
    // Converting a double past uint64's range is undefined; kMaxMicros is far below it.
    *out = v > static_cast<double>(kMaxMicros) ? kMaxMicros + 1 : static_cast<uint64_t>(v);
  } else {
    return Status::invalid_argument(std::string(key) + " must be a number of microseconds");
  }
  return Status::ok();
}

Status json_endpoint(const simdjson::dom::object& span, std::string_view key, EndpointTags* ep) {
  element e;
  if (!member(span, key, &e)) return Status::ok();
  if (!e.is_object()) return Status::invalid_argument(std::string(key) + " must be an object");
  const simdjson::dom::object obj = e.get_object().value_unsafe();
  Status s = json_string(obj, "serviceName", &ep->service, false);
  std::string_view ip;
  if (s.is_ok()) s = json_string(obj, "ipv4", &ip, false);
  if (s.is_ok() && ip.empty()) s = json_string(obj, "ipv6", &ip, false);
  if (!s.is_ok()) return prefixed(s, std::string(key) + ".");
  ep->ip = std::string(ip);
  element port;
  if (member(obj, "port", &port)) {
    if (!port.is_int64()) return Status::invalid_argument(std::string(key) + ".port must be an integer");
    ep->port = port.get_int64().value_unsafe();
  }
  return Status::ok();
}

Status json_common_fields(const simdjson::dom::object& s, ForeignSpan* span, uint64_t* timestamp,
                          uint64_t* duration) {
  std::string_view text;
  TEMPO_RETURN_IF_ERROR(json_string(s, "traceId", &text, true));
  TEMPO_RETURN_IF_ERROR(parse_hex_id(text, "traceId", 16, &span->trace_id));
  TEMPO_RETURN_IF_ERROR(json_string(s, "id", &text, true));
  TEMPO_RETURN_IF_ERROR(parse_hex_id(text, "id", 8, &span->span_id));
  text = {};
  TEMPO_RETURN_IF_ERROR(json_string(s, "parentId", &text, false));
  // Some tracers send an all-zero parent for a root span.
  if (!text.empty() && text.find_first_not_of('0') != std::string_view::npos) {
    TEMPO_RETURN_IF_ERROR(parse_hex_id(text, "parentId", 8, &span->parent_span_id));
  }
  TEMPO_RETURN_IF_ERROR(json_string(s, "name", &span->name, false));
  TEMPO_RETURN_IF_ERROR(json_micros(s, "timestamp", timestamp));
  return json_micros(s, "duration", duration);
}

Status json_span(const element& el, ForeignSpan* span, std::string_view* service,
                 EndpointTags* local, EndpointTags* remote) {
  if (!el.is_object()) return Status::invalid_argument("must be an object");
  const simdjson::dom::object s = el.get_object().value_unsafe();
  uint64_t ts = 0, dur = 0;
  TEMPO_RETURN_IF_ERROR(json_common_fields(s, span, &ts, &dur));
  std::string_view kind;
  TEMPO_RETURN_IF_ERROR(json_string(s, "kind", &kind, false));
  span->kind = kind_of(kind);
  TEMPO_RETURN_IF_ERROR(set_times_from_micros(ts, dur, span));

  TEMPO_RETURN_IF_ERROR(json_endpoint(s, "localEndpoint", local));
  TEMPO_RETURN_IF_ERROR(json_endpoint(s, "remoteEndpoint", remote));
  *service = local->service;

  element e;
  if (member(s, "tags", &e)) {
    if (!e.is_object()) return Status::invalid_argument("tags must be an object");
    const simdjson::dom::object tags = e.get_object().value_unsafe();
    span->tags.reserve(tags.size() + 5);
    for (auto [key, value] : tags) {
      if (!value.is_string()) {
        return Status::invalid_argument("tag \"" + std::string(key) + "\" must be a string");
      }
      span->tags.push_back(ForeignTag::string(key, value.get_string().value_unsafe()));
    }
  }
  if (member(s, "annotations", &e)) {
    if (!e.is_array()) return Status::invalid_argument("annotations must be an array");
    const simdjson::dom::array annotations = e.get_array().value_unsafe();
    for (element a : annotations) {
      if (!a.is_object()) return Status::invalid_argument("annotation must be an object");
      const simdjson::dom::object ao = a.get_object().value_unsafe();
      ForeignEvent ev;
      uint64_t at = 0;
      TEMPO_RETURN_IF_ERROR(prefixed(json_micros(ao, "timestamp", &at), "annotations."));
      TEMPO_RETURN_IF_ERROR(micros_to_nanos(at, "annotations.timestamp", &ev.time_unix_nano));
      TEMPO_RETURN_IF_ERROR(prefixed(json_string(ao, "value", &ev.name, false), "annotations."));
      span->events.push_back(std::move(ev));
    }
  }
  return Status::ok();
}

// --- protobuf --------------------------------------------------------------------------------

std::string ip_text(const std::string& raw) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (raw.size() == 4 && inet_ntop(AF_INET, raw.data(), buf, sizeof buf)) return buf;
  if (raw.size() == 16 && inet_ntop(AF_INET6, raw.data(), buf, sizeof buf)) return buf;
  return {};
}

void proto_endpoint(const zipkin::proto3::Endpoint& in, EndpointTags* ep) {
  ep->service = in.service_name();
  ep->ip = ip_text(in.ipv4());
  if (ep->ip.empty()) ep->ip = ip_text(in.ipv6());
  ep->port = in.port();
}

int proto_kind(zipkin::proto3::Span::Kind k) {
  switch (k) {
    case zipkin::proto3::Span::CLIENT: return v1::Span::SPAN_KIND_CLIENT;
    case zipkin::proto3::Span::SERVER: return v1::Span::SPAN_KIND_SERVER;
    case zipkin::proto3::Span::PRODUCER: return v1::Span::SPAN_KIND_PRODUCER;
    case zipkin::proto3::Span::CONSUMER: return v1::Span::SPAN_KIND_CONSUMER;
    default: return v1::Span::SPAN_KIND_UNSPECIFIED;
  }
}

void emit(OtlpAssembler& out, std::string_view service, ForeignSpan& span,
          const EndpointTags& local, const EndpointTags& remote) {
  append_endpoint(local, false, &span.tags);
  append_endpoint(remote, true, &span.tags);
  out.use_service(service);
  out.add(span);
}

}  // namespace zipkin_detail

using namespace zipkin_detail;

static Status zipkin_json_to_otlp_into(std::string_view body, ExportTraceServiceRequest* out) {
  // One parser per thread: it keeps its buffers between requests. The string views taken
  // from it stay valid until this thread parses again, which is after this call.
  thread_local simdjson::dom::parser parser;
  element doc;
  if (parser.parse(body.data(), body.size(), true).get(doc) != simdjson::SUCCESS) {
    return Status::invalid_argument("zipkin v2 spans: body is not valid JSON");
  }
  if (!doc.is_array()) return Status::invalid_argument("zipkin v2 spans: body must be a JSON array");
  OtlpAssembler assembler(out);
  size_t i = 0;
  // value_unsafe() returns a reference into the temporary result: copy before iterating.
  const simdjson::dom::array spans = doc.get_array().value_unsafe();
  for (element el : spans) {
    ForeignSpan span;
    std::string_view service;
    EndpointTags local, remote;
    Status st = json_span(el, &span, &service, &local, &remote);
    if (!st.is_ok()) return prefixed(st, "zipkin span " + std::to_string(i) + ": ");
    emit(assembler, service, span, local, remote);
    ++i;
  }
  return Status::ok();
}

Status zipkin_json_to_otlp(std::string_view body, ExportTraceServiceRequest* out) {
  return build_in_place(out, [&] { return zipkin_json_to_otlp_into(body, out); });
}

static Status zipkin_proto_to_otlp_into(std::string_view body, ExportTraceServiceRequest* out) {
  zipkin::proto3::ListOfSpans list;
  if (!list.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Status::invalid_argument("zipkin v2 spans: body is not a valid zipkin.proto3.ListOfSpans");
  }
  OtlpAssembler assembler(out);
  for (int i = 0; i < list.spans_size(); ++i) {
    const auto& s = list.spans(i);
    ForeignSpan span;
    Status st = padded_id(s.trace_id(), 16, "trace_id", &span.trace_id);
    if (st.is_ok()) st = padded_id(s.id(), 8, "id", &span.span_id);
    if (st.is_ok() && s.parent_id().find_first_not_of('\0') != std::string::npos) {
      st = padded_id(s.parent_id(), 8, "parent_id", &span.parent_span_id);
    }
    if (!st.is_ok()) return prefixed(st, "zipkin span " + std::to_string(i) + ": ");
    span.name = s.name();
    span.kind = proto_kind(s.kind());
    st = set_times_from_micros(s.timestamp(), s.duration(), &span);
    if (!st.is_ok()) return prefixed(st, "zipkin span " + std::to_string(i) + ": ");
    for (const auto& [k, v] : s.tags()) span.tags.push_back(ForeignTag::string(k, v));
    for (const auto& a : s.annotations()) {
      ForeignEvent e;
      st = micros_to_nanos(a.timestamp(), "annotations.timestamp", &e.time_unix_nano);
      if (!st.is_ok()) return prefixed(st, "zipkin span " + std::to_string(i) + ": ");
      e.name = a.value();
      span.events.push_back(std::move(e));
    }
    EndpointTags local, remote;
    proto_endpoint(s.local_endpoint(), &local);
    proto_endpoint(s.remote_endpoint(), &remote);
    emit(assembler, local.service, span, local, remote);
  }
  return Status::ok();
}

Status zipkin_proto_to_otlp(std::string_view body, ExportTraceServiceRequest* out) {
  return build_in_place(out, [&] { return zipkin_proto_to_otlp_into(body, out); });
}

}  // namespace tempo::model
