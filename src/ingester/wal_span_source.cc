#include "ingester/wal_span_source.h"

namespace tempo::ingester {

Status WalSpanSource::scan(const columnar::ColumnSet& /*cols*/,
                           const columnar::RowGroupFilter& keep, const columnar::RowGroupFn& fn,
                           columnar::ScanStats* stats) {
  // Cached tables hold every column: they serve every query shape.
  std::vector<LiveTables::Group> groups;
  TEMPO_RETURN_IF_ERROR(block_->live_tables(budget_).groups(*block_, block_->sealed(), &groups));
  for (const auto& g : groups) {
    ++stats->row_groups;
    if (!keep(*g.stats)) {
      ++stats->row_groups_skipped;
      continue;
    }
    stats->spans_inspected += g.table->span_count();
    stats->traces_inspected += g.table->trace_count();
    TEMPO_RETURN_IF_ERROR(fn(columnar::RowGroup{*g.table, g.skip.get()}));
  }
  return Status::ok();
}

}  // namespace tempo::ingester
