#pragma once
// The oracle for SpanTableBuilder::add_trace_bytes (the wire path), shared by its unit tests
// and its fuzz target: protobuf's parser, model::combine_segments and add_trace (the message
// path) must build the same table from the same stored bytes.

#include <sstream>
#include <string>
#include <string_view>

#include "model/otlp_wire.h"
#include "tempo/columnar/otlp_columns.h"
#include "tempo/model/trace_combine.h"

namespace tempo::testing {

// The first column in which `a` and `b` differ, or "" when they are equal (strings compared
// through the pools, which both paths fill in the same order).
inline std::string table_difference(const columnar::SpanTable& a, const columnar::SpanTable& b) {
  std::string diff;
  auto col = [&](const char* name, const auto& x, const auto& y) {
    if (!diff.empty() || x == y) return;
    std::ostringstream o;
    o << name << ": " << x.size() << " rows vs " << y.size();
    for (size_t i = 0; i < std::min(x.size(), y.size()); ++i) {
      if (!(x[i] == y[i])) {
        o << ", first difference at row " << i;
        break;
      }
    }
    diff = o.str();
  };
  col("strings", a.strings.strings(), b.strings.strings());
  col("blobs", a.blobs, b.blobs);
  col("traces.id", a.traces.id, b.traces.id);
  col("traces.resource_offsets", a.traces.resource_offsets, b.traces.resource_offsets);
  col("resources.scope_offsets", a.resources.scope_offsets, b.resources.scope_offsets);
  col("resources.schema_url", a.resources.schema_url, b.resources.schema_url);
  col("resources.dropped_attributes", a.resources.dropped_attributes,
      b.resources.dropped_attributes);
  col("scopes.span_offsets", a.scopes.span_offsets, b.scopes.span_offsets);
  col("scopes.name", a.scopes.name, b.scopes.name);
  col("scopes.version", a.scopes.version, b.scopes.version);
  col("scopes.schema_url", a.scopes.schema_url, b.scopes.schema_url);
  col("scopes.dropped_attributes", a.scopes.dropped_attributes, b.scopes.dropped_attributes);
  const auto &s = a.spans, &u = b.spans;
  col("spans.event_offsets", s.event_offsets, u.event_offsets);
  col("spans.link_offsets", s.link_offsets, u.link_offsets);
  col("spans.id", s.id, u.id);
  col("spans.parent_id", s.parent_id, u.parent_id);
  col("spans.name", s.name, u.name);
  col("spans.kind", s.kind, u.kind);
  col("spans.status_code", s.status_code, u.status_code);
  col("spans.status_message", s.status_message, u.status_message);
  col("spans.trace_state", s.trace_state, u.trace_state);
  col("spans.flags", s.flags, u.flags);
  col("spans.start", s.start, u.start);
  col("spans.duration", s.duration, u.duration);
  col("spans.dropped_attributes", s.dropped_attributes, u.dropped_attributes);
  col("spans.dropped_events", s.dropped_events, u.dropped_events);
  col("spans.dropped_links", s.dropped_links, u.dropped_links);
  col("events.time", a.events.time, b.events.time);
  col("events.name", a.events.name, b.events.name);
  col("events.dropped_attributes", a.events.dropped_attributes, b.events.dropped_attributes);
  col("links.trace_id", a.links.trace_id, b.links.trace_id);
  col("links.span_id", a.links.span_id, b.links.span_id);
  col("links.trace_state", a.links.trace_state, b.links.trace_state);
  col("links.flags", a.links.flags, b.links.flags);
  col("links.dropped_attributes", a.links.dropped_attributes, b.links.dropped_attributes);
  for (int k = 0; k < columnar::kAttrOwnerCount && diff.empty(); ++k) {
    const auto &x = a.attrs[k], &y = b.attrs[k];
    const std::string p = "attrs[" + std::to_string(k) + "].";
    col((p + "owner").c_str(), x.owner, y.owner);
    col((p + "key").c_str(), x.key, y.key);
    col((p + "type").c_str(), x.type, y.type);
    col((p + "value").c_str(), x.value, y.value);
    col((p + "pos").c_str(), x.pos, y.pos);
  }
  return diff;
}

// Builds one table each way from `before` (traces already in the table, by the message
// path) followed by `stored` as the trace `id`. "" when the wire path took `stored` and
// built the same table, or refused it with kCorruption and left the table as `before`
// built it, when protobuf refuses it too or it holds a group (which the ingest check
// refuses, so no WAL holds one). Otherwise what went wrong. Without `compare_tables` the
// tables are not compared: two encodings of one resource or scope are one to the combiner
// (it compares them re-serialized) and two to the wire path (it compares bytes), so only
// inputs that hold no such pair compare equal; check_span_table_wire_canonical makes such
// bytes from any input.
inline std::string check_span_table_wire(std::string_view stored, std::string_view before = {},
                                         bool compare_tables = true) {
  using opentelemetry::proto::trace::v1::TracesData;
  TraceId id, before_id;
  before_id.bytes.fill(0x01);
  id.bytes.fill(0x02);
  auto start = [&](columnar::SpanTableBuilder& b) {
    if (before.empty()) return;
    TracesData d;
    if (model::combine_segments(before, &d).is_ok()) b.add_trace(before_id, d);
  };
  columnar::SpanTable wire_table, message_table;
  columnar::SpanTableBuilder wb(&wire_table), mb(&message_table);
  start(wb);
  start(mb);
  const Status ws = wb.add_trace_bytes(id, stored);
  TracesData combined;
  const Status ms = model::combine_segments(stored, &combined);
  if (ws.is_ok() && ms.is_ok()) mb.add_trace(id, combined);
  wb.finish();
  mb.finish();
  if (!ws.is_ok()) {
    if (!ws.is(Status::Code::kCorruption)) return "error is not kCorruption: " + ws.to_string();
    model::otlp_wire::Error err;
    if (ms.is_ok() &&
        model::otlp_wire::check_message(model::otlp_wire::Msg::kRequest, stored, 0, &err)) {
      return "protobuf takes it (and it holds no group) but the wire path refused it";
    }
    columnar::SpanTable only_before;
    columnar::SpanTableBuilder ob(&only_before);
    start(ob);
    ob.finish();
    const std::string d = table_difference(wire_table, only_before);
    return d.empty() ? "" : "a refused trace changed the table: " + d;
  }
  if (!ms.is_ok()) return "";  // read here, refused by protobuf (UTF-8, say): nothing to compare
  if (!compare_tables) return "";
  const std::string d = table_difference(wire_table, message_table);
  return d.empty() ? "" : "the wire path built a different table: " + d;
}

// check_span_table_wire on protobuf's own serialization of what `bytes` parse to, where the
// two paths must agree exactly (each resource and scope has one encoding, so both merge the
// same ones). Inputs protobuf rejects, or that hold groups, are not compared. "" when they
// agree.
inline std::string check_span_table_wire_canonical(std::string_view bytes) {
  opentelemetry::proto::trace::v1::TracesData d;
  if (!d.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return "";
  const std::string canonical = d.SerializeAsString();
  model::otlp_wire::Error err;
  if (!model::otlp_wire::check_message(model::otlp_wire::Msg::kRequest, canonical, 0, &err)) {
    return "";
  }
  return check_span_table_wire(canonical);
}

}  // namespace tempo::testing
