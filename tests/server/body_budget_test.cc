#include "tempo/server/body_budget.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

namespace tempo::server {

TEST_CASE("BodyBudget: try_acquire takes only what fits, release gives it back") {
  BodyBudget b(100);
  CHECK(b.try_acquire(60));
  CHECK_FALSE(b.try_acquire(41));
  CHECK(b.in_flight() == 60);
  CHECK(b.try_acquire(40));
  CHECK_FALSE(b.try_acquire(1));
  b.release(100);
  CHECK(b.in_flight() == 0);
  CHECK_FALSE(b.try_acquire(101));
}

TEST_CASE("BodyBudget: acquire_within gets a share another holder releases while it waits") {
  BodyBudget b(100);
  REQUIRE(b.try_acquire(80));
  std::thread holder([&] {
    // Most likely after the waiter has started waiting; the result is the same either way.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    b.release(80);
  });
  CHECK(b.acquire_within(50, std::chrono::seconds(60)));
  holder.join();
  CHECK(b.in_flight() == 50);
}

TEST_CASE("BodyBudget: acquire_within gives up after its timeout, taking nothing") {
  BodyBudget b(100);
  REQUIRE(b.try_acquire(80));
  CHECK_FALSE(b.acquire_within(50, std::chrono::milliseconds(10)));
  CHECK(b.in_flight() == 80);
  // More than the whole budget can never fit: refused at once, whatever the timeout.
  CHECK_FALSE(b.acquire_within(101, std::chrono::hours(1)));
  CHECK(b.acquire_within(20, std::chrono::milliseconds(0)));
  CHECK(b.in_flight() == 100);
}

}  // namespace tempo::server
