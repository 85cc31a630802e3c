#include "tempo/server/body_budget.h"

namespace tempo::server {

bool BodyBudget::try_acquire(uint64_t n) {
  uint64_t cur = in_flight_.load();
  do {
    if (n > limit_ || cur > limit_ - n) return false;
  } while (!in_flight_.compare_exchange_weak(cur, cur + n));
  return true;
}

void BodyBudget::release(uint64_t n) { in_flight_.fetch_sub(n); }

}  // namespace tempo::server
