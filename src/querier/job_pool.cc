#include "querier/job_pool.h"

namespace tempo::querier {

struct JobPool::Batch {
  const std::atomic<bool>* stop;
  const std::function<void(size_t)>* job;
  size_t remaining;
  std::mutex mu;
  std::condition_variable done;
};

JobPool::JobPool(size_t workers, size_t max_queued) : max_queued_(max_queued) {
  if (workers == 0) workers = 1;
  for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { loop(); });
}

JobPool::~JobPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

Status JobPool::run(size_t n, const std::atomic<bool>& stop,
                    const std::function<void(size_t)>& job, const std::function<void()>& tick,
                    std::chrono::milliseconds tick_every) {
  if (n == 0) return Status::ok();
  auto batch = std::make_shared<Batch>();
  batch->stop = &stop;
  batch->job = &job;
  batch->remaining = n;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() + n > max_queued_) {
      return Status::resource_exhausted("too many search jobs queued (" +
                                        std::to_string(queue_.size()) +
                                        "); retry later");
    }
    for (size_t i = 0; i < n; ++i) queue_.emplace_back(batch, i);
  }
  cv_.notify_all();
  std::unique_lock<std::mutex> lock(batch->mu);
  if (!tick) {
    batch->done.wait(lock, [&] { return batch->remaining == 0; });
    return Status::ok();
  }
  while (!batch->done.wait_for(lock, tick_every, [&] { return batch->remaining == 0; })) {
    lock.unlock();  // a worker finishing a job must not wait for the tick
    tick();
    lock.lock();
  }
  return Status::ok();
}

void JobPool::loop() {
  for (;;) {
    std::shared_ptr<Batch> batch;
    size_t index = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping
      batch = std::move(queue_.front().first);
      index = queue_.front().second;
      queue_.pop_front();
    }
    if (!batch->stop->load()) (*batch->job)(index);
    std::lock_guard<std::mutex> lock(batch->mu);
    if (--batch->remaining == 0) batch->done.notify_all();
  }
}

}  // namespace tempo::querier
