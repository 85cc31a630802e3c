// TraceQL search, tag names and tag values over live data, the WAL and backend blocks.
//
// A search is split into jobs, one per source (WAL block, or a share of a backend block of
// about query_frontend.search.target_bytes_per_job), newest data first. A few workers run the jobs; each scans its source with the query's columns and
// row-group filter and evaluates the query on every row group it reads. Workers stop taking
// jobs once `limit` traces were found, as Tempo's frontend does.

#include <algorithm>
#include <atomic>
#include <mutex>
#include <unordered_map>

#include "querier/block_part.h"
#include "querier/job_pool.h"
#include "querier/job_result.h"
#include "tempo/observability/log.h"
#include "tempo/querier/querier.h"
#include "tempo/traceql/engine.h"
#include "tempo/traceql/parser.h"
#include "tempo/util/hex.h"

namespace tempo::querier {

using columnar::SpanSource;
using columnar::SpanTable;

namespace {

constexpr const char* kNoRoot = "<root span not yet received>";
// Stop value a row-group callback returns to end a scan early; never reaches a caller.
const Status kEnough = Status::resource_exhausted("enough results");

void set_any(const traceql::Value& v, opentelemetry::proto::common::v1::AnyValue* out) {
  using T = traceql::Value::Type;
  switch (v.type) {
    case T::kString: out->set_string_value(std::string(v.s)); break;
    case T::kInt: out->set_int_value(v.i); break;
    case T::kFloat: out->set_double_value(v.f); break;
    case T::kBool: out->set_bool_value(v.i != 0); break;
    case T::kNil: break;
    case T::kArray: out->ParseFromArray(v.s.data(), static_cast<int>(v.s.size())); break;
    default: out->set_string_value(traceql::value_to_string(v)); break;  // duration, status, kind
  }
}

std::string attr_label(const traceql::Attribute& a) {
  if (a.scope == traceql::AttributeScope::kIntrinsic) return std::string(traceql::intrinsic_name(a.intrinsic));
  return a.name;
}

// Turns the matches of one row group into results (the table goes away after the callback).
void render(const SpanTable& t, const traceql::CompiledQuery& q, const SearchRequest& req,
            const std::vector<traceql::TraceMatch>& matches, std::vector<SearchTrace>* out) {
  std::vector<traceql::AttributeReader> readers;
  for (const auto& a : q.result_attributes()) {
    readers.emplace_back(a);
    readers.back().bind(t);
  }
  for (const auto& m : matches) {
    SearchTrace st;
    st.id = t.traces.id[m.trace_row];
    const uint32_t root = t.traces.root[m.trace_row];
    if (root == columnar::kNoRow) {
      st.root_service_name = kNoRoot;
    } else {
      st.root_service_name = std::string(t.strings.get(t.traces.root_service[m.trace_row]));
      st.root_trace_name = std::string(t.strings.get(t.traces.root_name[m.trace_row]));
    }
    st.start_unix_nano = t.traces.start[m.trace_row];
    st.duration_ms = static_cast<uint32_t>((t.traces.end[m.trace_row] - st.start_unix_nano) / 1000000);
    for (const auto& ss : m.spansets) {
      SearchSpanset out_set;
      out_set.matched = static_cast<uint32_t>(ss.spans.size());
      for (uint32_t s : ss.spans) {
        if (out_set.spans.size() >= req.spans_per_spanset) break;
        SearchSpan sp;
        sp.span_id = hex::encode_u64(t.spans.id[s]);
        sp.name = std::string(t.strings.get(t.spans.name[s]));
        sp.start_unix_nano = t.spans.start[s];
        sp.duration_nanos = columnar::effective_duration(t.spans.duration[s]);
        for (size_t ai = 0; ai < readers.size(); ++ai) {
          const auto& a = q.result_attributes()[ai];
          traceql::Value v = readers[ai].read(s);
          if (v.is_nil()) continue;
          opentelemetry::proto::common::v1::KeyValue kv;
          kv.set_key(attr_label(a));
          set_any(v, kv.mutable_value());
          sp.attributes.push_back(std::move(kv));
        }
        out_set.spans.push_back(std::move(sp));
      }
      for (const auto& [label, v] : ss.by) {
        opentelemetry::proto::common::v1::KeyValue kv;
        kv.set_key(label);
        set_any(v, kv.mutable_value());
        out_set.attributes.push_back(std::move(kv));
      }
      if (ss.scalar) {
        opentelemetry::proto::common::v1::KeyValue kv;
        kv.set_key(ss.scalar_name);
        kv.mutable_value()->set_double_value(*ss.scalar);
        out_set.attributes.push_back(std::move(kv));
      }
      st.spansets.push_back(std::move(out_set));
    }
    out->push_back(std::move(st));
  }
}

// Merges a trace found in several sources (part in the WAL, part in a block).
void merge_into(SearchTrace& dst, SearchTrace&& src) {
  uint64_t end = std::max(dst.start_unix_nano + dst.duration_ms * 1000000ULL,
                          src.start_unix_nano + src.duration_ms * 1000000ULL);
  dst.start_unix_nano = std::min(dst.start_unix_nano, src.start_unix_nano);
  dst.duration_ms = static_cast<uint32_t>((end - dst.start_unix_nano) / 1000000);
  if (dst.root_service_name == kNoRoot && src.root_service_name != kNoRoot) {
    dst.root_service_name = std::move(src.root_service_name);
    dst.root_trace_name = std::move(src.root_trace_name);
  }
  // The same spans found in two places (a retried send both flushed and still in the WAL, or
  // a block read while its WAL block is still listed) are one spanset, not two.
  auto same = [](const SearchSpanset& a, const SearchSpanset& b) {
    if (a.matched != b.matched || a.spans.size() != b.spans.size() ||
        a.attributes.size() != b.attributes.size()) {
      return false;
    }
    for (size_t i = 0; i < a.spans.size(); ++i) {
      if (a.spans[i].span_id != b.spans[i].span_id) return false;
    }
    for (size_t i = 0; i < a.attributes.size(); ++i) {
      if (a.attributes[i].SerializeAsString() != b.attributes[i].SerializeAsString()) return false;
    }
    return true;
  };
  const size_t had = dst.spansets.size();
  for (auto& s : src.spansets) {
    bool dup = false;
    for (size_t i = 0; i < had && !dup; ++i) dup = same(dst.spansets[i], s);
    if (!dup) dst.spansets.push_back(std::move(s));
  }
}

}  // namespace

Status Querier::collect_sources(std::string_view tenant, uint64_t start_ns, uint64_t end_ns,
                                std::vector<std::shared_ptr<SpanSource>>* out,
                                SearchMetrics* metrics) {
  TEMPO_RETURN_IF_ERROR(live_.sources(tenant, out));
  auto metas = blocks_.metas(tenant);
  // Newest first: with a limit, recent traces are found and the search stops sooner.
  std::sort(metas.begin(), metas.end(), [](const auto& a, const auto& b) {
    return a.end_unix_nano > b.end_unix_nano;
  });
  for (const auto& meta : metas) {
    if (start_ns && meta.end_unix_nano < start_ns) continue;
    if (end_ns && meta.start_unix_nano > end_ns) continue;
    std::shared_ptr<block::BlockReader> reader;
    Status s = blocks_.reader(meta, &reader);
    if (s.is(Status::Code::kNotFound)) continue;
    TEMPO_RETURN_IF_ERROR(s);
    ++metrics->total_blocks;
    metrics->total_block_bytes += meta.size;
    const uint32_t parts = parts_for(meta.size, target_bytes_per_job_);
    if (parts == 1) {
      out->push_back(std::move(reader));  // a BlockReader is a SpanSource
      continue;
    }
    for (uint32_t p = 0; p < parts; ++p) {
      out->push_back(std::make_shared<BlockPart>(reader, columnar::ScanPart{p, parts}));
    }
  }
  metrics->total_jobs = static_cast<uint32_t>(out->size());
  return Status::ok();
}

bool Querier::timed_out(std::chrono::steady_clock::time_point started) const {
  return search_timeout_.count() > 0 && std::chrono::steady_clock::now() - started > search_timeout_;
}

Status Querier::timeout_status() const {
  return Status::unavailable(
      "search timed out after " +
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(search_timeout_).count()) +
      "s (querier.search.query_timeout); narrow the time range or the query");
}

