// TraceQL metrics over live data, the WAL and backend blocks.
//
// The sources and jobs are search's (collect_sources: live data, then a job per block or share
// of a large block). Each job scans its source with the query's columns and row-group filter
// and counts into its own partial; a finished job's partial is merged into the query's under a
// lock. Partials merge exactly (tempo/traceql/metrics.h), so the answer does not depend on how
// the data was split or in which order jobs finished.

#include "tempo/traceql/metrics.h"

#include <mutex>

#include "querier/job_pool.h"
#include "querier/job_result.h"
#include "tempo/observability/log.h"
#include "tempo/querier/querier.h"
#include "tempo/traceql/parser.h"

namespace tempo::querier {
namespace {
// Returned by a row-group callback to end a scan once the query stops; never reaches a caller.
const Status kStopped = Status::resource_exhausted("metrics query stopped");
}  // namespace

Status Querier::metrics_query(std::string_view tenant, const MetricsQueryRequest& req,
                              MetricsQueryResult* out, const MetricsProgress* progress) {
  traceql::RootExpr root;
  TEMPO_RETURN_IF_ERROR(traceql::parse(req.query, &root));
  traceql::MetricsRequest mr;
  mr.start_ns = req.start_ns;
  mr.end_ns = req.end_ns;
  mr.step_ns = req.instant ? req.end_ns - req.start_ns : req.step_ns;
  mr.instant = req.instant;
  mr.exemplars = req.instant ? 0 : req.exemplars;  // instant queries carry none, as in Tempo
  if (mr.end_ns <= mr.start_ns) return Status::invalid_argument("end must be greater than start");
  if (mr.step_ns == 0) return Status::invalid_argument("step must be greater than 0");
  traceql::align(&mr);
  std::unique_ptr<traceql::MetricsQuery> q;
  TEMPO_RETURN_IF_ERROR(traceql::MetricsQuery::compile(std::move(root), mr, &q));
  out->request = mr;

  std::vector<std::shared_ptr<columnar::SpanSource>> sources;
  TEMPO_RETURN_IF_ERROR(collect_sources(tenant, mr.start_ns, mr.end_ns, &sources, &out->metrics));

  std::mutex mu;
  traceql::MetricsPartial merged;
  bool changed = false;  // since the last progress snapshot
  std::atomic<bool> stop{false}, too_large{false};
  const uint64_t intervals = static_cast<uint64_t>(traceql::IntervalMapper(mr).count());
  Status first_error;
  const auto started = std::chrono::steady_clock::now();
  auto job = [&](size_t i) {
    columnar::ScanStats stats;
    traceql::MetricsPartial part;
    Status s = sources[i]->scan(
        q->columns(), [&](const columnar::RowGroupStats& rs) { return q->may_match(rs); },
        [&](const columnar::RowGroup& g) -> Status {
          if (timed_out(started)) {
            stop = true;
            return timeout_status();
          }
          if (stop.load()) return kStopped;
          q->observe(g, &part);
          if (part.series.size() * intervals > max_metrics_cells_) {
            too_large = true;
            stop = true;
            return kStopped;
          }
          return Status::ok();
        },
        &stats);
    std::lock_guard<std::mutex> lock(mu);
    if (!finish_job(stats, s, kStopped, &out->metrics, &first_error, &stop)) return;
    merged.merge(part, *q);
    changed = true;
    if ((too_large || merged.series.size() * intervals > max_metrics_cells_) && !out->partial) {
      out->partial = true;
      out->message = "Response exceeds " + std::to_string(max_metrics_cells_) +
                     " series times intervals, a partial response is returned: use fewer by() "
                     "values, a shorter range or a larger step.";
      stop = true;
    }
    if (req.max_series > 0 && merged.series.size() > req.max_series && !out->partial) {
      // As Tempo's combiner: stop and answer with what there is, marked partial.
      out->partial = true;
      out->message = "Response exceeds maximum series limit of " + std::to_string(req.max_series) +
                     ", a partial response is returned. Warning: the accuracy of each individual "
                     "value is not guaranteed.";
      stop = true;
    }
  };
  auto snapshot = [&](MetricsQueryResult* r) {
    r->series = q->finish(merged);
    if (req.max_series > 0 && r->series.size() > req.max_series) r->series.resize(req.max_series);
    r->metrics = out->metrics;
    r->request = mr;
    r->partial = out->partial;
    r->message = out->message;
  };
  auto send_progress = [&] {
    MetricsQueryResult so_far;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!first_error.is_ok() || !changed) return;
      changed = false;
      snapshot(&so_far);
    }
    Status s = progress->update(so_far);
    std::lock_guard<std::mutex> lock(mu);
    fail_request(std::move(s), &first_error, &stop);
  };
  TEMPO_RETURN_IF_ERROR(
      run_jobs(pool(), sources.size(), stop, job, send_progress, progress, first_error));
  snapshot(out);
  if (progress) TEMPO_RETURN_IF_ERROR(progress->update(*out));
  return Status::ok();
}

}  // namespace tempo::querier
