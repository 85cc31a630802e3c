#include "tempo/model/zipkin.h"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>

#include "model/foreign_span.h"
#include "tempo/util/hex.h"
#include "zipkin/proto3/zipkin.pb.h"

namespace tempo::model {
namespace {

using nlohmann::json;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
namespace v1 = opentelemetry::proto::trace::v1;

// A hex ID of at most `bytes` bytes, left-padded with zeros to exactly `bytes` (Zipkin allows
// 64-bit trace IDs; some tracers drop leading zeros). Odd lengths get a leading zero.
Status parse_hex_id(std::string_view text, const std::string& what, size_t bytes, std::string* out) {
  std::string even = text.size() % 2 ? "0" + std::string(text) : std::string(text);
  std::string raw;
  if (!hex::decode(even, &raw)) {
    return Status::invalid_argument(what + " \"" + std::string(text) + "\" is not valid hex");
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

// Endpoint fields become string/int tags; `prefix` is "net.host" or "net.peer".
struct EndpointTags {
  std::string ip;  // owns the text of a binary (protobuf) address
  std::string_view service;
  int64_t port = 0;
};

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

Status json_string(const json& obj, const char* key, std::string_view* out, bool required,
                   const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) return Status::invalid_argument(where + ": " + key + " is required");
    return Status::ok();
  }
  if (!it->is_string()) return Status::invalid_argument(where + ": " + key + " must be a string");
  *out = it->get_ref<const std::string&>();
  return Status::ok();
}

Status json_micros(const json& obj, const char* key, uint64_t* out, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::ok();
  if (it->is_number_unsigned() || it->is_number_integer()) {
    int64_t v = it->get<int64_t>();
    if (v < 0) return Status::invalid_argument(where + ": " + key + " must not be negative");
    *out = static_cast<uint64_t>(v);
  } else if (it->is_number_float()) {
    double v = it->get<double>();
    if (v < 0) return Status::invalid_argument(where + ": " + key + " must not be negative");
    *out = static_cast<uint64_t>(v);
  } else {
    return Status::invalid_argument(where + ": " + key + " must be a number of microseconds");
  }
  return Status::ok();
}

Status json_endpoint(const json& span, const char* key, EndpointTags* ep, const std::string& where) {
  auto it = span.find(key);
  if (it == span.end() || it->is_null()) return Status::ok();
  if (!it->is_object()) return Status::invalid_argument(where + ": " + key + " must be an object");
  const std::string w = where + "." + key;
  TEMPO_RETURN_IF_ERROR(json_string(*it, "serviceName", &ep->service, false, w));
  std::string_view ip;
  TEMPO_RETURN_IF_ERROR(json_string(*it, "ipv4", &ip, false, w));
  if (ip.empty()) TEMPO_RETURN_IF_ERROR(json_string(*it, "ipv6", &ip, false, w));
  ep->ip = std::string(ip);
  if (auto p = it->find("port"); p != it->end() && !p->is_null()) {
    if (!p->is_number_integer()) return Status::invalid_argument(w + ": port must be an integer");
    ep->port = p->get<int64_t>();
  }
  return Status::ok();
}

Status json_span(const json& s, const std::string& where, ForeignSpan* span,
                 std::string_view* service, EndpointTags* local, EndpointTags* remote) {
  if (!s.is_object()) return Status::invalid_argument(where + " must be an object");
  std::string_view text;
  TEMPO_RETURN_IF_ERROR(json_string(s, "traceId", &text, true, where));
  TEMPO_RETURN_IF_ERROR(parse_hex_id(text, where + ": traceId", 16, &span->trace_id));
  TEMPO_RETURN_IF_ERROR(json_string(s, "id", &text, true, where));
  TEMPO_RETURN_IF_ERROR(parse_hex_id(text, where + ": id", 8, &span->span_id));
  text = {};
  TEMPO_RETURN_IF_ERROR(json_string(s, "parentId", &text, false, where));
  // Some tracers send an all-zero parent for a root span.
  if (!text.empty() && text.find_first_not_of('0') != std::string_view::npos) {
    TEMPO_RETURN_IF_ERROR(parse_hex_id(text, where + ": parentId", 8, &span->parent_span_id));
  }
  TEMPO_RETURN_IF_ERROR(json_string(s, "name", &span->name, false, where));
  std::string_view kind;
  TEMPO_RETURN_IF_ERROR(json_string(s, "kind", &kind, false, where));
  span->kind = kind_of(kind);
  uint64_t ts = 0, dur = 0;
  TEMPO_RETURN_IF_ERROR(json_micros(s, "timestamp", &ts, where));
  TEMPO_RETURN_IF_ERROR(json_micros(s, "duration", &dur, where));
  span->start_unix_nano = ts * 1000;
  span->end_unix_nano = (ts + dur) * 1000;

  TEMPO_RETURN_IF_ERROR(json_endpoint(s, "localEndpoint", local, where));
  TEMPO_RETURN_IF_ERROR(json_endpoint(s, "remoteEndpoint", remote, where));
  *service = local->service;

  if (auto it = s.find("tags"); it != s.end() && !it->is_null()) {
    if (!it->is_object()) return Status::invalid_argument(where + ": tags must be an object");
    for (auto kv = it->begin(); kv != it->end(); ++kv) {
      if (!kv.value().is_string()) {
        return Status::invalid_argument(where + ": tag \"" + kv.key() + "\" must be a string");
      }
      span->tags.push_back(ForeignTag::string(kv.key(), kv.value().get_ref<const std::string&>()));
    }
  }
  if (auto it = s.find("annotations"); it != s.end() && !it->is_null()) {
    if (!it->is_array()) return Status::invalid_argument(where + ": annotations must be an array");
    for (const auto& a : *it) {
      if (!a.is_object()) return Status::invalid_argument(where + ": annotation must be an object");
      ForeignEvent e;
      uint64_t at = 0;
      TEMPO_RETURN_IF_ERROR(json_micros(a, "timestamp", &at, where + ".annotations"));
      e.time_unix_nano = at * 1000;
      TEMPO_RETURN_IF_ERROR(json_string(a, "value", &e.name, false, where + ".annotations"));
      span->events.push_back(std::move(e));
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

}  // namespace

Status zipkin_json_to_otlp(std::string_view body, ExportTraceServiceRequest* out) {
  json doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded()) return Status::invalid_argument("zipkin v2 spans: body is not valid JSON");
  if (!doc.is_array()) return Status::invalid_argument("zipkin v2 spans: body must be a JSON array");
  ExportTraceServiceRequest req;
  OtlpAssembler assembler(&req);
  for (size_t i = 0; i < doc.size(); ++i) {
    ForeignSpan span;
    std::string_view service;
    EndpointTags local, remote;
    TEMPO_RETURN_IF_ERROR(json_span(doc[i], "zipkin span " + std::to_string(i), &span, &service,
                                    &local, &remote));
    emit(assembler, service, span, local, remote);
  }
  *out = std::move(req);
  return Status::ok();
}

Status zipkin_proto_to_otlp(std::string_view body, ExportTraceServiceRequest* out) {
  zipkin::proto3::ListOfSpans list;
  if (!list.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Status::invalid_argument("zipkin v2 spans: body is not a valid zipkin.proto3.ListOfSpans");
  }
  ExportTraceServiceRequest req;
  OtlpAssembler assembler(&req);
  for (int i = 0; i < list.spans_size(); ++i) {
    const auto& s = list.spans(i);
    const std::string where = "zipkin span " + std::to_string(i);
    ForeignSpan span;
    TEMPO_RETURN_IF_ERROR(padded_id(s.trace_id(), 16, where + ": trace_id", &span.trace_id));
    TEMPO_RETURN_IF_ERROR(padded_id(s.id(), 8, where + ": id", &span.span_id));
    if (s.parent_id().find_first_not_of('\0') != std::string::npos) {
      TEMPO_RETURN_IF_ERROR(padded_id(s.parent_id(), 8, where + ": parent_id", &span.parent_span_id));
    }
    span.name = s.name();
    span.kind = proto_kind(s.kind());
    span.start_unix_nano = s.timestamp() * 1000;
    span.end_unix_nano = (s.timestamp() + s.duration()) * 1000;
    for (const auto& [k, v] : s.tags()) span.tags.push_back(ForeignTag::string(k, v));
    for (const auto& a : s.annotations()) {
      ForeignEvent e;
      e.time_unix_nano = a.timestamp() * 1000;
      e.name = a.value();
      span.events.push_back(std::move(e));
    }
    EndpointTags local, remote;
    proto_endpoint(s.local_endpoint(), &local);
    proto_endpoint(s.remote_endpoint(), &remote);
    emit(assembler, local.service, span, local, remote);
  }
  *out = std::move(req);
  return Status::ok();
}

}  // namespace tempo::model
