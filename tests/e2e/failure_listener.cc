// Tracks whether the running test case has failed an assertion, so a TempoServer can print the
// server's log when it is torn down after a failure (and stay quiet after a pass).

#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <atomic>
#include <catch2/catch.hpp>

#include "harness.h"

namespace tempo::e2e {
namespace {

std::atomic<bool> g_failed{false};

struct FailureListener : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;

  void testCaseStarting(const Catch::TestCaseInfo& info) override {
    g_failed = false;
    TestEventListenerBase::testCaseStarting(info);
  }
  bool assertionEnded(const Catch::AssertionStats& stats) override {
    if (!stats.assertionResult.isOk()) g_failed = true;
    return TestEventListenerBase::assertionEnded(stats);
  }
};

CATCH_REGISTER_LISTENER(FailureListener)

}  // namespace

bool current_test_failed() { return g_failed; }

}  // namespace tempo::e2e
