#pragma once
// One fake time for the wall and steady clocks of every compactor lease in a test; sleep()
// advances it, so the settle wait of taking a lease costs nothing and expiry is a call away.

#include <chrono>
#include <mutex>
#include <string>

#include "tempo/compactor/lease.h"

namespace tempo::testing {

class FakeLeaseClock final : public compactor::LeaseClock {
 public:
  std::chrono::system_clock::time_point wall() override {
    std::lock_guard<std::mutex> l(mu_);
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            now_ + std::chrono::seconds(1700000000)));
  }
  std::chrono::steady_clock::time_point steady() override {
    std::lock_guard<std::mutex> l(mu_);
    return std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(now_));
  }
  void sleep(std::chrono::nanoseconds d) override { advance(d); }
  void advance(std::chrono::nanoseconds d) {
    std::lock_guard<std::mutex> l(mu_);
    now_ += d;
  }

 private:
  std::mutex mu_;
  std::chrono::nanoseconds now_{std::chrono::hours(1)};
};

// Lease options for tests on a FakeLeaseClock: a 60 s ttl and a short settle wait.
inline compactor::LeaseOptions test_lease_options(const std::string& owner) {
  compactor::LeaseOptions o;
  o.owner = owner;
  o.ttl = std::chrono::seconds(60);
  o.settle = std::chrono::milliseconds(100);
  o.max_clock_skew = std::chrono::seconds(1);
  return o;
}

}  // namespace tempo::testing
