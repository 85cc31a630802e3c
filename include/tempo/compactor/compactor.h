#pragma once
// The compactor (docs/compaction.md): every compaction_cycle, for each tenant, picks jobs of
// blocks with select_jobs and merges each job's blocks into one new block of the next
// compaction level, streaming in trace-ID order (one row group per input in memory). The
// pieces of a trace found in several inputs are combined and repeated spans dropped, as the
// querier combines them on read. Steps, each leaving the backend consistent if the process
// dies after it:
//   1. the output block is written whole (meta.json last: until then it does not exist);
//   2. it is added to the block list;
//   3. each input gets meta.compacted.json and leaves the block list. Its objects stay, so
//      queries that listed it before keep reading it, until retention deletes it once
//      compacted_block_retention has passed.
// A death between 1 and 3 leaves traces in the output and in some inputs; readers combine
// pieces by trace ID (by-ID merges and dedupes spans, search merges results by trace ID), and
// the next compaction of that window merges them.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tempo/backend/backend.h"
#include "tempo/block/block_list.h"
#include "tempo/block/block_writer.h"
#include "tempo/compactor/block_selector.h"

namespace tempo::compactor {

struct CompactorOptions {
  SelectorOptions selector;
  std::chrono::nanoseconds cycle{std::chrono::seconds(30)};  // compaction_cycle
  // Output blocks: bloom settings, row-group size. format and compaction_level are set by
  // the compactor (the current format; the inputs' highest level + 1).
  block::WriterOptions block;
};

// What one job did.
struct JobResult {
  block::BlockMeta output;
  uint64_t traces_in = 0;        // traces read, summed over inputs
  uint64_t traces_combined = 0;  // traces found in more than one input
};

// Runs a task on the bounded worker pool; false when the pool refuses it (full, stopping).
using PostFn = std::function<bool(std::function<void()>)>;

class Compactor {
 public:
  // `backend` and `blocks` must outlive the compactor. Cycles run on `post`'s pool; without
  // one, on the compactor's own timer thread.
  Compactor(backend::Backend& backend, block::BlockList& blocks, CompactorOptions options,
            PostFn post = nullptr);
  ~Compactor() { stop(); }

  // Runs a cycle every options.cycle, the first one cycle from now. stop() waits for a running
  // job to notice (between traces) and returns; the abandoned output never becomes visible.
  void start();
  void stop();

  // One cycle over every tenant on the calling thread; sets the jobs completed. A job that
  // fails is logged and counted, and the others still run; returns the first failure.
  Status run_cycle(size_t* jobs_done);

  // Merges `inputs` (blocks of one tenant, at least one) into one new block and swaps it in
  // (steps 1-3 above).
  Status compact(const std::vector<block::BlockMeta>& inputs, JobResult* out);

 private:
  Status write_output(const std::vector<block::BlockMeta>& inputs, JobResult* out);
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }

  backend::Backend& backend_;
  block::BlockList& blocks_;
  const CompactorOptions options_;
  PostFn post_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> running_{false};  // a cycle is queued or running
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_requested_ = false;
  std::thread timer_;
};

}  // namespace tempo::compactor
