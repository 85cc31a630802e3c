#include "frontend/search_encoding.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <array>
#include <limits>
#include <set>

namespace tempo::frontend {
namespace {

using querier::TagScope;

constexpr std::string_view kRootSpanNotYetReceived = "<root span not yet received>";

// The intrinsics Tempo's frontend always offers for autocomplete
// (search.GetVirtualIntrinsicValues).
constexpr std::array<std::string_view, 25> kVirtualIntrinsics = {
    "duration",
    "name",
    "status",
    "statusMessage",
    "kind",
    "rootServiceName",
    "rootName",
    "traceDuration",
    "event:name",
    "event:timeSinceStart",
    "link:spanID",
    "link:traceID",
    "instrumentation:name",
    "instrumentation:version",
    "trace:id",
    "span:id",
    "span:parentID",
    "span:status",
    "span:statusMessage",
    "span:duration",
    "span:name",
    "span:kind",
    "trace:rootName",
    "trace:rootService",
    "trace:duration",
};

void fill_span_set(const querier::SearchSpanset& in, tempopb::SpanSet* out) {
  for (const auto& s : in.spans) {
    auto* span = out->add_spans();
    span->set_spanid(s.span_id);
    span->set_name(s.name);
    span->set_starttimeunixnano(s.start_unix_nano);
    span->set_durationnanos(s.duration_nanos);
    for (const auto& kv : s.attributes) *span->add_attributes() = kv;
  }
  out->set_matched(in.matched);
  for (const auto& kv : in.attributes) *out->add_attributes() = kv;
}

// Protobuf's JSON printer with default options has Tempo's field names and its omission of
// zero values. Tempo differs only where its combiner made a list non-nil: an empty list still
// prints as []. Every caller sets `metrics`, so the list can go first, as Tempo orders it.
std::string print(const google::protobuf::Message& m, std::string_view list_field,
                  bool list_empty) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  (void)google::protobuf::util::MessageToJsonString(m, &json, options);
  if (list_empty && json.size() >= 2 && json.front() == '{') {
    std::string head = "{\"" + std::string(list_field) + "\":[]";
    json = head + (json.size() > 2 ? "," : "") + json.substr(1);
  }
  return json;
}

bool wanted(TagScope requested, TagScope scope) {
  return requested == TagScope::kAll || requested == scope;
}

}  // namespace

std::string_view scope_name(TagScope scope) {
  switch (scope) {
    case TagScope::kAll:
      return "none";
    case TagScope::kSpan:
      return "span";
    case TagScope::kResource:
      return "resource";
    case TagScope::kEvent:
      return "event";
    case TagScope::kLink:
      return "link";
    case TagScope::kInstrumentation:
      return "instrumentation";
    case TagScope::kIntrinsic:
      return "intrinsic";
  }
  return "none";
}

void to_proto(const querier::SearchResult& result, tempopb::SearchResponse* out) {
  out->Clear();
  for (const auto& t : result.traces) {
    auto* md = out->add_traces();
    std::string hex = t.id.hex();
    size_t nz = hex.find_first_not_of('0');
    md->set_traceid(nz == std::string::npos ? "" : hex.substr(nz));
    md->set_rootservicename(t.root_service_name.empty() ? std::string(kRootSpanNotYetReceived)
                                                        : t.root_service_name);
    md->set_roottracename(t.root_trace_name);
    md->set_starttimeunixnano(t.start_unix_nano);
    md->set_durationms(t.duration_ms);
    for (const auto& ss : t.spansets) fill_span_set(ss, md->add_spansets());
    if (md->spansets_size() > 0) *md->mutable_spanset() = md->spansets(0);
  }
  const auto& m = result.metrics;
  auto* metrics = out->mutable_metrics();
  metrics->set_inspectedtraces(static_cast<uint32_t>(
      std::min<uint64_t>(m.inspected_traces, std::numeric_limits<uint32_t>::max())));
  metrics->set_inspectedbytes(m.inspected_bytes);
  metrics->set_inspectedspans(m.inspected_spans);
  metrics->set_totalblocks(m.total_blocks);
  metrics->set_completedjobs(m.completed_jobs);
  metrics->set_totaljobs(m.total_jobs);
  metrics->set_totalblockbytes(m.total_block_bytes);
}

