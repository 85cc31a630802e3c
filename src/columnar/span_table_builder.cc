// OTLP -> SpanTable.

#include <algorithm>
#include <cstring>

#include "tempo/columnar/otlp_columns.h"
#include "tempo/util/hex.h"

namespace tempo::columnar {

using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::TracesData;

uint64_t span_id_from_bytes(std::string_view bytes) {
  if (bytes.size() > 8) bytes.remove_prefix(bytes.size() - 8);
  uint64_t v = 0;
  for (unsigned char c : bytes) v = (v << 8) | c;
  return v;
}

void span_id_to_bytes(uint64_t id, std::string* out) {
  out->resize(8);
  hex::u64_bytes(id, out->data());
}

SpanTableBuilder::SpanTableBuilder(SpanTable* out) : t_(out) {
  t_->clear();
  t_->traces.resource_offsets.push_back(0);
  t_->resources.scope_offsets.push_back(0);
  t_->scopes.span_offsets.push_back(0);
  t_->spans.event_offsets.push_back(0);
  t_->spans.link_offsets.push_back(0);
}

size_t SpanTableBuilder::spans() const { return t_->spans.id.size(); }

void SpanTableBuilder::reserve_attrs(const std::array<size_t, kAttrOwnerCount>& rows) {
  for (int k = 0; k < kAttrOwnerCount; ++k) pending_[k].reserve(rows[k]);
}

void SpanTableBuilder::add_attrs(AttrOwner owner_kind, uint32_t owner,
                                 const google::protobuf::RepeatedPtrField<KeyValue>& kvs) {
  auto& pending = pending_[static_cast<int>(owner_kind)];
  uint16_t pos = 0;
  for (const auto& kv : kvs) {
    PendingAttr a{owner, t_->strings.intern(kv.key()), ValueType::kEmpty, 0, pos++};
    const AnyValue& v = kv.value();
    switch (v.value_case()) {
      case AnyValue::kStringValue:
        a.type = ValueType::kString;
        a.value = t_->strings.intern(v.string_value());
        break;
      case AnyValue::kBoolValue:
        a.type = ValueType::kBool;
        a.value = v.bool_value() ? 1 : 0;
        break;
      case AnyValue::kIntValue:
        a.type = ValueType::kInt;
        a.value = static_cast<uint64_t>(v.int_value());
        break;
      case AnyValue::kDoubleValue: {
        a.type = ValueType::kDouble;
        double d = v.double_value();
        std::memcpy(&a.value, &d, 8);
        break;
      }
      case AnyValue::kArrayValue:
      case AnyValue::kKvlistValue:
      case AnyValue::kBytesValue:
        a.type = v.value_case() == AnyValue::kArrayValue    ? ValueType::kArray
                 : v.value_case() == AnyValue::kKvlistValue ? ValueType::kKvList
                                                            : ValueType::kBytes;
        a.value = t_->blobs.size();
        t_->blobs.emplace_back();
        v.SerializeToString(&t_->blobs.back());
        break;
      case AnyValue::VALUE_NOT_SET:
        break;
    }
    pending.push_back(a);
  }
}

void SpanTableBuilder::add_trace(const TraceId& id, const TracesData& data) {
  auto& t = *t_;
  auto& sp = t.spans;
  t.traces.id.push_back(id);
  for (const auto& rs : data.resource_spans()) {
    const auto res = static_cast<uint32_t>(t.resources.schema_url.size());
    t.resources.schema_url.push_back(t.strings.intern(rs.schema_url()));
    t.resources.dropped_attributes.push_back(rs.resource().dropped_attributes_count());
    add_attrs(AttrOwner::kResource, res, rs.resource().attributes());
    for (const auto& ss : rs.scope_spans()) {
      const auto sc = static_cast<uint32_t>(t.scopes.name.size());
      t.scopes.name.push_back(t.strings.intern(ss.scope().name()));
      t.scopes.version.push_back(t.strings.intern(ss.scope().version()));
      t.scopes.schema_url.push_back(t.strings.intern(ss.schema_url()));
      t.scopes.dropped_attributes.push_back(ss.scope().dropped_attributes_count());
      add_attrs(AttrOwner::kScope, sc, ss.scope().attributes());
      for (const auto& s : ss.spans()) {
        const auto row = static_cast<uint32_t>(sp.id.size());
        sp.id.push_back(span_id_from_bytes(s.span_id()));
        sp.parent_id.push_back(s.parent_span_id().empty() ? 0
                                                          : span_id_from_bytes(s.parent_span_id()));
        sp.name.push_back(t.strings.intern(s.name()));
        sp.kind.push_back(static_cast<uint8_t>(s.kind()));
        sp.status_code.push_back(static_cast<uint8_t>(s.status().code()));
        sp.status_message.push_back(t.strings.intern(s.status().message()));
        sp.trace_state.push_back(t.strings.intern(s.trace_state()));
        sp.flags.push_back(s.flags());
        sp.start.push_back(s.start_time_unix_nano());
        // Wrapping: trace by ID gives back the stored end even when it is before the start.
        sp.duration.push_back(s.end_time_unix_nano() - s.start_time_unix_nano());
        sp.dropped_attributes.push_back(s.dropped_attributes_count());
        sp.dropped_events.push_back(s.dropped_events_count());
        sp.dropped_links.push_back(s.dropped_links_count());
        add_attrs(AttrOwner::kSpan, row, s.attributes());
        for (const auto& ev : s.events()) {
          const auto er = static_cast<uint32_t>(t.events.time.size());
          t.events.time.push_back(ev.time_unix_nano());
          t.events.name.push_back(t.strings.intern(ev.name()));
          t.events.dropped_attributes.push_back(ev.dropped_attributes_count());
          add_attrs(AttrOwner::kEvent, er, ev.attributes());
        }
        for (const auto& ln : s.links()) {
          const auto lr = static_cast<uint32_t>(t.links.span_id.size());
          TraceId lid;
          if (!TraceId::from_bytes(ln.trace_id(), &lid).is_ok()) lid = TraceId{};
          t.links.trace_id.push_back(lid);
          t.links.span_id.push_back(span_id_from_bytes(ln.span_id()));
          t.links.trace_state.push_back(t.strings.intern(ln.trace_state()));
          t.links.flags.push_back(ln.flags());
          t.links.dropped_attributes.push_back(ln.dropped_attributes_count());
          add_attrs(AttrOwner::kLink, lr, ln.attributes());
        }
        sp.event_offsets.push_back(static_cast<uint32_t>(t.events.time.size()));
        sp.link_offsets.push_back(static_cast<uint32_t>(t.links.span_id.size()));
      }
      t.scopes.span_offsets.push_back(static_cast<uint32_t>(sp.id.size()));
    }
    t.resources.scope_offsets.push_back(static_cast<uint32_t>(t.scopes.name.size()));
  }
  t.traces.resource_offsets.push_back(static_cast<uint32_t>(t.resources.schema_url.size()));
}

void SpanTableBuilder::finish() {
  // Attribute rows grouped by key (then owner, then position: the order they arrived in),
  // so each key's rows form one run.
  // A counting sort by key id (ids are below the pool's size): stable, linear, and no
  // comparisons; a row group holds tens of thousands of attribute rows over a few keys.
  std::vector<uint32_t> start(t_->strings.size() + 1);
  for (int k = 0; k < kAttrOwnerCount; ++k) {
    auto& pending = pending_[k];
    AttrTable& at = t_->attrs[k];
    at = AttrTable{};
    const size_t n = pending.size();
    std::fill(start.begin(), start.end(), 0);
    for (const auto& a : pending) ++start[a.key + 1];
    for (uint32_t key = 0; key + 1 < start.size(); ++key) {
      if (start[key + 1] != 0) {
        const uint32_t begin = start[key];
        at.keys.push_back({key, begin, begin + start[key + 1]});
      }
      start[key + 1] += start[key];
    }
    at.owner.resize(n);
    at.key.resize(n);
    at.type.resize(n);
    at.value.resize(n);
    at.pos.resize(n);
    for (const auto& a : pending) {
      const uint32_t i = start[a.key]++;
      at.owner[i] = a.owner;
      at.key[i] = a.key;
      at.type[i] = a.type;
      at.value[i] = a.value;
      at.pos[i] = a.pos;
    }
    pending.clear();
    pending.shrink_to_fit();
  }
  t_->derive();
}

}  // namespace tempo::columnar