Status Querier::search(std::string_view tenant, const SearchRequest& req, SearchResult* out,
                       const SearchProgress* progress) {
  traceql::RootExpr root;
  TEMPO_RETURN_IF_ERROR(traceql::parse(req.query, &root));
  std::unique_ptr<traceql::CompiledQuery> q;
  TEMPO_RETURN_IF_ERROR(traceql::CompiledQuery::compile(std::move(root), &q));

  std::vector<std::shared_ptr<SpanSource>> sources;
  TEMPO_RETURN_IF_ERROR(collect_sources(tenant, req.start_ns, req.end_ns, &sources, &out->metrics));

  std::mutex mu;
  std::vector<SearchTrace> found;
  std::unordered_map<TraceId, size_t, TraceIdHash> index_of;  // trace -> its place in found
  // Places in `found` added or changed since the last progress update.
  std::vector<uint8_t> dirty;
  std::vector<size_t> dirty_list;
  auto mark = [&](size_t i) {
    if (!progress) return;
    if (dirty.size() <= i) dirty.resize(i + 1, 0);
    if (!dirty[i]) {
      dirty[i] = 1;
      dirty_list.push_back(i);
    }
  };
  std::atomic<bool> stop{false};
  Status first_error;
  const auto started = std::chrono::steady_clock::now();
  const size_t limit = req.limit == 0 ? SIZE_MAX : req.limit;
  auto job = [&](size_t i) {
    columnar::ScanStats stats;
    std::vector<traceql::TraceMatch> matches;
    std::vector<SearchTrace> rendered;
    Status s = sources[i]->scan(
        q->columns(), [&](const columnar::RowGroupStats& rs) { return q->may_match(rs); },
        [&](const columnar::RowGroup& g) -> Status {
          const SpanTable& t = g.table;
          if (timed_out(started)) {
            stop = true;
            return timeout_status();
          }
          matches.clear();
          rendered.clear();
          q->evaluate(g, req.start_ns, req.end_ns, &matches);
          if (matches.empty()) return stop.load() ? kEnough : Status::ok();
          {
            // Render no more than could still make the cut: a group can match far more
            // traces than the limit asks for.
            std::lock_guard<std::mutex> lock(mu);
            const size_t room = found.size() >= limit ? 0 : limit - found.size();
            if (room == 0) {
              stop = true;
              return kEnough;
            }
            if (matches.size() > room) matches.resize(room);
          }
          render(t, *q, req, matches, &rendered);
          std::lock_guard<std::mutex> lock(mu);
          for (auto& r : rendered) {
            auto [it, fresh] = index_of.try_emplace(r.id, found.size());
            if (fresh) {
              found.push_back(std::move(r));
            } else {
              merge_into(found[it->second], std::move(r));
            }
            mark(it->second);
          }
          if (found.size() >= limit) {
            stop = true;
            return kEnough;
          }
          return Status::ok();
        },
        &stats);
    std::lock_guard<std::mutex> lock(mu);
    finish_job(stats, s, kEnough, &out->metrics, &first_error, &stop);
  };
  // Copies what changed since the last update under the lock, sends it outside.
  auto send_progress = [&] {
    std::vector<SearchTrace> changed;
    SearchMetrics so_far;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!first_error.is_ok()) return;  // failed or client gone: nothing more to send
      changed.reserve(dirty_list.size());
      for (size_t i : dirty_list) {
        changed.push_back(found[i]);
        dirty[i] = 0;
      }
      dirty_list.clear();
      so_far = out->metrics;
    }
    Status s = progress->update(std::move(changed), so_far);
    std::lock_guard<std::mutex> lock(mu);
    fail_request(std::move(s), &first_error, &stop);
  };
  TEMPO_RETURN_IF_ERROR(
      run_jobs(pool(), sources.size(), stop, job, send_progress, progress, first_error));
  if (progress) {
    send_progress();
    TEMPO_RETURN_IF_ERROR(first_error);
  }
  std::sort(found.begin(), found.end(), [](const SearchTrace& a, const SearchTrace& b) {
    return a.start_unix_nano > b.start_unix_nano;
  });
  if (found.size() > limit) found.resize(limit);
  out->traces = std::move(found);
  return Status::ok();
}

}  // namespace tempo::querier
