#pragma once
// A WAL block as a search source: its traces as SpanTable row groups, decoded from the WAL
// file and kept by the block's LiveTables between searches, so a span is searchable as soon
// as it is acknowledged and a search decodes only what arrived since the last one.

#include <memory>

#include "ingester/wal_block.h"
#include "tempo/columnar/fetch.h"

namespace tempo::ingester {

class WalSpanSource : public columnar::SpanSource {
 public:
  WalSpanSource(std::shared_ptr<const WalBlock> block, std::shared_ptr<LiveCacheBudget> budget)
      : block_(std::move(block)), budget_(std::move(budget)) {}
  Status scan(const columnar::ColumnSet& cols, const columnar::RowGroupFilter& keep,
              const columnar::RowGroupFn& fn, columnar::ScanStats* stats) override;

 private:
  std::shared_ptr<const WalBlock> block_;
  std::shared_ptr<LiveCacheBudget> budget_;
};

}  // namespace tempo::ingester
