// Per-tenant lookup: a tenant's own entry, else "*", else the defaults; a reload swaps every
// tenant at once and leaves limits already handed out unchanged.

#include "tempo/overrides/overrides.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

using namespace tempo;

namespace {

config::OverridesConfig with_trace_bytes(int64_t n) {
  config::OverridesConfig o;
  o.max_bytes_per_trace = n;
  return o;
}

}  // namespace

TEST_CASE("overrides: own entry, then the wildcard tenant, then the defaults") {
  overrides::Overrides ov(with_trace_bytes(100));
  CHECK(ov.for_tenant("a")->max_bytes_per_trace == 100);

  config::RuntimeOverrides r;
  r.tenants["a"] = with_trace_bytes(1);
  ov.set_runtime(r);
  CHECK(ov.for_tenant("a")->max_bytes_per_trace == 1);
  CHECK(ov.for_tenant("b")->max_bytes_per_trace == 100);  // not listed, no "*": defaults

  r.tenants["*"] = with_trace_bytes(2);
  ov.set_runtime(r);
  CHECK(ov.for_tenant("a")->max_bytes_per_trace == 1);  // listed: "*" does not apply
  CHECK(ov.for_tenant("b")->max_bytes_per_trace == 2);
  CHECK(ov.snapshot()->tenants().size() == 2);
  CHECK(ov.snapshot()->defaults().max_bytes_per_trace == 100);
}

TEST_CASE("overrides: a reload replaces every tenant, and limits handed out stay as they were") {
  overrides::Overrides ov(with_trace_bytes(100));
  config::RuntimeOverrides first;
  first.tenants["a"] = with_trace_bytes(1);
  first.tenants["b"] = with_trace_bytes(2);
  ov.set_runtime(first);
  const auto held = ov.for_tenant("a");

  config::RuntimeOverrides second;
  second.tenants["b"] = with_trace_bytes(20);
  ov.set_runtime(second);
  CHECK(held->max_bytes_per_trace == 1);
  CHECK(ov.for_tenant("a")->max_bytes_per_trace == 100);  // dropped from the file: defaults
  CHECK(ov.for_tenant("b")->max_bytes_per_trace == 20);

  ov.set_runtime({});  // an empty file: every tenant back to the defaults
  CHECK(ov.for_tenant("b")->max_bytes_per_trace == 100);
}

TEST_CASE("overrides: readers on several threads see whole snapshots while reloads run") {
  overrides::Overrides ov(with_trace_bytes(0));
  std::atomic<bool> stop{false};
  std::atomic<int64_t> torn{0}, reads{0};
  // Each snapshot gives tenants a and b the same value; a reader that saw them differ within
  // one snapshot would have seen half a reload.
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        const auto s = ov.snapshot();
        if (s->for_tenant("a")->max_bytes_per_trace != s->for_tenant("b")->max_bytes_per_trace) {
          ++torn;
        }
        ++reads;
      }
    });
  }
  // Reload until the readers have really overlapped the reloads: on a loaded 2-core machine
  // the threads may not be scheduled before 2000 reloads are done.
  int64_t last = 0;
  for (int64_t i = 1; i <= 2000 || reads.load() < 3000; ++i) {
    config::RuntimeOverrides r;
    r.tenants["a"] = with_trace_bytes(i);
    r.tenants["b"] = with_trace_bytes(i);
    ov.set_runtime(r);
    last = i;
  }
  stop = true;
  for (auto& t : readers) t.join();
  CHECK(torn.load() == 0);
  CHECK(reads.load() >= 3000);
  CHECK(ov.for_tenant("a")->max_bytes_per_trace == last);
}
