#include "distributor/rate_limiter.h"

#include <catch2/catch.hpp>
#include <map>

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

TEST_CASE(
    "token bucket: each tenant's own limit, and a changed limit applies to the next request") {
  std::map<std::string, distributor::RateLimit, std::less<>> limits = {{"small", {1000, 1000}},
                                                                       {"big", {1e6, 1e6}}};
  distributor::RateLimiter rl([&limits](std::string_view tenant) {
    auto it = limits.find(tenant);
    return it != limits.end() ? it->second : distributor::RateLimit{0, 0};  // others: no limit
  });
  auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  CHECK(rl.admit("small", 1000, t0).is_ok());
  Status s = rl.admit("small", 1, t0);
  CHECK(s.is(Status::Code::kResourceExhausted));
  CHECK(s.message().find("local: 1000 bytes/s") != std::string::npos);
  CHECK(rl.admit("big", 500000, t0).is_ok());
  CHECK(rl.admit("unlisted", 1u << 30, t0).is_ok());
  // A reload raises small's limit: the bucket refills at the new rate and holds the new burst.
  limits["small"] = {100000, 100000};
  CHECK(rl.admit("small", 50000, t0 + 1s).is_ok());
  // And lowers big's: a bucket fuller than the new burst is cut down to it.
  limits["big"] = {10, 10};
  Status low = rl.admit("big", 11, t0 + 1s);
  CHECK(low.is(Status::Code::kResourceExhausted));
  CHECK(low.message().find("batch size (11 bytes) exceeds") != std::string::npos);
  CHECK(rl.admit("big", 10, t0 + 1s).is_ok());
  CHECK_FALSE(rl.admit("big", 1, t0 + 1s).is_ok());
}
