// Which blocks the time-window selector puts in one job: one tenant's blocks of one window,
// one level in the active (last 24 h) windows, any level in older ones, within the object,
// byte and input-count limits.

#include "tempo/compactor/block_selector.h"

#include <catch2/catch.hpp>

namespace {

using namespace std::chrono_literals;
using tempo::block::BlockMeta;
using Clock = std::chrono::system_clock;

const Clock::time_point kNow = Clock::time_point(std::chrono::hours(24 * 365 * 50));

uint64_t ns(Clock::time_point t) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

BlockMeta block(const std::string& id, Clock::time_point end, uint32_t level = 0,
                uint64_t objects = 10, uint64_t bytes = 1000) {
  BlockMeta m;
  m.block_id = id;
  m.tenant_id = "t";
  m.end_unix_nano = ns(end);
  m.start_unix_nano = ns(end - 1min);
  m.compaction_level = level;
  m.total_objects = objects;
  m.size = bytes;
  return m;
}

std::vector<std::vector<std::string>> ids(const std::vector<std::vector<BlockMeta>>& jobs) {
  std::vector<std::vector<std::string>> out;
  for (const auto& j : jobs) {
    out.emplace_back();
    for (const auto& m : j) out.back().push_back(m.block_id);
  }
  return out;
}

// The start of the window `hours_ago` back, plus a few minutes, so blocks sit well inside it.
Clock::time_point in_window(int hours_ago) {
  const auto h = std::chrono::duration_cast<std::chrono::hours>(kNow.time_since_epoch());
  return Clock::time_point(h - std::chrono::hours(hours_ago)) + 5min;
}

}  // namespace

TEST_CASE("selector merges blocks of one level and one window, smallest first") {
  tempo::compactor::SelectorOptions o;
  std::vector<BlockMeta> blocks = {
      block("a", in_window(1), 0, 30),      block("b", in_window(1), 0, 10),
      block("c", in_window(1), 0, 20),      block("d", in_window(1), 1, 5),
      block("e", in_window(2), 0, 10),      block("f", in_window(2), 0, 10),
      block("lonely", in_window(3), 0, 10), block("g", in_window(2) + 1min, 1, 10),
  };
  auto jobs = ids(tempo::compactor::select_jobs(blocks, o, kNow));
  // Level 0 of the newest window (a, b, c), then level 0 of the next (e, f); level 1 has one
  // block per window, and the lone block of window 3 has nobody to merge with.
  CHECK(jobs == std::vector<std::vector<std::string>>{{"a", "b", "c"}, {"e", "f"}});
}

TEST_CASE("selector respects max objects, max bytes and max inputs") {
  tempo::compactor::SelectorOptions o;
  o.max_objects = 25;
  std::vector<BlockMeta> blocks = {block("a", in_window(1), 0, 10), block("b", in_window(1), 0, 10),
                                   block("c", in_window(1), 0, 10),
                                   block("d", in_window(1), 0, 10)};
  CHECK(ids(select_jobs(blocks, o, kNow)) ==
        std::vector<std::vector<std::string>>{{"a", "b"}, {"c", "d"}});

  o = {};
  o.max_bytes = 2500;
  CHECK(ids(select_jobs(blocks, o, kNow)) ==
        std::vector<std::vector<std::string>>{{"a", "b"}, {"c", "d"}});

  o = {};
  o.max_inputs = 3;
  CHECK(ids(select_jobs(blocks, o, kNow)) ==
        std::vector<std::vector<std::string>>{{"a", "b", "c"}});

  // A block larger than the limit on its own is never selected.
  o = {};
  o.max_objects = 15;
  blocks = {block("big", in_window(1), 0, 20), block("x", in_window(1), 0, 10)};
  CHECK(select_jobs(blocks, o, kNow).empty());
}

TEST_CASE("selector waits for min_input_blocks of a level and takes up to max_input_blocks") {
  tempo::compactor::SelectorOptions o;
  o.min_inputs = 4;
  o.max_inputs = 16;
  std::vector<BlockMeta> blocks;
  for (int i = 0; i < 3; ++i) blocks.push_back(block("b" + std::to_string(10 + i), in_window(1)));
  // Three blocks of level 0: fewer than min_input_blocks, so no merge yet.
  CHECK(select_jobs(blocks, o, kNow).empty());
  for (int i = 3; i < 20; ++i) blocks.push_back(block("b" + std::to_string(10 + i), in_window(1)));
  // Twenty: one job of 16, then the 4 left are one more.
  const auto jobs = select_jobs(blocks, o, kNow);
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0].size() == 16);
  CHECK(jobs[1].size() == 4);
}

TEST_CASE("selector merges windows older than 24h across levels, two at a time") {
  tempo::compactor::SelectorOptions o;
  std::vector<BlockMeta> blocks = {block("old1", in_window(30), 2, 50),
                                   block("old0", in_window(30), 0, 10),
                                   block("old3", in_window(30), 3, 5)};
  // Sorted by level, then size: the two lowest levels (0 and 2) go first.
  CHECK(ids(select_jobs(blocks, o, kNow)) ==
        std::vector<std::vector<std::string>>{{"old0", "old1"}});
}

TEST_CASE("selector uses compaction_window for grouping") {
  tempo::compactor::SelectorOptions o;
  o.window = 4h;
  // 1h windows would separate these; a 4h window holds both (unless they straddle a 4h
  // boundary, which these do not: both in the same 4h-aligned slot).
  const auto h = std::chrono::duration_cast<std::chrono::hours>(kNow.time_since_epoch()).count();
  const auto slot = Clock::time_point(std::chrono::hours(h / 4 * 4 - 4));
  std::vector<BlockMeta> blocks = {block("a", slot + 10min), block("b", slot + 3h)};
  CHECK(ids(select_jobs(blocks, o, kNow)) == std::vector<std::vector<std::string>>{{"a", "b"}});
  o.window = 1h;
  CHECK(select_jobs(blocks, o, kNow).empty());
}
