#pragma once
// Per-tenant ingestion rate limit (Tempo's overrides ingestion.rate_limit_bytes and
// burst_size_bytes): a token bucket of request bytes per tenant. Over the limit, pushes are
// refused with RESOURCE_EXHAUSTED / HTTP 429 so clients back off instead of the server
// running out of memory.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "tempo/distributor/distributor.h"
#include "tempo/util/status.h"

namespace tempo::distributor {

class RateLimiter {
 public:
  // The same limit for every tenant; rate <= 0 disables the limit.
  RateLimiter(double bytes_per_second, double burst_bytes)
      : rate_(bytes_per_second), burst_(burst_bytes) {}
  // Each tenant's limit asked of `for_tenant` on every admit(), so a changed limit applies at
  // once: a bucket holding more than a lowered burst is cut down to it.
  explicit RateLimiter(std::function<RateLimit(std::string_view)> for_tenant)
      : for_tenant_(std::move(for_tenant)) {}

  // Takes `bytes` from the tenant's bucket, or returns kResourceExhausted with Tempo's
  // RATE_LIMITED message and takes nothing.
  Status admit(std::string_view tenant, uint64_t bytes,
               std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  double rate_ = 0, burst_ = 0;
  std::function<RateLimit(std::string_view)> for_tenant_;
  std::mutex mu_;
  std::map<std::string, Bucket, std::less<>> buckets_;
};

}  // namespace tempo::distributor
