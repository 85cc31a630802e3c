#include "tempo/compactor/block_selector.h"

#include <algorithm>
#include <tuple>

namespace tempo::compactor {
namespace {

using block::BlockMeta;

uint64_t window_of(uint64_t unix_nano, const SelectorOptions& o) {
  const auto w = static_cast<uint64_t>(std::max<int64_t>(o.window.count(), 1));
  return unix_nano / w;
}

struct Totals {
  uint64_t objects = 0, bytes = 0;
  size_t blocks = 0;
  bool fits(const BlockMeta& m, const SelectorOptions& o) const {
    return blocks + 1 <= o.max_inputs && objects + m.total_objects <= o.max_objects &&
           bytes + m.size <= o.max_bytes;
  }
  void add(const BlockMeta& m) {
    objects += m.total_objects;
    bytes += m.size;
    ++blocks;
  }
};

}  // namespace

std::vector<std::vector<BlockMeta>> select_jobs(std::vector<BlockMeta> blocks,
                                                const SelectorOptions& o,
                                                std::chrono::system_clock::time_point now) {
  const auto now_ns = static_cast<uint64_t>(std::max<int64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>((now - kActiveWindow).time_since_epoch())
          .count(),
      0));
  const uint64_t active = window_of(now_ns, o);
  auto is_active = [&](const BlockMeta& m) { return window_of(m.end_unix_nano, o) >= active; };
  // Active windows: level, then newest window, then smallest. Older windows: newest window,
  // then level, then smallest. Every active window sorts before every older one.
  auto key = [&](const BlockMeta& m) {
    const uint64_t w = window_of(m.end_unix_nano, o);
    const bool act = is_active(m);
    return std::make_tuple(act ? 0 : 1, act ? uint64_t{m.compaction_level} : ~w,
                           act ? ~w : uint64_t{m.compaction_level}, m.total_objects, m.block_id);
  };
  std::sort(blocks.begin(), blocks.end(),
            [&](const BlockMeta& a, const BlockMeta& b) { return key(a) < key(b); });

  std::vector<std::vector<BlockMeta>> jobs;
  size_t begin = 0;
  while (begin < blocks.size()) {
    // The run of blocks from `begin` in one window.
    const uint64_t w = window_of(blocks[begin].end_unix_nano, o);
    size_t end = begin;
    while (end < blocks.size() && window_of(blocks[end].end_unix_nano, o) == w) ++end;
    std::vector<size_t> chosen;
    if (end - begin >= o.min_inputs) {
      if (is_active(blocks[begin])) {
        // The first stripe of at least two neighbours of one level, as long as limits allow.
        for (size_t i = begin; i < end && chosen.size() < o.min_inputs; ++i) {
          chosen.clear();
          Totals t;
          for (size_t j = i; j < end && blocks[j].compaction_level == blocks[i].compaction_level &&
                             t.fits(blocks[j], o);
               ++j) {
            t.add(blocks[j]);
            chosen.push_back(j);
          }
        }
      } else {
        Totals t;
        for (size_t j = begin; j < begin + o.min_inputs && t.fits(blocks[j], o); ++j) {
          t.add(blocks[j]);
          chosen.push_back(j);
        }
      }
    }
    if (chosen.size() < o.min_inputs) {
      begin = end;  // nothing (more) to do in this window
      continue;
    }
    std::vector<BlockMeta> job;
    for (size_t k : chosen) job.push_back(blocks[k]);
    std::sort(job.begin(), job.end(),
              [](const BlockMeta& a, const BlockMeta& b) { return a.block_id < b.block_id; });
    jobs.push_back(std::move(job));
    // Take the chosen blocks out and look at the same window again: it may hold another job.
    for (auto it = chosen.rbegin(); it != chosen.rend(); ++it) {
      blocks.erase(blocks.begin() + static_cast<std::ptrdiff_t>(*it));
    }
  }
  return jobs;
}

}  // namespace tempo::compactor
