#pragma once
// Finds traces by ID across everything that holds them: the ingester's WAL blocks and the
// blocks in the backend. Pieces found in several places are combined and deduplicated.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "tempo/block/block_list.h"
#include "tempo/columnar/fetch.h"
#include "tempo/ingester/live_reader.h"
#include "tempo/model/trace_id.h"
#include "tempo/querier/metrics.h"
#include "tempo/querier/search.h"

namespace tempo::querier {

class JobPool;

// Partial results of a running search, for streaming: `update` is called on the thread that
// called search(), at most every `interval`, with the traces found or changed since its
// previous call (a changed trace comes whole, to replace the earlier copy by trace ID) and the
// metrics so far; then once more when the search ends, with the rest and the final metrics.
// Every trace of the final result is in some update. A non-ok status from `update` (the
// client went away) stops the search, and search() returns it.
struct SearchProgress {
  std::chrono::milliseconds interval{500};
  std::function<Status(std::vector<SearchTrace> changed, const SearchMetrics& so_far)> update;
};

struct TraceByIdRequest {
  TraceId id;
  // Unix seconds; when both are set, only blocks overlapping [start, end] are read.
  std::optional<uint64_t> start_seconds, end_seconds;
};

struct TraceByIdResult {
  bool found = false;
  opentelemetry::proto::trace::v1::TracesData trace;
  uint64_t inspected_bytes = 0;
  uint32_t blocks_searched = 0;
};

class Querier {
 public:
  // `search_workers` jobs of all searches run at once (0: one per core); at most
  // `max_queued_jobs` wait, beyond which searches get kResourceExhausted.
  Querier(ingester::LiveReader& live, block::BlockList& blocks, size_t search_workers = 0,
          size_t max_queued_jobs = 10000);
  // Searches and tag lookups running longer fail with kUnavailable; zero means no limit.
  void set_search_timeout(std::chrono::nanoseconds t) { search_timeout_ = t; }
  // A backend block larger than this is searched as several jobs over shares of its row
  // groups (0: one job per block).
  void set_target_bytes_per_job(uint64_t bytes) { target_bytes_per_job_ = bytes; }
  static constexpr uint64_t kDefaultTargetBytesPerJob = 8ull << 20;
  // A tag-values lookup stops collecting once its distinct values hold this many bytes, and
  // answers with what it has (0: no limit; the count limit of 10000 values still applies).
  void set_max_bytes_per_tag_values(uint64_t bytes) { max_bytes_per_tag_values_ = bytes; }
  // The same limit per tenant, asked on every lookup (the runtime overrides); when set, the
  // value above is unused.
  void set_max_bytes_per_tag_values_for(std::function<uint64_t(std::string_view tenant)> f) {
    max_bytes_per_tag_values_for_ = std::move(f);
  }
  // A metrics query holds per series one value per interval; past this many (series times
  // intervals, in one job or merged) it stops and answers partial rather than exhausting memory
  // on a high-cardinality by(). 8M cells are about 200 MB per partial result.
  void set_max_metrics_cells(uint64_t cells) { max_metrics_cells_ = cells; }
  static constexpr uint64_t kDefaultMaxMetricsCells = 8ull << 20;
  ~Querier();

  Status find_trace_by_id(std::string_view tenant, const TraceByIdRequest& req,
                          TraceByIdResult* out);

  // TraceQL search over live data, the WAL and blocks. kInvalidArgument (HTTP 400) when the
  // query does not parse or cannot run, with the reason. With `progress`, partial results are
  // handed out while the search runs (see SearchProgress); *out still gets the whole result.
  Status search(std::string_view tenant, const SearchRequest& req, SearchResult* out,
                const SearchProgress* progress = nullptr);
  // TraceQL metrics over live data, the WAL and blocks, split into the same jobs as search.
  // kInvalidArgument when the query or the range cannot run. With `progress`, snapshots are
  // handed out while it runs (see MetricsProgress); *out still gets the whole result.
  Status metrics_query(std::string_view tenant, const MetricsQueryRequest& req,
                       MetricsQueryResult* out, const MetricsProgress* progress = nullptr);
  // Attribute names by scope, for autocomplete.
  Status search_tags(std::string_view tenant, const TagsRequest& req, TagsResult* out);
  // Distinct values of one attribute or intrinsic, optionally among spans matching req.query.
  Status search_tag_values(std::string_view tenant, const TagValuesRequest& req,
                           TagValuesResult* out);

 private:
  // Every source a search over [start_ns, end_ns] must read: live data, then backend blocks
  // newest first. Fills total_blocks/total_block_bytes/total_jobs.
  Status collect_sources(std::string_view tenant, uint64_t start_ns, uint64_t end_ns,
                         std::vector<std::shared_ptr<columnar::SpanSource>>* out,
                         SearchMetrics* metrics);

  JobPool& pool();
  bool timed_out(std::chrono::steady_clock::time_point started) const;
  Status timeout_status() const;

  ingester::LiveReader& live_;
  block::BlockList& blocks_;
  const size_t search_workers_, max_queued_jobs_;
  std::chrono::nanoseconds search_timeout_{0};
  uint64_t target_bytes_per_job_ = kDefaultTargetBytesPerJob;
  uint64_t max_bytes_per_tag_values_ = 1000000;
  std::function<uint64_t(std::string_view)> max_bytes_per_tag_values_for_;
  uint64_t max_metrics_cells_ = kDefaultMaxMetricsCells;
  std::once_flag pool_once_;
  std::unique_ptr<JobPool> pool_;  // started on first search
};

}  // namespace tempo::querier
