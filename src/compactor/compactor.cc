#include "tempo/compactor/compactor.h"

#include <algorithm>
#include <memory>
#include <queue>

#include "compactor/block_trace_stream.h"
#include "tempo/block/block.h"
#include "tempo/observability/log.h"
#include "tempo/observability/metrics.h"
#include "tempo/util/duration.h"

namespace tempo::compactor {
namespace {

using block::BlockMeta;

prometheus::Family<prometheus::Counter>& blocks_total() {
  static auto& f = metrics::counter_family("tempodb_compaction_blocks_total",
                                           "Total number of blocks compacted.");
  return f;
}
prometheus::Family<prometheus::Counter>& objects_combined_total() {
  static auto& f = metrics::counter_family(
      "tempodb_compaction_objects_combined_total",
      "Total number of objects combined during compaction (traces found in several blocks).");
  return f;
}
prometheus::Family<prometheus::Counter>& objects_written_total() {
  static auto& f =
      metrics::counter_family("tempodb_compaction_objects_written_total",
                              "Total number of objects written to backend during compaction.");
  return f;
}
prometheus::Family<prometheus::Counter>& bytes_written_total() {
  static auto& f =
      metrics::counter_family("tempodb_compaction_bytes_written_total",
                              "Total number of bytes written to backend during compaction.");
  return f;
}
prometheus::Family<prometheus::Counter>& errors_total() {
  static auto& f = metrics::counter_family("tempodb_compaction_errors_total",
                                           "Total number of errors occurring during compaction.");
  return f;
}
prometheus::Family<prometheus::Gauge>& outstanding_blocks() {
  static auto& f = metrics::gauge_family(
      "tempodb_compaction_outstanding_blocks",
      "Number of blocks remaining to be compacted before next maintenance cycle.");
  return f;
}

uint64_t now_unix_nano() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

std::string block_ids(const std::vector<BlockMeta>& blocks) {
  std::string out;
  for (const auto& m : blocks) out.append(out.empty() ? "" : ",").append(m.block_id);
  return out;
}

}  // namespace

Compactor::Compactor(backend::Backend& backend, block::BlockList& blocks, CompactorOptions options,
                     PostFn post, Lease* lease)
    : backend_(backend),
      blocks_(blocks),
      options_(std::move(options)),
      post_(std::move(post)),
      lease_(lease) {
  errors_total().Add({});  // exported as 0 from the start, so an alert can watch it
}

void Compactor::start() {
  log::info("compactor started", {{"compaction_cycle", format_duration(options_.cycle)},
                                  {"compaction_window", format_duration(options_.selector.window)},
                                  {"max_compaction_objects", options_.selector.max_objects},
                                  {"max_block_bytes", options_.selector.max_bytes}});
  timer_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    // The first cycle after one compaction_cycle, as Tempo's ticker: a restart does not merge
    // at once what the previous run left.
    cv_.wait_for(lock, options_.cycle, [this] { return stop_requested_; });
    while (!stop_requested_) {
      // One cycle at a time: a cycle still queued or running when the next is due is not
      // doubled up (a long merge must not pile up work on the pool).
      if (!running_.exchange(true)) {
        auto cycle = [this] {
          size_t done = 0;
          (void)run_cycle(&done);  // logged and counted inside
          std::lock_guard<std::mutex> l(mu_);
          running_ = false;
          cv_.notify_all();
        };
        lock.unlock();
        if (!post_) {
          cycle();
        } else if (!post_(cycle)) {
          running_ = false;  // pool full or stopping: try again next cycle
        }
        lock.lock();
      }
      cv_.wait_for(lock, options_.cycle, [this] { return stop_requested_; });
    }
  });
}

void Compactor::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_requested_ && !timer_.joinable()) return;
    stop_requested_ = true;
  }
  stopping_ = true;
  cv_.notify_all();
  if (timer_.joinable()) timer_.join();
  // A cycle on the pool sees stopping_ between traces and ends soon.
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !running_.load(); });
}

