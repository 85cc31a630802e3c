#pragma once
// Builders shared by the model tests.

#include <cstdint>
#include <initializer_list>
#include <string>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/util/hex.h"

namespace tempo::model_testing {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::trace::v1::Span;

// `v` right-aligned in `pad_to` zero bytes.
inline std::string bytes_of(std::initializer_list<int> v, size_t pad_to) {
  std::string s(pad_to - v.size(), '\0');
  for (int b : v) s.push_back(static_cast<char>(b));
  return s;
}

// Appends a span to resource `resource` (created as service "svc<N>" with scope "lib" when
// missing), with span ID `sid` (big-endian), start 1000+sid and end 2000+sid.
inline Span* add_span(ExportTraceServiceRequest& req, int resource, const std::string& tid, int sid,
                      const std::string& name) {
  while (req.resource_spans_size() <= resource) {
    auto* rs = req.add_resource_spans();
    auto* a = rs->mutable_resource()->add_attributes();
    a->set_key("service.name");
    a->mutable_value()->set_string_value("svc" + std::to_string(req.resource_spans_size()));
    rs->add_scope_spans()->mutable_scope()->set_name("lib");
  }
  auto* sp = req.mutable_resource_spans(resource)->mutable_scope_spans(0)->add_spans();
  sp->set_trace_id(tid);
  std::string span_id(8, '\0');
  for (int i = 0; i < 8; ++i) span_id[7 - i] = static_cast<char>((static_cast<uint64_t>(sid) >> (8 * i)) & 0xff);
  sp->set_span_id(span_id);
  sp->set_name(name);
  sp->set_start_time_unix_nano(1000 + sid);
  sp->set_end_time_unix_nano(2000 + sid);
  return sp;
}

// The value of attribute `key`, or nullptr.
inline const opentelemetry::proto::common::v1::AnyValue* find_attr(
    const google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>& attrs,
    const std::string& key) {
  for (const auto& kv : attrs)
    if (kv.key() == key) return &kv.value();
  return nullptr;
}

// Lowercase hex of raw ID bytes, for readable expectations.
inline std::string hex(const std::string& raw) { return tempo::hex::encode(raw); }

}  // namespace tempo::model_testing
