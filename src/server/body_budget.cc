#include "tempo/server/body_budget.h"

namespace tempo::server {

bool BodyBudget::try_acquire(uint64_t n) {
  uint64_t cur = in_flight_.load();
  do {
    if (n > limit_ || cur > limit_ - n) return false;
  } while (!in_flight_.compare_exchange_weak(cur, cur + n));
  return true;
}

bool BodyBudget::acquire_within(uint64_t n, std::chrono::milliseconds timeout) {
  if (n > limit_) return false;
  if (try_acquire(n)) return true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock<std::mutex> lock(mu_);
  // Counted before the retry below: a release() after a failed try then sees the waiter and
  // notifies under the lock, which this thread holds until it waits.
  ++waiters_;
  const bool got = released_.wait_until(lock, deadline, [&] { return try_acquire(n); });
  --waiters_;
  return got;
}

void BodyBudget::release(uint64_t n) {
  in_flight_.fetch_sub(n);
  if (waiters_.load() > 0) {
    std::lock_guard<std::mutex> lock(mu_);
    released_.notify_all();
  }
}

}  // namespace tempo::server
