#pragma once
// The engine tests' fixed dataset: three small traces whose every answer is known.
//
//   A (0a…): frontend "GET /cart" (server, ok, 100ms)
//              ├─ cart "cart.get" (client, 40ms, http.status_code=200)
//              │    └─ db "SELECT" (client, error "timeout", 30ms, db.system="postgres",
//              │         scope lib-db {lib.lang="go"}, event "exception" {exception.message="timeout"})
//              └─ auth "auth.check" (internal, 5ms, user.id=42, ratio=0.5, cached=true,
//                   link to span 0a0a… {reason="retry"})
//   B (0b…): payment "charge" (server, error, 2s) └─ "card.verify" (internal, 1.5s,
//              http.status_code=500, retry=["a","b"])            starts kBase + 10 s
//   C (0c…): email "orphan" (producer, 10ms, parent not in the trace)   starts kBase + 20 s

#include <string>

#include "tempo/columnar/otlp_columns.h"

namespace tempo::engine_testing {

inline constexpr uint64_t kBase = 1700000000000000000ULL;
inline constexpr uint64_t kMs = 1000000ULL;

inline std::string letter_of(const TraceId& id) {
  return std::string(1, static_cast<char>('A' + (id.bytes[0] - 0x0a)));
}

inline std::string sid(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i) {
    s[i] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
  return s;
}

namespace detail {
using opentelemetry::proto::trace::v1::Span;
using opentelemetry::proto::trace::v1::TracesData;

inline opentelemetry::proto::trace::v1::ScopeSpans* scope(TracesData& d, const std::string& svc,
                                                          const std::string& lib = "lib") {
  auto* rs = d.add_resource_spans();
  auto* a = rs->mutable_resource()->add_attributes();
  a->set_key("service.name");
  a->mutable_value()->set_string_value(svc);
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name(lib);
  return ss;
}

inline Span* span(opentelemetry::proto::trace::v1::ScopeSpans* ss, uint64_t id, uint64_t parent,
                  const std::string& name, Span::SpanKind kind, uint64_t start, uint64_t dur) {
  auto* s = ss->add_spans();
  s->set_span_id(sid(id));
  if (parent) s->set_parent_span_id(sid(parent));
  s->set_name(name);
  s->set_kind(kind);
  s->set_start_time_unix_nano(start);
  s->set_end_time_unix_nano(start + dur);
  return s;
}

template <typename M>
opentelemetry::proto::common::v1::AnyValue* attr(M* m, const std::string& k) {
  auto* kv = m->add_attributes();
  kv->set_key(k);
  return kv->mutable_value();
}
}  // namespace detail

// The three traces, as OTLP.
inline std::vector<std::pair<TraceId, opentelemetry::proto::trace::v1::TracesData>> dataset() {
  using namespace detail;
  using S = Span;
  std::vector<std::pair<TraceId, TracesData>> out;
  auto tid = [](uint8_t first) {
    TraceId id;
    id.bytes[0] = first;
    return id;
  };
  {
    TracesData d;
    auto* root = span(scope(d, "frontend"), 0xa000000000000001, 0, "GET /cart", S::SPAN_KIND_SERVER,
                      kBase, 100 * kMs);
    root->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_OK);
    auto* cart = span(scope(d, "cart"), 0xa000000000000002, 0xa000000000000001, "cart.get",
                      S::SPAN_KIND_CLIENT, kBase + 5 * kMs, 40 * kMs);
    attr(cart, "http.status_code")->set_int_value(200);
    auto* dbs = scope(d, "db", "lib-db");
    attr(dbs->mutable_scope(), "lib.lang")->set_string_value("go");
    auto* sel = span(dbs, 0xa000000000000003, 0xa000000000000002, "SELECT", S::SPAN_KIND_CLIENT,
                     kBase + 6 * kMs, 30 * kMs);
    sel->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
    sel->mutable_status()->set_message("timeout");
    attr(sel, "db.system")->set_string_value("postgres");
    auto* ev = sel->add_events();
    ev->set_name("exception");
    ev->set_time_unix_nano(kBase + 20 * kMs);
    attr(ev, "exception.message")->set_string_value("timeout");
    auto* auth = span(scope(d, "auth"), 0xa000000000000004, 0xa000000000000001, "auth.check",
                      S::SPAN_KIND_INTERNAL, kBase + 50 * kMs, 5 * kMs);
    attr(auth, "user.id")->set_int_value(42);
    attr(auth, "ratio")->set_double_value(0.5);
    attr(auth, "cached")->set_bool_value(true);
    auto* ln = auth->add_links();
    ln->set_trace_id(std::string(16, '\x0a'));
    ln->set_span_id(std::string(8, '\x0a'));
    attr(ln, "reason")->set_string_value("retry");
    out.emplace_back(tid(0x0a), std::move(d));
  }
  {
    TracesData d;
    auto* ss = scope(d, "payment");
    const uint64_t b = kBase + 10000 * kMs;
    auto* charge = span(ss, 0xb000000000000001, 0, "charge", S::SPAN_KIND_SERVER, b, 2000 * kMs);
    charge->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
    auto* card = span(ss, 0xb000000000000002, 0xb000000000000001, "card.verify",
                      S::SPAN_KIND_INTERNAL, b + 100 * kMs, 1500 * kMs);
    attr(card, "http.status_code")->set_int_value(500);
    auto* arr = attr(card, "retry")->mutable_array_value();
    arr->add_values()->set_string_value("a");
    arr->add_values()->set_string_value("b");
    out.emplace_back(tid(0x0b), std::move(d));
  }
  {
    TracesData d;
    span(scope(d, "email"), 0xc000000000000001, 0xffffffffffffffff, "orphan",
         S::SPAN_KIND_PRODUCER, kBase + 20000 * kMs, 10 * kMs);
    out.emplace_back(tid(0x0c), std::move(d));
  }
  for (auto& [id, d] : out) {
    for (auto& rs : *d.mutable_resource_spans()) {
      for (auto& ss : *rs.mutable_scope_spans()) {
        for (auto& s : *ss.mutable_spans()) s.set_trace_id(std::string(id.view()));
      }
    }
  }
  return out;
}

inline void build_dataset(columnar::SpanTable* t) {
  columnar::SpanTableBuilder b(t);
  for (const auto& [id, d] : dataset()) b.add_trace(id, d);
  b.finish();
}

}  // namespace tempo::engine_testing
