#include "model/foreign_span.h"

#include <utility>

#include "tempo/util/hex.h"

namespace tempo::model {
namespace {

namespace v1 = opentelemetry::proto::trace::v1;
namespace common = opentelemetry::proto::common::v1;

void set_value(const ForeignTag& tag, common::AnyValue* v) {
  switch (tag.type) {
    case ForeignTag::Type::kString: v->set_string_value(std::string(tag.str)); break;
    case ForeignTag::Type::kBool: v->set_bool_value(tag.b); break;
    case ForeignTag::Type::kInt: v->set_int_value(tag.i); break;
    case ForeignTag::Type::kDouble: v->set_double_value(tag.d); break;
    case ForeignTag::Type::kBytes: v->set_bytes_value(std::string(tag.str)); break;
  }
}

void add_attribute(const ForeignTag& tag,
                   google::protobuf::RepeatedPtrField<common::KeyValue>* attrs) {
  auto* kv = attrs->Add();
  kv->set_key(std::string(tag.key));
  set_value(tag, kv->mutable_value());
}

std::string_view tag_text(const ForeignTag& tag, std::string* scratch) {
  switch (tag.type) {
    case ForeignTag::Type::kString:
    case ForeignTag::Type::kBytes: return tag.str;
    case ForeignTag::Type::kBool: return tag.b ? "true" : "false";
    case ForeignTag::Type::kInt: *scratch = std::to_string(tag.i); return *scratch;
    case ForeignTag::Type::kDouble: *scratch = std::to_string(tag.d); return *scratch;
  }
  return {};
}

int kind_from_tag(std::string_view v) {
  if (v == "client") return v1::Span::SPAN_KIND_CLIENT;
  if (v == "server") return v1::Span::SPAN_KIND_SERVER;
  if (v == "producer") return v1::Span::SPAN_KIND_PRODUCER;
  if (v == "consumer") return v1::Span::SPAN_KIND_CONSUMER;
  if (v == "internal") return v1::Span::SPAN_KIND_INTERNAL;
  return v1::Span::SPAN_KIND_UNSPECIFIED;
}

// What the special tags of one span said; applied once all tags are seen, because an explicit
// otel.status_code wins over the error tag whatever their order.
struct SpecialTags {
  bool otel_status = false;
  int otel_status_code = 0;
  std::string_view otel_status_message;
  bool error = false;
  std::string_view error_message;
};

// True when `tag` carries an OTLP field and must not also become an attribute.
bool consume_special(const ForeignTag& tag, v1::Span* span, SpecialTags* s) {
  std::string scratch;
  const std::string_view k = tag.key;
  if (k == "span.kind") {
    if (span->kind() == v1::Span::SPAN_KIND_UNSPECIFIED) {
      span->set_kind(static_cast<v1::Span::SpanKind>(kind_from_tag(tag_text(tag, &scratch))));
    }
    return true;
  }
  if (k == "otel.status_code") {
    std::string_view v = tag_text(tag, &scratch);
    s->otel_status = true;
    s->otel_status_code = v == "ERROR" || v == "2"  ? v1::Status::STATUS_CODE_ERROR
                          : v == "OK" || v == "1" ? v1::Status::STATUS_CODE_OK
                                                  : v1::Status::STATUS_CODE_UNSET;
    return true;
  }
  if (k == "otel.status_description") {
    if (tag.type == ForeignTag::Type::kString) s->otel_status_message = tag.str;
    return true;
  }
  if (k == "error") {
    // Jaeger sends a bool; Zipkin a string that is the error's description (or "true").
    if (tag.type == ForeignTag::Type::kBool) {
      s->error = tag.b;
    } else if (tag.type == ForeignTag::Type::kString) {
      s->error = tag.str != "false";
      if (tag.str != "true" && tag.str != "false") s->error_message = tag.str;
    } else {
      return false;
    }
    return true;
  }
  if (tag.type != ForeignTag::Type::kString) return false;
  if (k == "otel.scope.name" || k == "otel.library.name") {
    return true;  // the scope was taken from it already
  }
  if (k == "otel.scope.version" || k == "otel.library.version") {
    return true;
  }
  if (k == "w3c.tracestate") {
    span->set_trace_state(std::string(tag.str));
    return true;
  }
  return false;
}

v1::ScopeSpans* scope_for(v1::ResourceSpans* rs, std::string_view name, std::string_view version) {
  for (auto& ss : *rs->mutable_scope_spans()) {
    if (ss.scope().name() == name && ss.scope().version() == version) return &ss;
  }
  auto* ss = rs->add_scope_spans();
  if (!name.empty()) ss->mutable_scope()->set_name(std::string(name));
  if (!version.empty()) ss->mutable_scope()->set_version(std::string(version));
  return ss;
}

}  // namespace

std::string id_bytes(uint64_t id) {
  std::string out(8, '\0');
  hex::u64_bytes(id, out.data());
  return out;
}

Status padded_id(std::string_view raw, size_t bytes, std::string_view what, std::string* out) {
  if (raw.empty() || raw.size() > bytes) {
    return Status::invalid_argument(std::string(what) + " must be 1 to " + std::to_string(bytes) +
                                    " bytes, got " + std::to_string(raw.size()));
  }
  out->assign(bytes - raw.size(), '\0');
  out->append(raw);
  for (char c : raw)
    if (c) return Status::ok();
  return Status::invalid_argument(std::string(what) + " must not be all zeros");
}

void OtlpAssembler::begin_resource(const ForeignResource& resource) {
  resource_ = out_->add_resource_spans();
  auto* attrs = resource_->mutable_resource()->mutable_attributes();
  // OpenTelemetry's name for a service that did not say: Tempo shows it rather than nothing.
  add_attribute(ForeignTag::string("service.name", resource.service_name.empty()
                                                       ? std::string_view("unknown_service")
                                                       : resource.service_name),
                attrs);
  for (const auto& t : resource.tags) add_attribute(t, attrs);
}

void OtlpAssembler::use_service(std::string_view service_name) {
  // Zipkin batches interleave services; keep one resource per service. (Resources live in a
  // RepeatedPtrField, so the pointers stay valid as more are added.)
  auto [it, inserted] = by_service_.try_emplace(std::string(service_name), nullptr);
  if (inserted) {
    begin_resource(ForeignResource{service_name, {}});
    it->second = resource_;
  }
  resource_ = it->second;
}

void OtlpAssembler::add(const ForeignSpan& in) {
  if (!resource_) begin_resource(ForeignResource{});
  // The scope comes from tags; find it first so the span is built in place, in the request's
  // own memory (an arena when the receiver uses one), rather than built and copied.
  std::string_view scope_name, scope_version;
  for (const auto& t : in.tags) {
    if (t.type != ForeignTag::Type::kString) continue;
    if (t.key == "otel.scope.name" || t.key == "otel.library.name") scope_name = t.str;
    if (t.key == "otel.scope.version" || t.key == "otel.library.version") scope_version = t.str;
  }
  v1::Span& span = *scope_for(resource_, scope_name, scope_version)->add_spans();
  span.set_trace_id(in.trace_id);
  span.set_span_id(in.span_id);
  if (!in.parent_span_id.empty()) span.set_parent_span_id(in.parent_span_id);
  span.set_name(in.name.data(), in.name.size());
  span.set_kind(static_cast<v1::Span::SpanKind>(in.kind));
  span.set_start_time_unix_nano(in.start_unix_nano);
  span.set_end_time_unix_nano(in.end_unix_nano);

  SpecialTags special;
  for (const auto& t : in.tags) {
    if (!consume_special(t, &span, &special)) add_attribute(t, span.mutable_attributes());
  }
  if (special.otel_status) {
    span.mutable_status()->set_code(static_cast<v1::Status::StatusCode>(special.otel_status_code));
    if (special.otel_status_code == v1::Status::STATUS_CODE_ERROR) {
      // OpenTelemetry's Zipkin exporter puts the description in the error tag.
      span.mutable_status()->set_message(std::string(special.otel_status_message.empty()
                                                         ? special.error_message
                                                         : special.otel_status_message));
    }
  } else if (special.error) {
    span.mutable_status()->set_code(v1::Status::STATUS_CODE_ERROR);
    span.mutable_status()->set_message(std::string(special.error_message));
  }
  for (const auto& e : in.events) {
    auto* ev = span.add_events();
    ev->set_time_unix_nano(e.time_unix_nano);
    ev->set_name(std::string(e.name));
    for (const auto& t : e.attributes) add_attribute(t, ev->mutable_attributes());
  }
  for (const auto& l : in.links) {
    auto* link = span.add_links();
    link->set_trace_id(l.trace_id);
    link->set_span_id(l.span_id);
  }
}

Status micros_to_nanos(uint64_t micros, std::string_view what, uint64_t* nanos) {
  if (micros > kMaxMicros) {
    return Status::invalid_argument(std::string(what) + " " + std::to_string(micros) +
                                    " is out of range: at most " + std::to_string(kMaxMicros) +
                                    " microseconds since the epoch (year 2262)");
  }
  *nanos = micros * 1000;
  return Status::ok();
}

Status set_times_from_micros(uint64_t timestamp, uint64_t duration, ForeignSpan* span) {
  TEMPO_RETURN_IF_ERROR(micros_to_nanos(timestamp, "timestamp", &span->start_unix_nano));
  if (duration > kMaxMicros - timestamp) {
    return Status::invalid_argument("duration " + std::to_string(duration) +
                                    " is out of range: timestamp + duration is after year 2262");
  }
  span->end_unix_nano = (timestamp + duration) * 1000;
  return Status::ok();
}

}  // namespace tempo::model
