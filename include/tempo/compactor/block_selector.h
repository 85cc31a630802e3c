#pragma once
// Which blocks of one tenant to compact together, as Tempo's time-window selector picks them
// (docs/compaction.md): blocks are grouped by the window their end time falls in
// (end / compaction_window). Within the last 24 hours ("active" windows) only blocks of one
// compaction level are merged, the smallest first, so fresh small blocks climb levels
// together; older windows are merged regardless of level, two at a time, until one block per
// window is left. A job never exceeds max_compaction_objects traces or max_block_bytes.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "tempo/block/block_meta.h"

namespace tempo::compactor {

struct SelectorOptions {
  std::chrono::nanoseconds window{std::chrono::hours(1)};  // compaction_window
  uint64_t max_objects = 6000000;                          // max_compaction_objects
  uint64_t max_bytes = 107374182400ULL;                    // max_block_bytes
  size_t min_inputs = 2;                                   // Tempo's defaultMinInputBlocks
  size_t max_inputs = 8;                                   // Tempo's defaultMaxInputBlocks
};

// Windows whose start is at or after now - kActiveWindow are compacted level by level.
inline constexpr std::chrono::hours kActiveWindow{24};

// The jobs for `blocks` (all of one tenant) as of `now`, most urgent first. Each job holds
// at least min_inputs blocks, in block-ID order; no block is in two jobs.
std::vector<std::vector<block::BlockMeta>> select_jobs(std::vector<block::BlockMeta> blocks,
                                                       const SelectorOptions& options,
                                                       std::chrono::system_clock::time_point now);

}  // namespace tempo::compactor
