#include "tempo/querier/querier.h"

#include <thread>

#include "querier/job_pool.h"
#include "tempo/model/trace_combine.h"
#include "tempo/observability/log.h"

namespace tempo::querier {

Querier::Querier(ingester::LiveReader& live, block::BlockList& blocks, size_t search_workers,
                 size_t max_queued_jobs)
    : live_(live),
      blocks_(blocks),
      search_workers_(search_workers ? search_workers
                                     : std::max(1u, std::thread::hardware_concurrency())),
      max_queued_jobs_(max_queued_jobs) {}

Querier::~Querier() = default;

JobPool& Querier::pool() {
  std::call_once(pool_once_, [this] {
    pool_ = std::make_unique<JobPool>(search_workers_, max_queued_jobs_);
  });
  return *pool_;
}

Status Querier::find_trace_by_id(std::string_view tenant, const TraceByIdRequest& req,
                                 TraceByIdResult* out) {
  std::vector<std::string> segments;
  uint64_t bytes = 0;
  // The ingester first: a block being flushed is announced to the block list before its WAL
  // is deleted, so looking here first and at the block list second never misses it.
  TEMPO_RETURN_IF_ERROR(live_.find(tenant, req.id, &segments, &bytes));

  const bool ranged = req.start_seconds && req.end_seconds;
  const uint64_t start_ns = ranged ? *req.start_seconds * 1000000000ULL : 0;
  const uint64_t end_ns = ranged ? (*req.end_seconds + 1) * 1000000000ULL : 0;
  for (const auto& meta : blocks_.metas(tenant)) {
    if (ranged && (meta.end_unix_nano < start_ns || meta.start_unix_nano > end_ns)) continue;
    std::shared_ptr<block::BlockReader> reader;
    Status s = blocks_.reader(meta, &reader);
    if (s.is(Status::Code::kNotFound)) continue;  // removed since listed (retention, compaction)
    TEMPO_RETURN_IF_ERROR(s);
    ++out->blocks_searched;
    std::string payload;
    bool found = false;
    auto before = reader->stats().bytes_read;
    TEMPO_RETURN_IF_ERROR(reader->find(req.id, &payload, &found));
    bytes += reader->stats().bytes_read - before;
    if (found) segments.push_back(std::move(payload));
  }
  out->inspected_bytes = bytes;
  if (segments.empty()) return Status::ok();
  TEMPO_RETURN_IF_ERROR(model::combine_segments(segments, &out->trace));
  out->found = out->trace.resource_spans_size() > 0;
  return Status::ok();
}

}  // namespace tempo::querier
