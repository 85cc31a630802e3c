#include "distributor/rate_limiter.h"

#include <algorithm>

namespace tempo::distributor {
namespace {

std::string limit_text(double rate, double burst) {
  return "ingestion rate limit (local: " + std::to_string(static_cast<uint64_t>(rate)) +
         " bytes/s, global: 0 bytes/s, burst: " + std::to_string(static_cast<uint64_t>(burst)) +
         " bytes)";
}

}  // namespace

Status RateLimiter::admit(std::string_view tenant, uint64_t bytes,
                          std::chrono::steady_clock::time_point now) {
  double rate = rate_, burst = burst_;
  if (for_tenant_) {
    const RateLimit l = for_tenant_(tenant);
    rate = l.rate_limit_bytes;
    burst = l.burst_size_bytes;
  }
  if (rate <= 0) return Status::ok();
  const double n = static_cast<double>(bytes);
  if (n > burst) {
    return Status::resource_exhausted(
        "RATE_LIMITED: batch size (" + std::to_string(bytes) + " bytes) exceeds " +
        limit_text(rate, burst) + " for user " + std::string(tenant) +
        ". consider reducing batch size or increasing rate limit.");
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(tenant);
  if (it == buckets_.end()) it = buckets_.emplace(std::string(tenant), Bucket{burst, now}).first;
  Bucket& b = it->second;
  double elapsed = std::chrono::duration<double>(now - b.last).count();
  b.tokens = std::min(burst, b.tokens + std::max(0.0, elapsed) * rate);
  b.last = now;
  if (b.tokens < n) {
    return Status::resource_exhausted(
        "RATE_LIMITED: " + limit_text(rate, burst) + " exceeded while adding " +
        std::to_string(bytes) + " bytes for user " + std::string(tenant) +
        ". consider increasing the limit or reducing ingestion rate.");
  }
  b.tokens -= n;
  return Status::ok();
}

}  // namespace tempo::distributor
