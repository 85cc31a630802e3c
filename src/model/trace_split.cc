#include "tempo/model/trace_split.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "model/otlp_wire.h"

namespace tempo::model {
namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::trace::v1::ScopeSpans;
using opentelemetry::proto::trace::v1::Span;

// Protobuf wire tags of the fields assembled by hand below.
constexpr uint8_t kTracesDataResourceSpans = (1 << 3) | 2;  // TracesData.resource_spans
constexpr uint8_t kResourceSpansResource = (1 << 3) | 2;    // ResourceSpans.resource
constexpr uint8_t kResourceSpansScopeSpans = (2 << 3) | 2;  // ResourceSpans.scope_spans
constexpr uint8_t kResourceSpansSchemaUrl = (3 << 3) | 2;   // ResourceSpans.schema_url
constexpr uint8_t kScopeSpansScope = (1 << 3) | 2;          // ScopeSpans.scope
constexpr uint8_t kScopeSpansSpans = (2 << 3) | 2;          // ScopeSpans.spans
constexpr uint8_t kScopeSpansSchemaUrl = (3 << 3) | 2;      // ScopeSpans.schema_url

void put_varint(std::string& s, uint64_t v) {
  while (v >= 0x80) {
    s.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  s.push_back(static_cast<char>(v));
}

using otlp_wire::field_size;
using otlp_wire::varint_size;

void put_field(std::string& s, uint8_t tag, std::string_view bytes) {
  s.push_back(static_cast<char>(tag));
  put_varint(s, bytes.size());
  s.append(bytes);
}

bool all_zero(const std::string& s) {
  for (char c : s)
    if (c) return false;
  return true;
}

// The spans of one trace within one ScopeSpans: slices of the scope's serialized-span buffer.
struct Group {
  size_t segment;                                // index into SplitResult::segments
  std::vector<std::pair<size_t, size_t>> spans;  // offset, length in SplitState::span_buf
  size_t field_bytes = 0;                        // encoded size of the spans as fields
};

// The ScopeSpans messages one trace gets under the current resource, already framed as
// ResourceSpans.scope_spans fields.
struct ResourcePiece {
  size_t segment;
  std::string scope_fields;
};

// Buffers reused across the request so the per-span cost is one serialization and appends.
struct SplitState {
  std::unordered_map<TraceId, size_t, TraceIdHash> segment_of;
  std::string resource_bytes, scope_bytes, span_buf, scope_spans, resource_spans;
  std::vector<Group> groups;
  std::unordered_map<size_t, size_t> group_of;  // segment -> index in groups
  std::vector<ResourcePiece> pieces;
  std::unordered_map<size_t, size_t> piece_of;  // segment -> index in pieces
  // Bytes the segments may take in all (kMaxExpansion), and taken so far: every resource and
  // scope is copied once per trace under it, so this is checked before each copy.
  uint64_t budget = 0, used = 0;
  bool over = false;
  bool take(size_t bytes) {
    used += bytes;
    over = over || used > budget;
    return !over;
  }
};

bool validate(const Span& span, SplitResult* out) {
  if (span.trace_id().size() != 16) {
    if (out->first_error.empty()) {
      out->first_error = "trace ids must be 128 bit, received " +
                         std::to_string(span.trace_id().size() * 8) + " bits";
    }
    return false;
  }
  if (all_zero(span.trace_id())) {
    // The OTLP specification makes an all-zero ID invalid; the length is fine, so the
    // message must not be about the length.
    if (out->first_error.empty()) out->first_error = "trace ID is all zeroes";
    return false;
  }
  if (span.span_id().size() != 8 || all_zero(span.span_id())) {
    if (out->first_error.empty()) {
      out->first_error = "span ids must be 64 bit and not all zero, received " +
                         std::to_string(span.span_id().size() * 8) + " bits";
    }
    return false;
  }
  return true;
}

// Returns the index of the segment for `span`'s trace, creating it on first sight.
size_t segment_for(const Span& span, SplitState& st, SplitResult* out) {
  TraceId id;
  std::memcpy(id.bytes.data(), span.trace_id().data(), 16);
  auto [it, inserted] = st.segment_of.try_emplace(id, out->segments.size());
  if (inserted) {
    TraceSegment& seg = out->segments.emplace_back();
    seg.id = id;
    seg.start_unix_nano = span.start_time_unix_nano();
    seg.end_unix_nano = span.end_time_unix_nano();
  }
  TraceSegment& seg = out->segments[it->second];
  seg.start_unix_nano = std::min(seg.start_unix_nano, span.start_time_unix_nano());
  seg.end_unix_nano = std::max(seg.end_unix_nano, span.end_time_unix_nano());
  ++seg.spans;
  return it->second;
}

void split_scope(const ScopeSpans& ss, SplitState& st, SplitResult* out) {
  st.groups.clear();
  st.group_of.clear();
  st.span_buf.clear();
  for (const auto& span : ss.spans()) {
    if (!validate(span, out)) {
      ++out->spans_rejected;
      continue;
    }
    ++out->spans_accepted;
    const size_t segment = segment_for(span, st, out);
    auto [git, inserted] = st.group_of.try_emplace(segment, st.groups.size());
    if (inserted) st.groups.push_back(Group{segment, {}, 0});
    Group& g = st.groups[git->second];
    const size_t offset = st.span_buf.size();
    span.AppendToString(&st.span_buf);
    const size_t len = st.span_buf.size() - offset;
    g.spans.emplace_back(offset, len);
    g.field_bytes += field_size(len);
  }
  if (st.groups.empty()) return;

  st.scope_bytes.clear();
  if (ss.has_scope()) ss.scope().SerializeToString(&st.scope_bytes);
  for (const Group& g : st.groups) {
    const size_t size = (ss.has_scope() ? field_size(st.scope_bytes.size()) : 0) +
                        g.field_bytes +
                        (ss.schema_url().empty() ? 0 : field_size(ss.schema_url().size()));
    if (!st.take(field_size(size))) return;
    st.scope_spans.clear();
    st.scope_spans.reserve(size);
    if (ss.has_scope()) put_field(st.scope_spans, kScopeSpansScope, st.scope_bytes);
    for (auto [offset, len] : g.spans) {
      put_field(st.scope_spans, kScopeSpansSpans,
                std::string_view(st.span_buf).substr(offset, len));
    }
    if (!ss.schema_url().empty()) put_field(st.scope_spans, kScopeSpansSchemaUrl, ss.schema_url());

    auto [pit, inserted] = st.piece_of.try_emplace(g.segment, st.pieces.size());
    if (inserted) st.pieces.push_back(ResourcePiece{g.segment, {}});
    put_field(st.pieces[pit->second].scope_fields, kResourceSpansScopeSpans, st.scope_spans);
  }
}

}  // namespace

Status split_by_trace(const ExportTraceServiceRequest& req, SplitResult* out) {
  SplitState st;
  const uint64_t request_size = req.ByteSizeLong();
  st.budget = kMaxExpansion * request_size + kExpansionSlack;
  for (const auto& rs : req.resource_spans()) {
    st.pieces.clear();
    st.piece_of.clear();
    for (const auto& ss : rs.scope_spans()) {
      split_scope(ss, st, out);
      if (st.over) break;
    }
    if (st.over) break;
    if (st.pieces.empty()) continue;

    st.resource_bytes.clear();
    if (rs.has_resource()) rs.resource().SerializeToString(&st.resource_bytes);
    for (const ResourcePiece& piece : st.pieces) {
      const size_t size = (rs.has_resource() ? field_size(st.resource_bytes.size()) : 0) +
                          piece.scope_fields.size() +
                          (rs.schema_url().empty() ? 0 : field_size(rs.schema_url().size()));
      // The scopes' bytes were taken in split_scope; the resource's copy is taken here.
      if (!st.take(field_size(size) - piece.scope_fields.size())) break;
      st.resource_spans.clear();
      if (rs.has_resource())
        put_field(st.resource_spans, kResourceSpansResource, st.resource_bytes);
      st.resource_spans.append(piece.scope_fields);
      if (!rs.schema_url().empty()) {
        put_field(st.resource_spans, kResourceSpansSchemaUrl, rs.schema_url());
      }
      put_field(out->segments[piece.segment].bytes, kTracesDataResourceSpans, st.resource_spans);
    }
    if (st.over) break;
  }
  if (st.over) {
    *out = SplitResult{};
    return Status::invalid_argument(
        "split by trace the request would take more than " + std::to_string(kMaxExpansion) +
        " times its size (" + std::to_string(request_size) +
        " bytes) plus 16 MiB: too many traces under one large resource or scope");
  }
  return Status::ok();
}

size_t clamp_to_ingestion_time(uint64_t now_unix_nano, uint64_t slack_nano, SplitResult* split) {
  const uint64_t latest = now_unix_nano + slack_nano;
  size_t clamped = 0;
  for (TraceSegment& seg : split->segments) {
    bool changed = false;
    if (seg.start_unix_nano > latest) {
      seg.start_unix_nano = now_unix_nano;
      changed = true;
    }
    if (seg.end_unix_nano > latest || seg.end_unix_nano < seg.start_unix_nano) {
      seg.end_unix_nano = std::max(now_unix_nano, seg.start_unix_nano);
      changed = true;
    }
    clamped += changed;
  }
  return clamped;
}

}  // namespace tempo::model
