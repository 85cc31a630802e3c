#include "tempo/model/trace_split.h"

#include <cstring>
#include <unordered_map>


namespace tempo::model {
namespace {

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

size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

size_t field_size(size_t len) { return 1 + varint_size(len) + len; }

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

// The spans of one trace within one ScopeSpans, as serialized span messages.
struct Group {
  size_t segment;  // index into SplitResult::segments
  std::vector<std::string> spans;
  size_t spans_bytes = 0;
};

}  // namespace

void split_by_trace(
    const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& req,
    SplitResult* out) {
  std::unordered_map<TraceId, size_t, TraceIdHash> segment_of;
  std::string resource_bytes, scope_bytes, scope_spans, resource_spans;
  for (const auto& rs : req.resource_spans()) {
    resource_bytes.clear();
    if (rs.has_resource()) rs.resource().SerializeToString(&resource_bytes);
    // ScopeSpans pieces for each segment under this resource, in order.
    std::unordered_map<size_t, std::string> scopes_by_segment;
    std::vector<size_t> segment_order;
    for (const auto& ss : rs.scope_spans()) {
      scope_bytes.clear();
      if (ss.has_scope()) ss.scope().SerializeToString(&scope_bytes);
      std::vector<Group> groups;
      std::unordered_map<size_t, size_t> group_of;  // segment -> index in groups
      for (const auto& span : ss.spans()) {
        if (span.trace_id().size() != 16 || all_zero(span.trace_id())) {
          ++out->spans_rejected;
          if (out->first_error.empty()) {
            out->first_error = "trace ids must be 128 bit, received " +
                               std::to_string(span.trace_id().size() * 8) + " bits";
          }
          continue;
        }
        if (span.span_id().size() != 8 || all_zero(span.span_id())) {
          ++out->spans_rejected;
          if (out->first_error.empty()) {
            out->first_error = "span ids must be 64 bit and not all zero, received " +
                               std::to_string(span.span_id().size() * 8) + " bits";
          }
          continue;
        }
        TraceId id;
        std::memcpy(id.bytes.data(), span.trace_id().data(), 16);
        auto [it, inserted] = segment_of.try_emplace(id, out->segments.size());
        if (inserted) {
          TraceSegment seg;
          seg.id = id;
          seg.start_unix_nano = span.start_time_unix_nano();
          seg.end_unix_nano = span.end_time_unix_nano();
          out->segments.push_back(std::move(seg));
        }
        TraceSegment& seg = out->segments[it->second];
        if (span.start_time_unix_nano() < seg.start_unix_nano) seg.start_unix_nano = span.start_time_unix_nano();
        if (span.end_time_unix_nano() > seg.end_unix_nano) seg.end_unix_nano = span.end_time_unix_nano();
        seg.spans++;
        ++out->spans_accepted;
        auto [git, ginserted] = group_of.try_emplace(it->second, groups.size());
        if (ginserted) groups.push_back(Group{it->second, {}, 0});
        Group& g = groups[git->second];
        g.spans.emplace_back();
        span.SerializeToString(&g.spans.back());
        g.spans_bytes += field_size(g.spans.back().size());
      }
      for (auto& g : groups) {
        scope_spans.clear();
        size_t len = (ss.has_scope() ? field_size(scope_bytes.size()) : 0) + g.spans_bytes +
                     (ss.schema_url().empty() ? 0 : field_size(ss.schema_url().size()));
        scope_spans.reserve(len);
        if (ss.has_scope()) put_field(scope_spans, kScopeSpansScope, scope_bytes);
        for (const auto& sp : g.spans) put_field(scope_spans, kScopeSpansSpans, sp);
        if (!ss.schema_url().empty()) put_field(scope_spans, kScopeSpansSchemaUrl, ss.schema_url());
        auto [sit, sinserted] = scopes_by_segment.try_emplace(g.segment);
        if (sinserted) segment_order.push_back(g.segment);
        put_field(sit->second, kResourceSpansScopeSpans, scope_spans);
      }
    }
    for (size_t seg_index : segment_order) {
      const std::string& scopes = scopes_by_segment[seg_index];
      resource_spans.clear();
      if (rs.has_resource()) put_field(resource_spans, kResourceSpansResource, resource_bytes);
      resource_spans.append(scopes);
      if (!rs.schema_url().empty()) put_field(resource_spans, kResourceSpansSchemaUrl, rs.schema_url());
      put_field(out->segments[seg_index].bytes, kTracesDataResourceSpans, resource_spans);
    }
  }
}

}  // namespace tempo::model
