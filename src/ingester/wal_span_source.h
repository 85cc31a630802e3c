#pragma once
// A WAL block as a search source: its traces decoded from the WAL file and turned into
// SpanTable row groups on each scan, so a span is searchable as soon as it is acknowledged.

#include <memory>

#include "ingester/wal_block.h"
#include "tempo/columnar/fetch.h"

namespace tempo::ingester {

class WalSpanSource : public columnar::SpanSource {
 public:
  // Row groups are cut at about this many spans.
  static constexpr size_t kRowGroupSpans = 8192;

  explicit WalSpanSource(std::shared_ptr<const WalBlock> block) : block_(std::move(block)) {}
  Status scan(const columnar::ColumnSet& cols, const columnar::RowGroupFilter& keep,
              const columnar::RowGroupFn& fn, columnar::ScanStats* stats) override;

 private:
  std::shared_ptr<const WalBlock> block_;
};

}  // namespace tempo::ingester
