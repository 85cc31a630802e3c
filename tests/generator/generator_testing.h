#pragma once
// Hand-built OTLP requests and a readable view of collected samples for the generator tests.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/generator/series_sink.h"

namespace tempo::generator::testing {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::trace::v1::Span;

inline std::string id(uint8_t fill, size_t n, uint8_t first = 0) {
  std::string s(n, static_cast<char>(fill));
  if (first) s[0] = static_cast<char>(first);
  return s;
}
// 16-byte trace IDs and 8-byte span IDs made of one repeated byte.
inline std::string trace_id(uint8_t b) { return id(b, 16); }
inline std::string span_id(uint8_t b) { return id(b, 8); }

using Attrs = std::vector<std::pair<std::string, std::string>>;

// Appends one span in a resource of its own; returns it for further settings.
inline Span* add_span(ExportTraceServiceRequest* req, const Attrs& resource,
                      const std::string& name, Span::SpanKind kind, uint64_t start_ns,
                      uint64_t end_ns, const std::string& trace, const std::string& span,
                      const std::string& parent = "", const Attrs& attrs = {}) {
  auto* rs = req->add_resource_spans();
  for (const auto& [k, v] : resource) {
    auto* kv = rs->mutable_resource()->add_attributes();
    kv->set_key(k);
    kv->mutable_value()->set_string_value(v);
  }
  auto* s = rs->add_scope_spans()->add_spans();
  s->set_name(name);
  s->set_kind(kind);
  s->set_start_time_unix_nano(start_ns);
  s->set_end_time_unix_nano(end_ns);
  s->set_trace_id(trace);
  s->set_span_id(span);
  s->set_parent_span_id(parent);
  for (const auto& [k, v] : attrs) {
    auto* kv = s->add_attributes();
    kv->set_key(k);
    kv->mutable_value()->set_string_value(v);
  }
  return s;
}

// `name{a="1",b="2"}` with labels in their (sorted) order, __name__ first and
// __metrics_gen_instance left out.
inline std::string series_text(const Sample& s) {
  std::string name, labels;
  for (const auto& l : s.labels) {
    if (l.name == "__name__") {
      name = l.value;
      continue;
    }
    if (l.name == "__metrics_gen_instance") continue;
    if (!labels.empty()) labels += ",";
    labels += l.name + "=\"" + l.value + "\"";
  }
  return name + "{" + labels + "}";
}

// The value of every series at the last timestamp it was collected with.
inline std::map<std::string, double> values(const std::vector<Sample>& samples) {
  std::map<std::string, double> out;
  std::map<std::string, int64_t> ts;
  for (const auto& s : samples) {
    auto key = series_text(s);
    if (!ts.count(key) || s.timestamp_ms >= ts[key]) {
      out[key] = s.value;
      ts[key] = s.timestamp_ms;
    }
  }
  return out;
}

// Only the series whose text starts with `prefix`.
inline std::map<std::string, double> with_prefix(const std::map<std::string, double>& all,
                                                 const std::string& prefix) {
  std::map<std::string, double> out;
  for (const auto& [k, v] : all) {
    if (k.rfind(prefix, 0) == 0) out[k] = v;
  }
  return out;
}

// A sink that keeps every collection's samples per tenant, and counts the collections.
struct CaptureSink : SeriesSink {
  Status append(std::string_view tenant, std::vector<Sample> samples) override {
    std::lock_guard<std::mutex> lock(mu);
    auto& v = by_tenant[std::string(tenant)];
    v.insert(v.end(), samples.begin(), samples.end());
    ++calls;
    return Status::ok();
  }
  std::mutex mu;
  std::map<std::string, std::vector<Sample>> by_tenant;
  int calls = 0;
};

}  // namespace tempo::generator::testing
