#pragma once
// What every scan job (search, TraceQL metrics) does when it ends: add its figures to the
// request's metrics and decide whether its findings count.

#include <atomic>

#include "tempo/columnar/fetch.h"
#include "tempo/querier/search.h"
#include "tempo/util/status.h"

namespace tempo::querier {

// Adds `stats` to `metrics` and counts the job as completed. True when its findings are to be
// used: it succeeded, or stopped early on purpose (`stopped_early`, matched by message). A block
// deleted while it was read (kNotFound, compaction or retention) adds nothing and is no failure.
// Any other error becomes *first_error (if none yet) and asks every job to stop. The caller
// holds the lock that guards all three.
inline bool finish_job(const columnar::ScanStats& stats, const Status& s,
                       const Status& stopped_early, SearchMetrics* metrics, Status* first_error,
                       std::atomic<bool>* stop) {
  metrics->inspected_traces += stats.traces_inspected;
  metrics->inspected_spans += stats.spans_inspected;
  metrics->inspected_bytes += stats.bytes_read;
  ++metrics->completed_jobs;
  if (s.is_ok() || s.message() == stopped_early.message()) return true;
  if (s.is(Status::Code::kNotFound)) return false;
  if (first_error->is_ok()) *first_error = s;
  *stop = true;
  return false;
}

// Runs `jobs` jobs on `pool`; with `progress`, `send_progress` is called every
// progress->interval on the thread that owns the request (streamed answers). The first error
// of a job or of sending progress is returned.
template <class Pool, class Job, class Send, class Progress>
Status run_jobs(Pool& pool, size_t jobs, std::atomic<bool>& stop, Job& job, Send& send_progress,
                const Progress* progress, const Status& first_error) {
  if (progress) {
    TEMPO_RETURN_IF_ERROR(pool.run(jobs, stop, job, send_progress, progress->interval));
  } else {
    TEMPO_RETURN_IF_ERROR(pool.run(jobs, stop, job));
  }
  return first_error;
}

// A failure to send progress (the client went away) ends the request like a failed job.
inline void fail_request(Status s, Status* first_error, std::atomic<bool>* stop) {
  if (s.is_ok()) return;
  if (first_error->is_ok()) *first_error = std::move(s);
  *stop = true;
}

}  // namespace tempo::querier