Status Compactor::run_cycle(size_t* jobs_done) {
  *jobs_done = 0;
  Status first_error;
  for (const auto& tenant : blocks_.tenants()) {
    auto& gauge = outstanding_blocks().Add({{"tenant", tenant}});
    if (lease_) {
      bool held = false;
      Status s = lease_->try_acquire(tenant, &held);
      if (!s.is_ok()) {
        errors_total().Add({}).Increment();
        log::warn("compactor lease check failed; skipping tenant this cycle",
                  {{"tenant", tenant}, {"err", s.to_string()}});
        if (first_error.is_ok()) first_error = s;
        continue;
      }
      if (!held) {
        // Another process compacts this tenant; its outstanding blocks are its to report.
        gauge.Set(0);
        log::debug("skipping tenant: another process holds its compactor lease",
                   {{"tenant", tenant}});
        continue;
      }
    }
    auto jobs =
        select_jobs(blocks_.metas(tenant), options_.selector, std::chrono::system_clock::now());
    double outstanding = 0;
    for (const auto& j : jobs) outstanding += static_cast<double>(j.size());
    gauge.Set(outstanding);
    for (size_t j = 0; j < jobs.size(); ++j) {
      const auto& job = jobs[j];
      if (stopping()) return Status::ok();
      if (lease_ && j > 0) {
        bool held = false;
        Status s = lease_->renew(tenant, &held);
        if (!s.is_ok() || !held) {
          log::warn("compactor lease lost between jobs; leaving the tenant to its new holder",
                    {{"tenant", tenant}, {"err", s.to_string()}});
          break;
        }
      }
      JobResult r;
      Status s = compact(job, &r);
      if (!s.is_ok()) {
        if (stopping()) return Status::ok();  // abandoned on shutdown, not an error
        if (lease_ && !lease_->held(tenant)) {
          // Not a failure: another process may be compacting these blocks now. Whatever this
          // job wrote is either invisible (no meta.json) or a duplicate readers combine.
          log::warn("compactor lease lost during a job; leaving the tenant to its new holder",
                    {{"tenant", tenant}, {"blocks", block_ids(job)}, {"err", s.to_string()}});
          break;
        }
        errors_total().Add({}).Increment();
        log::error("compaction failed; inputs stay as they are and are retried next cycle",
                   {{"tenant", tenant}, {"blocks", block_ids(job)}, {"err", s.to_string()}});
        // The other jobs go on: one damaged block must not stop every merge.
        if (first_error.is_ok()) first_error = s;
        continue;
      }
      ++*jobs_done;
      outstanding -= static_cast<double>(job.size());
      gauge.Set(outstanding);
    }
  }
  return first_error;
}

bool Compactor::keep_lease(const std::string& tenant) {
  if (!lease_) return true;
  if (lease_->remaining(tenant) > lease_->ttl() / 2) return true;
  bool held = false;
  Status s = lease_->renew(tenant, &held);
  if (!s.is_ok()) {
    log::warn("compactor lease renewal failed", {{"tenant", tenant}, {"err", s.to_string()}});
  }
  return held;
}

Status Compactor::write_output(const std::vector<BlockMeta>& inputs, JobResult* out) {
  // Inputs in block-ID order: the order the querier meets them, so pieces of one trace are
  // combined in the same order as a lookup over the inputs would.
  std::vector<std::unique_ptr<BlockTraceStream>> streams;
  uint32_t level = 0;
  for (const auto& m : inputs) {
    std::shared_ptr<block::BlockReader> reader;
    TEMPO_RETURN_IF_ERROR(blocks_.reader(m, &reader));
    streams.push_back(std::make_unique<BlockTraceStream>(std::move(reader)));
    level = std::max(level, m.compaction_level);
  }
  block::WriterOptions wo = options_.block;
  wo.format = std::string(block::kDefaultFormat);
  wo.compaction_level = level + 1;
  wo.expected_traces = 0;
  for (const auto& m : inputs) wo.expected_traces += m.total_objects;
  const std::string id = block::new_block_id();
  block::BlockWriter writer(backend_, inputs.front().tenant_id, id, wo);

  // Min-heap of (trace ID, input index): equal IDs come out in input order.
  using Head = std::pair<TraceId, size_t>;
  std::priority_queue<Head, std::vector<Head>, std::greater<Head>> heap;
  for (size_t i = 0; i < streams.size(); ++i) {
    bool more = false;
    TEMPO_RETURN_IF_ERROR(streams[i]->next(&more));
    if (more) heap.emplace(streams[i]->id(), i);
  }
  std::string combined;
  std::vector<size_t> advance;  // the inputs holding the trace being written
  const std::string& tenant = inputs.front().tenant_id;
  size_t written = 0;
  while (!heap.empty()) {
    if (stopping()) return Status::unavailable("compactor stopping");
    // A long merge renews the lease as it goes; once lost, the output is abandoned before its
    // meta.json exists, so the new holder never sees a duplicate of it.
    if (++written % 256 == 0 && !keep_lease(tenant)) {
      return Status::unavailable("compactor lease for tenant " + tenant + " lost during merge");
    }
    const TraceId id = heap.top().first;
    uint64_t start = UINT64_MAX, end = 0;
    advance.clear();
    while (!heap.empty() && heap.top().first == id) {
      const size_t i = heap.top().second;
      heap.pop();
      start = std::min(start, streams[i]->meta().start_unix_nano);
      end = std::max(end, streams[i]->meta().end_unix_nano);
      advance.push_back(i);
    }
    if (advance.size() == 1) {
      // Only one input holds it: its rows are copied as they are.
      BlockTraceStream& s = *streams[advance.front()];
      TEMPO_RETURN_IF_ERROR(writer.add_from(id, s.source(), s.row(), start, end));
    } else {
      // Serialized TracesData messages concatenate into one whose resource_spans are the
      // union; the writer combines them and drops repeated spans.
      combined.clear();
      for (size_t i : advance) streams[i]->append_payload(&combined);
      TEMPO_RETURN_IF_ERROR(writer.add(id, combined, start, end));
      ++out->traces_combined;
    }
    out->traces_in += advance.size();
    for (size_t i : advance) {
      bool more = false;
      TEMPO_RETURN_IF_ERROR(streams[i]->next(&more));
      if (more) heap.emplace(streams[i]->id(), i);
    }
  }
  return writer.finish(&out->output);
}

