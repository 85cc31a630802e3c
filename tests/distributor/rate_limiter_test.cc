#include "distributor/rate_limiter.h"

#include <catch2/catch.hpp>

using namespace tempo;
using namespace std::chrono_literals;

TEST_CASE("token bucket: burst, refill at the rate, per tenant, oversize batches") {
  distributor::RateLimiter rl(/*bytes_per_second=*/1000, /*burst_bytes=*/3000);
  auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  CHECK(rl.admit("a", 2000, t0).is_ok());
  CHECK(rl.admit("a", 1000, t0).is_ok());
  Status s = rl.admit("a", 1, t0);
  CHECK(s.is(Status::Code::kResourceExhausted));
  CHECK(s.message().rfind("RATE_LIMITED: ingestion rate limit (local: 1000 bytes/s, global: 0 bytes/s, burst: 3000 bytes) exceeded while adding 1 bytes for user a", 0) == 0);
  CHECK(rl.admit("b", 3000, t0).is_ok());  // tenants have their own buckets
  CHECK_FALSE(rl.admit("a", 500, t0 + 400ms).is_ok());  // 400 bytes refilled so far
  CHECK(rl.admit("a", 500, t0 + 500ms).is_ok());
  CHECK(rl.admit("a", 3000, t0 + 10s).is_ok());  // refill is capped at the burst
  CHECK_FALSE(rl.admit("a", 1, t0 + 10s).is_ok());
  Status big = rl.admit("c", 3001, t0);
  CHECK(big.is(Status::Code::kResourceExhausted));
  CHECK(big.message().find("batch size (3001 bytes) exceeds") != std::string::npos);
  distributor::RateLimiter off(0, 0);
  CHECK(off.admit("a", 1u << 30, t0).is_ok());
}
