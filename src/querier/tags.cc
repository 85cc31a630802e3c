// Tag names and tag values for autocomplete. Names come from row-group statistics alone (no
// column is read); values read the one attribute's column of the groups that hold its key.

#include <atomic>
#include <mutex>
#include <set>

#include "tempo/querier/querier.h"
#include "tempo/traceql/engine.h"
#include "tempo/traceql/parser.h"

namespace tempo::querier {

using columnar::AttrOwner;
using columnar::SpanTable;

namespace {

// Bounds what one autocomplete request may collect, whatever the data holds.
constexpr size_t kMaxTagValues = 10000;

bool wants(TagScope asked, TagScope s) { return asked == TagScope::kAll || asked == s; }

}  // namespace

Status Querier::search_tags(std::string_view tenant, const TagsRequest& req, TagsResult* out) {
  std::vector<std::shared_ptr<columnar::SpanSource>> sources;
  SearchMetrics metrics;
  TEMPO_RETURN_IF_ERROR(collect_sources(tenant, req.start_ns, req.end_ns, &sources, &metrics));
  const std::pair<TagScope, AttrOwner> scopes[] = {{TagScope::kResource, AttrOwner::kResource},
                                                   {TagScope::kSpan, AttrOwner::kSpan},
                                                   {TagScope::kEvent, AttrOwner::kEvent},
                                                   {TagScope::kLink, AttrOwner::kLink},
                                                   {TagScope::kInstrumentation, AttrOwner::kScope}};
  std::set<std::string> names[5];
  columnar::ColumnSet none;
  const auto started = std::chrono::steady_clock::now();
  for (auto& src : sources) {
    if (timed_out(started)) return timeout_status();
    columnar::ScanStats stats;
    // The filter sees every group's statistics and declines them all: only names are needed.
    TEMPO_RETURN_IF_ERROR(src->scan(
        none,
        [&](const columnar::RowGroupStats& rs) {
          for (int i = 0; i < 5; ++i) {
            if (!wants(req.scope, scopes[i].first)) continue;
            for (const auto& k : rs.attrs[static_cast<int>(scopes[i].second)]) {
              if (names[i].size() < kMaxTagValues) names[i].insert(k.key);
            }
          }
          return false;
        },
        [](const columnar::RowGroup&) { return Status::ok(); }, &stats));
  }
  for (int i = 0; i < 5; ++i) {
    if (!wants(req.scope, scopes[i].first)) continue;
    std::vector<std::string> v(names[i].begin(), names[i].end());
    if (req.limit && v.size() > req.limit) v.resize(req.limit);
    out->scopes.emplace_back(scopes[i].first, std::move(v));
  }
  // Intrinsics are not stored data: the frontend lists them, as Tempo's does.
  return Status::ok();
}

Status Querier::search_tag_values(std::string_view tenant, const TagValuesRequest& req,
                                  TagValuesResult* out) {
  traceql::Attribute tag;
  TEMPO_RETURN_IF_ERROR(traceql::parse_identifier(req.tag, &tag));

  std::string qtext = req.query.empty() ? "{}" : req.query;
  traceql::RootExpr root;
  TEMPO_RETURN_IF_ERROR(traceql::parse(qtext, &root));
  // Values come from the spans the narrowing query matches; `| select(tag)` makes the engine
  // load the tag's column along with the query's own.
  traceql::Select sel;
  sel.attrs.push_back(tag);
  root.pipeline.elements.emplace_back(std::move(sel));
  std::unique_ptr<traceql::CompiledQuery> q;
  TEMPO_RETURN_IF_ERROR(traceql::CompiledQuery::compile(std::move(root), &q));

  std::vector<std::shared_ptr<columnar::SpanSource>> sources;
  SearchMetrics metrics;
  TEMPO_RETURN_IF_ERROR(collect_sources(tenant, req.start_ns, req.end_ns, &sources, &metrics));
  std::set<TagValue> values;
  const size_t cap = req.limit ? std::min<size_t>(req.limit, kMaxTagValues) : kMaxTagValues;
  const uint64_t limit = max_bytes_per_tag_values_for_ ? max_bytes_per_tag_values_for_(tenant)
                                                       : max_bytes_per_tag_values_;
  const uint64_t max_bytes = limit ? limit : UINT64_MAX;
  uint64_t bytes = 0;
  const auto started = std::chrono::steady_clock::now();
  for (auto& src : sources) {
    if (values.size() >= cap || bytes >= max_bytes) break;
    if (timed_out(started)) return timeout_status();
    columnar::ScanStats stats;
    std::vector<traceql::TraceMatch> matches;
    traceql::AttributeReader reader(tag);
    Status st = src->scan(
        q->columns(), [&](const columnar::RowGroupStats& rs) { return q->may_match(rs); },
        [&](const columnar::RowGroup& g) -> Status {
          const SpanTable& t = g.table;
          matches.clear();
          q->evaluate(g, req.start_ns, req.end_ns, &matches);
          reader.bind(t);
          for (const auto& m : matches) {
            for (const auto& ss : m.spansets) {
              for (uint32_t sp : ss.spans) {
                traceql::Value v = reader.read(sp);
                if (v.is_nil() || v.type == traceql::Value::Type::kArray) continue;
                auto [it, fresh] = values.insert(
                    TagValue{traceql::value_type_name(v), traceql::value_to_string(v)});
                if (fresh) bytes += it->type.size() + it->value.size();
                if (values.size() >= cap || bytes >= max_bytes) {
                  return Status::resource_exhausted("enough");
                }
              }
            }
          }
          return Status::ok();
        },
        &stats);
    if (!st.is_ok() && !st.is(Status::Code::kResourceExhausted) && !st.is(Status::Code::kNotFound)) {
      return st;
    }
  }
  out->values.assign(values.begin(), values.end());
  return Status::ok();
}

}  // namespace tempo::querier
