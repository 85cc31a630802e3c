#include "tempo/server/executor.h"

#include "tempo/observability/metrics.h"
#include "tempo/util/thread_name.h"

namespace tempo::server {
namespace {

prometheus::Family<prometheus::Counter>& rejected_family() {
  static auto& f = metrics::counter_family(
      "tempo_executor_rejected_tasks_total",
      "Tasks refused because the executor's queue was full (the request got 429/503).");
  return f;
}

prometheus::Family<prometheus::Gauge>& queued_family() {
  static auto& f = metrics::gauge_family("tempo_executor_queued_tasks",
                                         "Tasks waiting for a thread of the executor.");
  return f;
}

}  // namespace

BoundedExecutor::BoundedExecutor(std::string name, size_t threads, size_t max_queued)
    : name_(std::move(name)), max_queued_(max_queued) {
  rejected_family().Add({{"executor", name_}});
  queued_family().Add({{"executor", name_}});
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

BoundedExecutor::~BoundedExecutor() { stop(); }

bool BoundedExecutor::try_post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_ && queue_.size() < max_queued_) {
      queue_.push_back(std::move(task));
      queued_family().Add({{"executor", name_}}).Set(static_cast<double>(queue_.size()));
      cv_.notify_one();
      return true;
    }
  }
  rejected_family().Add({{"executor", name_}}).Increment();
  return false;
}

size_t BoundedExecutor::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void BoundedExecutor::run() {
  set_thread_name(name_);
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to run
      task = std::move(queue_.front());
      queue_.pop_front();
      queued_family().Add({{"executor", name_}}).Set(static_cast<double>(queue_.size()));
    }
    task();
  }
}

void BoundedExecutor::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (!t.joinable()) continue;
    if (t.get_id() == std::this_thread::get_id()) {
      t.detach();  // a task stopping its own executor; the thread ends when the task returns
    } else {
      t.join();
    }
  }
}

}  // namespace tempo::server