Status Compactor::compact(const std::vector<BlockMeta>& inputs, JobResult* out) {
  if (inputs.empty()) return Status::invalid_argument("compaction needs at least one block");
  for (const auto& m : inputs) {
    if (m.tenant_id != inputs.front().tenant_id) {
      return Status::invalid_argument("compaction inputs span tenants " + inputs.front().tenant_id +
                                      " and " + m.tenant_id);
    }
  }
  std::vector<BlockMeta> sorted = inputs;
  std::sort(sorted.begin(), sorted.end(),
            [](const BlockMeta& a, const BlockMeta& b) { return a.block_id < b.block_id; });
  const std::string& tenant = sorted.front().tenant_id;
  const auto started = std::chrono::steady_clock::now();
  log::info("compacting blocks", {{"tenant", tenant},
                                  {"blocks", block_ids(sorted)},
                                  {"level", sorted.front().compaction_level}});
  *out = JobResult{};
  TEMPO_RETURN_IF_ERROR(write_output(sorted, out));
  const BlockMeta& o = out->output;
  // The output exists from here on; the inputs still do too, and readers combine the two.
  blocks_.add(o);
  const uint64_t when = now_unix_nano();
  for (const auto& m : sorted) {
    // Right before each marker: a process that lost the lease after writing its output must
    // not mark, since the new holder may be merging these inputs with others right now. The
    // output stays; it duplicates traces still in the unmarked inputs, which readers combine
    // (by-ID merges and dedupes spans, search merges by trace ID) and the holder's next
    // compaction of the window merges away.
    if (lease_ && !lease_->held(tenant)) {
      log::warn("compactor lease lost after writing the output; inputs left unmarked",
                {{"tenant", tenant}, {"output", o.block_id}, {"input", m.block_id}});
      return Status::unavailable("compactor lease for tenant " + tenant +
                                 " lost before marking inputs compacted");
    }
    TEMPO_RETURN_IF_ERROR(block::mark_compacted(backend_, m, when));
    blocks_.remove(m.tenant_id, m.block_id);
  }
  const std::string level = std::to_string(o.compaction_level);
  blocks_total().Add({{"level", level}}).Increment(static_cast<double>(sorted.size()));
  objects_combined_total()
      .Add({{"level", level}})
      .Increment(static_cast<double>(out->traces_combined));
  objects_written_total().Add({{"level", level}}).Increment(static_cast<double>(o.total_objects));
  bytes_written_total().Add({{"level", level}}).Increment(static_cast<double>(o.size));
  log::info("compaction complete",
            {{"tenant", tenant},
             {"inputs", sorted.size()},
             {"output", o.block_id},
             {"level", o.compaction_level},
             {"traces_in", out->traces_in},
             {"traces_out", o.total_objects},
             {"traces_combined", out->traces_combined},
             {"bytes", o.size},
             {"elapsed", format_duration(std::chrono::steady_clock::now() - started)}});
  return Status::ok();
}

}  // namespace tempo::compactor
