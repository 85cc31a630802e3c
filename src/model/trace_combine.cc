#include "tempo/model/trace_combine.h"

namespace tempo::model {

using opentelemetry::proto::trace::v1::ResourceSpans;
using opentelemetry::proto::trace::v1::ScopeSpans;
using opentelemetry::proto::trace::v1::TracesData;

Status TraceCombiner::add_bytes(std::string_view bytes) {
  TracesData part;
  if (!part.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Status::corruption("stored trace data does not parse");
  }
  add(std::move(part));
  return Status::ok();
}

void TraceCombiner::add(TracesData&& part) {
  for (auto& rs : *part.mutable_resource_spans()) {
    key_.clear();
    rs.resource().SerializeToString(&key_);
    key_ += '\0';
    key_ += rs.schema_url();
    auto rit = resource_index_.find(key_);
    // Created on the first scope that keeps a span, so a resource whose spans were all
    // duplicates never appears in the result.
    int resource = rit == resource_index_.end() ? -1 : rit->second;
    for (auto& ss : *rs.mutable_scope_spans()) {
      auto* spans = ss.mutable_spans();
      int kept = 0;
      for (int i = 0; i < spans->size(); ++i) {
        if (!seen_spans_.insert(spans->Get(i).span_id()).second) continue;
        if (kept != i) spans->SwapElements(kept, i);
        ++kept;
      }
      if (kept == 0) continue;
      spans->DeleteSubrange(kept, spans->size() - kept);

      if (resource < 0) {
        resource = out_.resource_spans_size();
        resource_index_.emplace(key_, resource);
        ResourceSpans* created = out_.add_resource_spans();
        if (rs.has_resource()) created->mutable_resource()->Swap(rs.mutable_resource());
        created->set_schema_url(rs.schema_url());
      }
      ResourceSpans* dst = out_.mutable_resource_spans(resource);
      scope_key_ = std::to_string(resource);
      scope_key_ += '\0';
      ss.scope().AppendToString(&scope_key_);
      scope_key_ += '\0';
      scope_key_ += ss.schema_url();
      auto [sit, snew] = scope_index_.try_emplace(scope_key_, dst->scope_spans_size());
      if (snew) {
        dst->add_scope_spans()->Swap(&ss);
      } else {
        auto* sdst = dst->mutable_scope_spans(sit->second)->mutable_spans();
        for (auto& span : *spans) sdst->Add()->Swap(&span);
      }
    }
  }
}

TracesData TraceCombiner::take() {
  TracesData result;
  result.Swap(&out_);
  resource_index_.clear();
  scope_index_.clear();
  seen_spans_.clear();
  return result;
}

Status combine_segments(const std::vector<std::string>& pieces, TracesData* out) {
  TraceCombiner c;
  for (const auto& piece : pieces) TEMPO_RETURN_IF_ERROR(c.add_bytes(piece));
  *out = c.take();
  return Status::ok();
}

Status combine_segments(std::string_view concatenated, TracesData* out) {
  TraceCombiner c;
  TEMPO_RETURN_IF_ERROR(c.add_bytes(concatenated));
  *out = c.take();
  return Status::ok();
}

void combine(std::vector<TracesData>& parts, TracesData* out) {
  TraceCombiner c;
  for (auto& p : parts) c.add(std::move(p));
  *out = c.take();
}

size_t span_count(const TracesData& trace) {
  size_t n = 0;
  for (const auto& rs : trace.resource_spans())
    for (const auto& ss : rs.scope_spans()) n += static_cast<size_t>(ss.spans_size());
  return n;
}

}  // namespace tempo::model
