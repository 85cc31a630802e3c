#pragma once
// A pull iterator over one block's traces in ascending ID order, for the k-way merge. It
// holds one page (vcpp1) or row group (vcpp2) of the block at a time, so merging k blocks
// holds k groups, never a whole block.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tempo/block/block_reader.h"

namespace tempo::compactor {

class BlockTraceStream {
 public:
  explicit BlockTraceStream(std::shared_ptr<block::BlockReader> reader)
      : reader_(std::move(reader)) {}

  // Advances to the next trace; *more is false once the block is exhausted. kCorruption when
  // IDs do not ascend (a damaged block must not produce an unsorted output).
  Status next(bool* more);

  // The current trace (valid after next() set *more).
  const TraceId& id() const { return buffer_[pos_].first; }
  const std::string& payload() const { return buffer_[pos_].second; }
  const block::BlockMeta& meta() const { return reader_->meta(); }

 private:
  std::shared_ptr<block::BlockReader> reader_;
  std::vector<std::pair<TraceId, std::string>> buffer_;  // the current group's traces
  size_t pos_ = 0;
  size_t filled_ = 0;  // traces of buffer_ in use
  uint32_t next_group_ = 0;
  bool started_ = false;
  TraceId last_;
};

}  // namespace tempo::compactor
