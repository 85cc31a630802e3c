#pragma once
// A pull iterator over one block's traces in ascending ID order, for the k-way merge. It
// holds one page (vcpp1) or row group (vcpp2) of the block at a time, as a SpanTable with
// every column, so merging k blocks holds k groups, never a whole block. A trace that only
// this input holds is copied from the table as it is (BlockWriter::add_from); one that
// several inputs hold is handed over as OTLP bytes to be combined (append_payload).

#include <memory>
#include <string>

#include "tempo/block/block_reader.h"
#include "tempo/columnar/otlp_columns.h"

namespace tempo::compactor {

class BlockTraceStream {
 public:
  explicit BlockTraceStream(std::shared_ptr<block::BlockReader> reader)
      : reader_(std::move(reader)) {}

  // Advances to the next trace; *more is false once the block is exhausted. kCorruption when
  // IDs do not ascend (a damaged block must not produce an unsorted output).
  Status next(bool* more);

  // The current trace (valid after next() set *more).
  const TraceId& id() const { return table_.traces.id[row_]; }
  columnar::TableCopySource& source() { return source_; }
  uint32_t row() const { return row_; }
  // Appends the current trace as a serialized TracesData.
  void append_payload(std::string* out) const;
  const block::BlockMeta& meta() const { return reader_->meta(); }

 private:
  Status load_next_group(bool* loaded);

  std::shared_ptr<block::BlockReader> reader_;
  columnar::SpanTable table_;  // the current group
  columnar::TableCopySource source_;
  uint32_t row_ = 0;
  uint32_t next_group_ = 0;
  bool started_ = false;
  TraceId last_;
};

}  // namespace tempo::compactor
