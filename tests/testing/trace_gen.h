#pragma once
// Deterministic synthetic traces for tests and benchmarks, in the shape the search issue
// measures Tempo with: a few services, a couple of hundred span names, 10 spans per trace in a
// tree, 12 span attributes cycling string/int/bool/double, log-uniform durations, and some
// errors. The same seed always gives the same traces.

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "tempo/model/trace_id.h"

namespace tempo::testing {

struct GenOptions {
  uint64_t seed = 1;
  int services = 8;
  int span_names = 200;
  int spans_per_trace = 10;
  int attrs_per_span = 12;
  uint64_t base_time_ns = 1700000000000000000ULL;
};

inline const char* const kServices[] = {"frontend", "checkout", "payment", "auth",
                                        "cart",     "shipping", "email",   "ads"};

// splitmix64: small, good enough, and identical everywhere.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double unit() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }
};

struct GeneratedTrace {
  TraceId id;
  opentelemetry::proto::trace::v1::TracesData data;
};

inline std::string be_bytes(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i) {
    s[i] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
  return s;
}

// Trace number `n` of the sequence for `o`. Span i's parent is span (i-1)/2 (a binary tree);
// every span belongs to service (n + depth) % services, so each trace has several resources.
inline GeneratedTrace generate_trace(const GenOptions& o, uint64_t n) {
  Rng rng{o.seed * 1000003ULL + n};
  GeneratedTrace g;
  uint64_t hi = rng.next(), lo = rng.next();
  std::string tid = be_bytes(hi) + be_bytes(lo);
  ignore_error(TraceId::from_bytes(tid, &g.id), "16 bytes are always a valid trace ID");
  const uint64_t trace_start = o.base_time_ns + n * 1000000ULL;  // 1 ms apart
  std::vector<std::string> span_ids;
  std::vector<uint64_t> starts, ends;
  std::vector<opentelemetry::proto::trace::v1::ScopeSpans*> scope_of_service(o.services, nullptr);
  for (int i = 0; i < o.spans_per_trace; ++i) {
    int depth = 0;
    for (int j = i; j > 0; j = (j - 1) / 2) ++depth;
    int svc = static_cast<int>((n + depth) % o.services);
    if (!scope_of_service[svc]) {
      auto* rs = g.data.add_resource_spans();
      auto* a = rs->mutable_resource()->add_attributes();
      a->set_key("service.name");
      a->mutable_value()->set_string_value(kServices[svc % 8] +
                                           (svc >= 8 ? std::to_string(svc) : std::string()));
      auto* ns = rs->mutable_resource()->add_attributes();
      ns->set_key("k8s.namespace.name");
      ns->mutable_value()->set_string_value(svc % 2 ? "prod" : "staging");
      auto* ss = rs->add_scope_spans();
      ss->mutable_scope()->set_name("tracer");
      ss->mutable_scope()->set_version("1.0");
      scope_of_service[svc] = ss;
    }
    auto* sp = scope_of_service[svc]->add_spans();
    sp->set_trace_id(tid);
    span_ids.push_back(be_bytes(rng.next() | 1));
    sp->set_span_id(span_ids.back());
    if (i > 0) sp->set_parent_span_id(span_ids[(i - 1) / 2]);
    sp->set_name("op-" + std::to_string(rng.next() % o.span_names));
    sp->set_kind(static_cast<opentelemetry::proto::trace::v1::Span::SpanKind>(1 + rng.next() % 5));
    // log-uniform 10 µs .. 10 s
    double lg = std::log(1e4) + rng.unit() * (std::log(1e10) - std::log(1e4));
    uint64_t dur = static_cast<uint64_t>(std::exp(lg));
    uint64_t start = i == 0 ? trace_start : starts[(i - 1) / 2] + (rng.next() % 1000) * 1000;
    starts.push_back(start);
    ends.push_back(start + dur);
    sp->set_start_time_unix_nano(start);
    sp->set_end_time_unix_nano(start + dur);
    if (rng.next() % 20 == 0) {
      sp->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
      sp->mutable_status()->set_message("boom");
    } else if (rng.next() % 4 == 0) {
      sp->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_OK);
    }
    for (int a = 0; a < o.attrs_per_span; ++a) {
      auto* kv = sp->add_attributes();
      auto* v = kv->mutable_value();
      switch (a % 4) {
        case 0:
          kv->set_key("attr.s" + std::to_string(a));
          v->set_string_value("value-" + std::to_string(rng.next() % 1000));
          break;
        case 1:
          kv->set_key("attr.i" + std::to_string(a));
          v->set_int_value(static_cast<int64_t>(rng.next() % 100000));
          break;
        case 2:
          kv->set_key("attr.b" + std::to_string(a));
          v->set_bool_value(rng.next() & 1);
          break;
        default:
          kv->set_key("attr.d" + std::to_string(a));
          v->set_double_value(rng.unit() * 1000.0);
          break;
      }
    }
  }
  return g;
}

}  // namespace tempo::testing
