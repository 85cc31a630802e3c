#pragma once
// One share of a backend block's row groups, searched as its own job: a large block split
// this way keeps every search worker busy instead of one core scanning it alone.

#include <memory>

#include "tempo/block/block_reader.h"
#include "tempo/columnar/fetch.h"

namespace tempo::querier {

class BlockPart final : public columnar::SpanSource {
 public:
  BlockPart(std::shared_ptr<block::BlockReader> reader, columnar::ScanPart part)
      : reader_(std::move(reader)), part_(part) {}

  Status scan(const columnar::ColumnSet& cols, const columnar::RowGroupFilter& keep,
              const columnar::RowGroupFn& fn, columnar::ScanStats* stats) override {
    return reader_->scan(cols, keep, fn, part_, stats);
  }

 private:
  std::shared_ptr<block::BlockReader> reader_;
  columnar::ScanPart part_;
};

// How many jobs a block of `block_bytes` becomes at `target_bytes_per_job` (0: one per block).
inline uint32_t parts_for(uint64_t block_bytes, uint64_t target_bytes_per_job) {
  constexpr uint64_t kMaxParts = 1024;  // far past any core count; bounds a tiny target
  if (target_bytes_per_job == 0 || block_bytes <= target_bytes_per_job) return 1;
  const uint64_t n = (block_bytes + target_bytes_per_job - 1) / target_bytes_per_job;
  return static_cast<uint32_t>(n < kMaxParts ? n : kMaxParts);
}

}  // namespace tempo::querier
