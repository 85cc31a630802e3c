#include "tempo/model/trace_combine.h"

#include <unordered_map>
#include <unordered_set>

namespace tempo::model {

using opentelemetry::proto::trace::v1::ResourceSpans;
using opentelemetry::proto::trace::v1::ScopeSpans;
using opentelemetry::proto::trace::v1::TracesData;

Status combine_segments(const std::vector<std::string>& pieces, TracesData* out) {
  out->Clear();
  std::unordered_map<std::string, int> resource_index;      // resource key -> index in out
  std::unordered_map<std::string, int> scope_index;         // resource idx + scope key -> index
  std::unordered_set<std::string> seen_spans;
  std::string key;
  TracesData part;
  for (const auto& piece : pieces) {
    part.Clear();
    if (!part.ParseFromString(piece)) return Status::corruption("stored trace data does not parse");
    for (auto& rs : *part.mutable_resource_spans()) {
      key.clear();
      rs.resource().SerializeToString(&key);
      key += '\0';
      key += rs.schema_url();
      auto [rit, rnew] = resource_index.try_emplace(key, out->resource_spans_size());
      ResourceSpans* dst;
      if (rnew) {
        dst = out->add_resource_spans();
        *dst->mutable_resource() = rs.resource();
        dst->set_schema_url(rs.schema_url());
      } else {
        dst = out->mutable_resource_spans(rit->second);
      }
      for (auto& ss : *rs.mutable_scope_spans()) {
        key = std::to_string(rit->second);
        key += '\0';
        std::string scope;
        ss.scope().SerializeToString(&scope);
        key += scope;
        key += '\0';
        key += ss.schema_url();
        auto [sit, snew] = scope_index.try_emplace(key, dst->scope_spans_size());
        ScopeSpans* sdst;
        if (snew) {
          sdst = dst->add_scope_spans();
          *sdst->mutable_scope() = ss.scope();
          sdst->set_schema_url(ss.schema_url());
        } else {
          sdst = dst->mutable_scope_spans(sit->second);
        }
        for (auto& span : *ss.mutable_spans()) {
          if (!seen_spans.insert(span.span_id()).second) continue;
          sdst->add_spans()->Swap(&span);
        }
      }
    }
  }
  // Drop containers left empty because all their spans were duplicates.
  for (int r = out->resource_spans_size() - 1; r >= 0; --r) {
    auto* rs = out->mutable_resource_spans(r);
    for (int s = rs->scope_spans_size() - 1; s >= 0; --s) {
      if (rs->scope_spans(s).spans_size() == 0) rs->mutable_scope_spans()->DeleteSubrange(s, 1);
    }
    if (rs->scope_spans_size() == 0) out->mutable_resource_spans()->DeleteSubrange(r, 1);
  }
  return Status::ok();
}

size_t span_count(const TracesData& trace) {
  size_t n = 0;
  for (const auto& rs : trace.resource_spans())
    for (const auto& ss : rs.scope_spans()) n += static_cast<size_t>(ss.spans_size());
  return n;
}

}  // namespace tempo::model
