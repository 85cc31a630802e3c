#pragma once
// The workers every search shares. A search hands its jobs (one per block or WAL block) to
// the pool and waits; the pool never runs more than `workers` jobs at once, whatever the
// number of concurrent queries, and refuses work beyond `max_queued` waiting jobs with
// kResourceExhausted (HTTP 429) instead of queueing without end.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "tempo/util/status.h"

namespace tempo::querier {

class JobPool {
 public:
  JobPool(size_t workers, size_t max_queued);
  ~JobPool();
  JobPool(const JobPool&) = delete;
  JobPool& operator=(const JobPool&) = delete;

  // Runs job(i) for every i in [0, n) and returns once all have finished. Jobs not yet started
  // when `stop` becomes true are skipped. While it waits, the calling thread calls `tick` (when
  // given) every `tick_every`: how a streaming search sends partial results from the thread
  // that owns the stream. Thread-safe.
  Status run(size_t n, const std::atomic<bool>& stop, const std::function<void(size_t)>& job,
             const std::function<void()>& tick = nullptr,
             std::chrono::milliseconds tick_every = std::chrono::milliseconds(500));

  size_t workers() const { return threads_.size(); }

 private:
  struct Batch;
  void loop();

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::shared_ptr<Batch>, size_t>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tempo::querier
