#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "tempo/util/memory.h"
#include "util/jemalloc_ctl.h"

namespace {

// jemalloc's count of dirty pages (freed, still mapped, kept for reuse) over all arenas, after
// refreshing its statistics, which it otherwise caches.
size_t jemalloc_dirty_pages() {
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  REQUIRE(::mallctl("epoch", &epoch, &len, &epoch, len) == 0);
  size_t pages = 0;
  len = sizeof(pages);
  REQUIRE(::mallctl("stats.arenas." TEMPO_JEMALLOC_ALL_ARENAS ".pdirty", &pages, &len, nullptr,
                    0) == 0);
  return pages;
}

}  // namespace

TEST_CASE("release_free_memory returns jemalloc's dirty pages to the system") {
  if (!tempo::jemalloc::linked()) {
    WARN(
        "test binary does not allocate with jemalloc (sanitizer or TEMPO_ALLOCATOR=system "
        "build); skipping");
    return;
  }
  // 64 MiB in small blocks, written so the pages are really backed, then all freed: the slabs
  // they filled fall empty and jemalloc keeps their pages dirty (dirty_decay_ms, 10 s).
  constexpr size_t kBlock = 4096;
  constexpr size_t kBlocks = 16384;
  {
    std::vector<std::unique_ptr<char[]>> blocks;
    blocks.reserve(kBlocks);
    for (size_t i = 0; i < kBlocks; ++i) {
      blocks.push_back(std::make_unique<char[]>(kBlock));
      std::memset(blocks.back().get(), static_cast<int>(i), kBlock);
    }
  }
  const size_t before = jemalloc_dirty_pages();
  INFO("dirty pages before: " << before);
  // Else the test could not tell a purge from nothing: most of the 64 MiB must be dirty now.
  REQUIRE(before >= kBlocks / 2);

  tempo::release_free_memory();

  const size_t after = jemalloc_dirty_pages();
  INFO("dirty pages after: " << after);
  CHECK(after <= 16);
}