void to_proto(const querier::TagsResult& result, const TagsParams& params,
              tempopb::SearchTagsResponse* out) {
  out->Clear();
  std::set<std::string> names;
  if (params.request.scope == TagScope::kIntrinsic) {
    names.insert(kVirtualIntrinsics.begin(), kVirtualIntrinsics.end());
  }
  if (params.scope != "trace") {
    for (const auto& [scope, tags] : result.scopes) {
      const bool intrinsic = scope == TagScope::kIntrinsic;
      if (intrinsic != (params.request.scope == TagScope::kIntrinsic)) continue;
      if (!wanted(params.request.scope, scope)) continue;
      names.insert(tags.begin(), tags.end());
    }
  }
  for (const auto& n : names) out->add_tagnames(n);
  out->mutable_metrics();
}

void to_proto(const querier::TagsResult& result, const TagsParams& params,
              tempopb::SearchTagsV2Response* out) {
  out->Clear();
  const bool add_intrinsics =
      params.scope.empty() || params.scope == "none" || params.scope == "intrinsic";
  std::set<std::string> intrinsics;
  if (add_intrinsics) intrinsics.insert(kVirtualIntrinsics.begin(), kVirtualIntrinsics.end());
  bool intrinsic_seen = false;
  if (params.scope != "trace") {
    for (const auto& [scope, tags] : result.scopes) {
      if (!wanted(params.request.scope, scope)) continue;
      if (scope == TagScope::kIntrinsic) {
        intrinsic_seen = true;
        intrinsics.insert(tags.begin(), tags.end());
        if (intrinsics.empty()) continue;
        auto* s = out->add_scopes();
        s->set_name(std::string(scope_name(scope)));
        for (const auto& t : intrinsics) s->add_tags(t);
        continue;
      }
      std::set<std::string> distinct(tags.begin(), tags.end());
      if (distinct.empty()) continue;
      auto* s = out->add_scopes();
      s->set_name(std::string(scope_name(scope)));
      for (const auto& t : distinct) s->add_tags(t);
    }
  }
  if (!intrinsic_seen && !intrinsics.empty()) {
    auto* s = out->add_scopes();
    s->set_name("intrinsic");
    for (const auto& t : intrinsics) s->add_tags(t);
  }
  out->mutable_metrics();
}

void to_proto(const querier::TagValuesResult& result, tempopb::SearchTagValuesResponse* out) {
  out->Clear();
  std::set<std::string> values;
  for (const auto& v : result.values) {
    if (v.type == "string") values.insert(v.value);
  }
  for (const auto& v : values) out->add_tagvalues(v);
  out->mutable_metrics();
}

void to_proto(const querier::TagValuesResult& result, tempopb::SearchTagValuesV2Response* out) {
  out->Clear();
  for (const auto& v : result.values) {
    auto* tv = out->add_tagvalues();
    tv->set_type(v.type);
    tv->set_value(v.value);
  }
  out->mutable_metrics();
}

std::string to_json(const tempopb::SearchResponse& r) {
  return print(r, "traces", r.traces_size() == 0);
}
std::string to_json(const tempopb::SearchTagsResponse& r) {
  return print(r, "tagNames", r.tagnames_size() == 0);
}
std::string to_json(const tempopb::SearchTagsV2Response& r) {
  return print(r, "scopes", r.scopes_size() == 0);
}
std::string to_json(const tempopb::SearchTagValuesResponse& r) {
  return print(r, "tagValues", r.tagvalues_size() == 0);
}
std::string to_json(const tempopb::SearchTagValuesV2Response& r) {
  return print(r, "tagValues", r.tagvalues_size() == 0);
}

}  // namespace tempo::frontend
