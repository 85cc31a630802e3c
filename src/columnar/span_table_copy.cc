// SpanTable -> SpanTable, one trace at a time: SpanTableBuilder::add_trace_from.
//
// Compaction rewrites every trace of its inputs. A trace that only one input holds needs no
// combining, so its rows are copied from the input's table into the output's: no OTLP
// messages assembled, serialized and parsed again. Strings are re-interned into the output's
// pool (through a per-id guess, checked, so a hash lookup is rare); attribute rows are found
// through per-key-run cursors that move forward as the source's traces are copied in order.

#include <algorithm>

#include "tempo/columnar/otlp_columns.h"

namespace tempo::columnar {

void TableCopySource::reset(const SpanTable* table) {
  table_ = table;
  string_guess_.clear();  // sized on first use, by copy_string
  rewind();
}

void TableCopySource::rewind() {
  last_row_ = 0;
  for (int k = 0; k < kAttrOwnerCount; ++k) {
    cursor_[k].clear();
    if (!table_) continue;
    for (const auto& run : table_->attrs[k].keys) cursor_[k].push_back(run.begin);
  }
}

uint32_t SpanTableBuilder::copy_string(TableCopySource& src, uint32_t id) {
  if (id == 0) return 0;
  const SpanTable& s = *src.table_;
  if (id >= src.string_guess_.size()) src.string_guess_.resize(s.strings.size(), kNoRow);
  // The guess may be from an earlier output pool (a group already cut): intern() checks.
  return t_->strings.intern(s.strings.get(id), &src.string_guess_[id]);
}

void SpanTableBuilder::copy_attrs(TableCopySource& src, AttrOwner kind, uint32_t begin,
                                  uint32_t end, uint32_t dest_begin) {
  const SpanTable& s = *src.table_;
  const int k = static_cast<int>(kind);
  const AttrTable& at = s.attrs[k];
  auto& cursors = src.cursor_[k];
  auto& pending = pending_[k];
  for (size_t r = 0; r < at.keys.size(); ++r) {
    const auto& run = at.keys[r];
    uint32_t i = cursors[r];
    // Owners ascend within a run: skip the rows of owners before this trace (there are none
    // when the traces are copied in order), take this trace's, stop at the next trace's.
    while (i < run.end && at.owner[i] < begin) ++i;
    if (i < run.end && at.owner[i] < end) {
      const uint32_t key = copy_string(src, run.key);
      for (; i < run.end && at.owner[i] < end; ++i) {
        PendingAttr a{dest_begin + (at.owner[i] - begin), key, at.type[i], at.value[i], at.pos[i]};
        switch (a.type) {
          case ValueType::kString:
            a.value = copy_string(src, static_cast<uint32_t>(a.value));
            break;
          case ValueType::kArray:
          case ValueType::kKvList:
          case ValueType::kBytes:
            a.value = t_->blobs.size();
            t_->blobs.push_back(at.value[i] < s.blobs.size() ? s.blobs[at.value[i]] : "");
            break;
          default:
            break;
        }
        pending.push_back(a);
      }
    }
    cursors[r] = i;
  }
}

void SpanTableBuilder::add_trace_from(TableCopySource& src, uint32_t row) {
  const SpanTable& s = *src.table_;
  if (row < src.last_row_) src.rewind();  // out of order: cursors start over
  src.last_row_ = row;
  auto& t = *t_;
  const uint32_t r0 = s.traces.resource_offsets[row], r1 = s.traces.resource_offsets[row + 1];
  const uint32_t c0 = s.resources.scope_offsets[r0], c1 = s.resources.scope_offsets[r1];
  const uint32_t p0 = s.scopes.span_offsets[c0], p1 = s.scopes.span_offsets[c1];
  const uint32_t e0 = s.spans.event_offsets[p0], e1 = s.spans.event_offsets[p1];
  const uint32_t l0 = s.spans.link_offsets[p0], l1 = s.spans.link_offsets[p1];
  copy_attrs(src, AttrOwner::kResource, r0, r1, static_cast<uint32_t>(t.resource_count()));
  copy_attrs(src, AttrOwner::kScope, c0, c1, static_cast<uint32_t>(t.scope_count()));
  copy_attrs(src, AttrOwner::kSpan, p0, p1, static_cast<uint32_t>(t.span_count()));
  copy_attrs(src, AttrOwner::kEvent, e0, e1, static_cast<uint32_t>(t.event_count()));
  copy_attrs(src, AttrOwner::kLink, l0, l1, static_cast<uint32_t>(t.link_count()));

  t.traces.id.push_back(s.traces.id[row]);
  for (uint32_t r = r0; r < r1; ++r) {
    t.resources.schema_url.push_back(copy_string(src, s.resources.schema_url[r]));
    t.resources.dropped_attributes.push_back(s.resources.dropped_attributes[r]);
    for (uint32_t c = s.resources.scope_offsets[r]; c < s.resources.scope_offsets[r + 1]; ++c) {
      t.scopes.name.push_back(copy_string(src, s.scopes.name[c]));
      t.scopes.version.push_back(copy_string(src, s.scopes.version[c]));
      t.scopes.schema_url.push_back(copy_string(src, s.scopes.schema_url[c]));
      t.scopes.dropped_attributes.push_back(s.scopes.dropped_attributes[c]);
      for (uint32_t p = s.scopes.span_offsets[c]; p < s.scopes.span_offsets[c + 1]; ++p) {
        const auto& ss = s.spans;
        auto& sp = t.spans;
        sp.id.push_back(ss.id[p]);
        sp.parent_id.push_back(ss.parent_id[p]);
        sp.name.push_back(copy_string(src, ss.name[p]));
        sp.kind.push_back(ss.kind[p]);
        sp.status_code.push_back(ss.status_code[p]);
        sp.status_message.push_back(copy_string(src, ss.status_message[p]));
        sp.trace_state.push_back(copy_string(src, ss.trace_state[p]));
        sp.flags.push_back(ss.flags[p]);
        sp.start.push_back(ss.start[p]);
        sp.duration.push_back(ss.duration[p]);
        sp.dropped_attributes.push_back(ss.dropped_attributes[p]);
        sp.dropped_events.push_back(ss.dropped_events[p]);
        sp.dropped_links.push_back(ss.dropped_links[p]);
        for (uint32_t e = ss.event_offsets[p]; e < ss.event_offsets[p + 1]; ++e) {
          t.events.time.push_back(s.events.time[e]);
          t.events.name.push_back(copy_string(src, s.events.name[e]));
          t.events.dropped_attributes.push_back(s.events.dropped_attributes[e]);
        }
        for (uint32_t l = ss.link_offsets[p]; l < ss.link_offsets[p + 1]; ++l) {
          t.links.trace_id.push_back(s.links.trace_id[l]);
          t.links.span_id.push_back(s.links.span_id[l]);
          t.links.trace_state.push_back(copy_string(src, s.links.trace_state[l]));
          t.links.flags.push_back(s.links.flags[l]);
          t.links.dropped_attributes.push_back(s.links.dropped_attributes[l]);
        }
        sp.event_offsets.push_back(static_cast<uint32_t>(t.events.time.size()));
        sp.link_offsets.push_back(static_cast<uint32_t>(t.links.span_id.size()));
      }
      t.scopes.span_offsets.push_back(static_cast<uint32_t>(t.spans.id.size()));
    }
    t.resources.scope_offsets.push_back(static_cast<uint32_t>(t.scopes.name.size()));
  }
  t.traces.resource_offsets.push_back(static_cast<uint32_t>(t.resources.schema_url.size()));
}

}  // namespace tempo::columnar
