#pragma once
// A fixed set of threads with a bounded queue. Each kind of work (ingest, queries, admin,
// UDP datagrams) gets its own, so a flood of one kind is refused at the door instead of
// queueing without end in front of the others.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tempo::server {

class BoundedExecutor {
 public:
  // `name` labels the executor's metrics (tempo_executor_*{executor="<name>"}).
  BoundedExecutor(std::string name, size_t threads, size_t max_queued);
  // Stops and joins (see stop()).
  ~BoundedExecutor();
  BoundedExecutor(const BoundedExecutor&) = delete;
  BoundedExecutor& operator=(const BoundedExecutor&) = delete;

  // Queues `task`, or returns false at once (and counts the refusal) when `max_queued` tasks
  // are already waiting or the executor is stopped. A task must not throw.
  bool try_post(std::function<void()> task);

  // Refuses new tasks, runs those already queued and joins the threads. Blocks while a task
  // runs: the app bounds the whole shutdown with server.graceful_shutdown_timeout.
  void stop();

  const std::string& name() const { return name_; }
  size_t queued() const;

 private:
  void run();

  const std::string name_;
  const size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tempo::server
