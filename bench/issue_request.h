#pragma once
// One OTLP export request of issue #17's shape, load_generator's default (build_template with
// default options): `spans` spans, 10 per trace, 12 attributes per span (string, int, bool,
// double in turn), 8 services each with its own resource. Trace IDs carry `request` in bytes
// 4..7, so requests built with different numbers hold different traces.

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace tempo::bench {

inline std::string issue_request(int spans, uint32_t request = 0) {
  using opentelemetry::proto::trace::v1::Span;
  const int per_trace = 10, attributes = 12, services = 8;
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest req;
  auto add_attr = [](auto* list, const std::string& k, const std::string& v) {
    auto* a = list->Add();
    a->set_key(k);
    a->mutable_value()->set_string_value(v);
  };
  std::vector<opentelemetry::proto::trace::v1::ScopeSpans*> scopes;
  for (int svc = 0; svc < services; ++svc) {
    auto* rs = req.add_resource_spans();
    add_attr(rs->mutable_resource()->mutable_attributes(), "service.name",
             "loadgen-0-svc-" + std::to_string(svc));
    add_attr(rs->mutable_resource()->mutable_attributes(), "host.name", "bench-host");
    auto* ss = rs->add_scope_spans();
    ss->mutable_scope()->set_name("load_generator");
    scopes.push_back(ss);
  }
  const uint64_t now = 1'760'000'000'000'000'000ull;
  for (int i = 0; i < spans; ++i) {
    const int t = i / per_trace;
    std::string tid(16, '\x5c');
    std::memcpy(tid.data(), &t, 4);
    std::memcpy(tid.data() + 4, &request, 4);
    auto* sp = scopes[static_cast<size_t>(t % services)]->add_spans();
    sp->set_trace_id(tid);
    uint64_t sid = 0x1000 + static_cast<uint64_t>(i);
    sp->set_span_id(std::string(reinterpret_cast<const char*>(&sid), 8));
    if (i % per_trace != 0) {
      uint64_t parent = 0x1000 + static_cast<uint64_t>(t * per_trace);
      sp->set_parent_span_id(std::string(reinterpret_cast<const char*>(&parent), 8));
    }
    sp->set_name("operation-" + std::to_string(i % 7));
    sp->set_kind(i % per_trace == 0 ? Span::SPAN_KIND_SERVER : Span::SPAN_KIND_CLIENT);
    sp->set_start_time_unix_nano(now + static_cast<uint64_t>(i) * 1000);
    sp->set_end_time_unix_nano(now + static_cast<uint64_t>(i) * 1000 + 250000);
    for (int a = 0; a < attributes; ++a) {
      const int x = (i * 31 + a) % 100;
      auto* kv = sp->mutable_attributes()->Add();
      kv->set_key("attr." + std::to_string(a));
      switch (a % 4) {
        case 0:
          kv->mutable_value()->set_string_value("value-" + std::to_string(x));
          break;
        case 1:
          kv->mutable_value()->set_int_value(x * 1000);
          break;
        case 2:
          kv->mutable_value()->set_bool_value(x % 2 == 0);
          break;
        default:
          kv->mutable_value()->set_double_value(x * 0.25);
          break;
      }
    }
  }
  return req.SerializeAsString();
}

}  // namespace tempo::bench
