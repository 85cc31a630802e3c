// SpanTable -> OTLP, for one trace.

#include <algorithm>
#include <cstring>

#include "tempo/columnar/otlp_columns.h"

namespace tempo::columnar {

using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::Span;
using opentelemetry::proto::trace::v1::Status;
using opentelemetry::proto::trace::v1::TracesData;

namespace {

// Attribute rows of the owners in [lo, hi) of one attribute table, as (owner, pos, row)
// sorted for output.
struct AttrRef {
  uint32_t owner;
  uint16_t pos;
  uint32_t row;
};

std::vector<AttrRef> collect(const AttrTable& at, uint32_t lo, uint32_t hi) {
  std::vector<AttrRef> out;
  if (lo >= hi) return out;
  // Owners ascend within each key's run: binary-search each run for [lo, hi) instead of
  // walking every attribute of the table.
  for (const auto& run : at.keys) {
    auto first = at.owner.begin() + run.begin, last = at.owner.begin() + run.end;
    for (auto it = std::lower_bound(first, last, lo); it != last && *it < hi; ++it) {
      auto i = static_cast<uint32_t>(it - at.owner.begin());
      out.push_back({*it, at.pos[i], i});
    }
  }
  std::sort(out.begin(), out.end(), [](const AttrRef& a, const AttrRef& b) {
    return a.owner != b.owner ? a.owner < b.owner : a.pos < b.pos;
  });
  return out;
}

void set_value(const SpanTable& t, const AttrTable& at, uint32_t row, AnyValue* v) {
  const uint64_t raw = at.value[row];
  switch (at.type[row]) {
    case ValueType::kEmpty:
      break;
    case ValueType::kString:
      v->set_string_value(std::string(t.strings.get(static_cast<uint32_t>(raw))));
      break;
    case ValueType::kBool:
      v->set_bool_value(raw != 0);
      break;
    case ValueType::kInt:
      v->set_int_value(static_cast<int64_t>(raw));
      break;
    case ValueType::kDouble: {
      double d;
      std::memcpy(&d, &raw, 8);
      v->set_double_value(d);
      break;
    }
    case ValueType::kArray:
    case ValueType::kKvList:
    case ValueType::kBytes:
      if (raw < t.blobs.size()) v->ParseFromString(t.blobs[raw]);
      break;
  }
}

// Emits the attributes of owner `o` from `refs` (sorted), advancing *cursor.
template <typename Msg>
void emit(const SpanTable& t, const AttrTable& at, const std::vector<AttrRef>& refs,
          size_t* cursor, uint32_t o, Msg* msg) {
  while (*cursor < refs.size() && refs[*cursor].owner < o) ++*cursor;
  while (*cursor < refs.size() && refs[*cursor].owner == o) {
    uint32_t row = refs[*cursor].row;
    KeyValue* kv = msg->add_attributes();
    kv->set_key(std::string(t.strings.get(at.key[row])));
    set_value(t, at, row, kv->mutable_value());
    ++*cursor;
  }
}

}  // namespace

void assemble_trace(const SpanTable& t, uint32_t trace_row, TracesData* out) {
  out->Clear();
  const uint32_t r0 = t.traces.resource_offsets[trace_row];
  const uint32_t r1 = t.traces.resource_offsets[trace_row + 1];
  if (r0 == r1) return;
  const uint32_t c0 = t.resources.scope_offsets[r0], c1 = t.resources.scope_offsets[r1];
  const uint32_t s0 = t.scopes.span_offsets[c0], s1 = t.scopes.span_offsets[c1];
  const auto& sp = t.spans;
  const uint32_t e0 = sp.event_offsets[s0], e1 = sp.event_offsets[s1];
  const uint32_t l0 = sp.link_offsets[s0], l1 = sp.link_offsets[s1];

  const auto& ra = t.attr(AttrOwner::kResource);
  const auto& ca = t.attr(AttrOwner::kScope);
  const auto& sa = t.attr(AttrOwner::kSpan);
  const auto& ea = t.attr(AttrOwner::kEvent);
  const auto& la = t.attr(AttrOwner::kLink);
  auto rrefs = collect(ra, r0, r1), crefs = collect(ca, c0, c1), srefs = collect(sa, s0, s1),
       erefs = collect(ea, e0, e1), lrefs = collect(la, l0, l1);
  size_t rc = 0, cc = 0, sc = 0, ec = 0, lc = 0;
  std::string id;

  for (uint32_t r = r0; r < r1; ++r) {
    auto* rs = out->add_resource_spans();
    rs->set_schema_url(std::string(t.strings.get(t.resources.schema_url[r])));
    auto* res = rs->mutable_resource();
    res->set_dropped_attributes_count(t.resources.dropped_attributes[r]);
    emit(t, ra, rrefs, &rc, r, res);
    for (uint32_t c = t.resources.scope_offsets[r]; c < t.resources.scope_offsets[r + 1]; ++c) {
      auto* ss = rs->add_scope_spans();
      ss->set_schema_url(std::string(t.strings.get(t.scopes.schema_url[c])));
      auto* scope = ss->mutable_scope();
      scope->set_name(std::string(t.strings.get(t.scopes.name[c])));
      scope->set_version(std::string(t.strings.get(t.scopes.version[c])));
      scope->set_dropped_attributes_count(t.scopes.dropped_attributes[c]);
      emit(t, ca, crefs, &cc, c, scope);
      for (uint32_t s = t.scopes.span_offsets[c]; s < t.scopes.span_offsets[c + 1]; ++s) {
        Span* span = ss->add_spans();
        span->set_trace_id(std::string(t.traces.id[trace_row].view()));
        span_id_to_bytes(sp.id[s], &id);
        span->set_span_id(id);
        if (sp.parent_id[s] != 0) {
          span_id_to_bytes(sp.parent_id[s], &id);
          span->set_parent_span_id(id);
        }
        span->set_trace_state(std::string(t.strings.get(sp.trace_state[s])));
        span->set_flags(sp.flags[s]);
        span->set_name(std::string(t.strings.get(sp.name[s])));
        span->set_kind(static_cast<Span::SpanKind>(sp.kind[s]));
        span->set_start_time_unix_nano(sp.start[s]);
        span->set_end_time_unix_nano(sp.start[s] + sp.duration[s]);
        span->set_dropped_attributes_count(sp.dropped_attributes[s]);
        span->set_dropped_events_count(sp.dropped_events[s]);
        span->set_dropped_links_count(sp.dropped_links[s]);
        emit(t, sa, srefs, &sc, s, span);
        if (sp.status_code[s] != 0 || sp.status_message[s] != 0) {
          auto* st = span->mutable_status();
          st->set_code(static_cast<Status::StatusCode>(sp.status_code[s]));
          st->set_message(std::string(t.strings.get(sp.status_message[s])));
        }
        for (uint32_t e = sp.event_offsets[s]; e < sp.event_offsets[s + 1]; ++e) {
          auto* ev = span->add_events();
          ev->set_time_unix_nano(t.events.time[e]);
          ev->set_name(std::string(t.strings.get(t.events.name[e])));
          ev->set_dropped_attributes_count(t.events.dropped_attributes[e]);
          emit(t, ea, erefs, &ec, e, ev);
        }
        for (uint32_t l = sp.link_offsets[s]; l < sp.link_offsets[s + 1]; ++l) {
          auto* ln = span->add_links();
          ln->set_trace_id(std::string(t.links.trace_id[l].view()));
          span_id_to_bytes(t.links.span_id[l], &id);
          ln->set_span_id(id);
          ln->set_trace_state(std::string(t.strings.get(t.links.trace_state[l])));
          ln->set_flags(t.links.flags[l]);
          ln->set_dropped_attributes_count(t.links.dropped_attributes[l]);
          emit(t, la, lrefs, &lc, l, ln);
        }
      }
    }
  }
}

}  // namespace tempo::columnar
