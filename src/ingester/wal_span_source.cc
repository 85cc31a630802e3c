#include "ingester/wal_span_source.h"

#include "tempo/columnar/otlp_columns.h"
#include "tempo/model/trace_combine.h"

namespace tempo::ingester {

Status WalSpanSource::scan(const columnar::ColumnSet& /*cols*/,
                           const columnar::RowGroupFilter& keep, const columnar::RowGroupFn& fn,
                           columnar::ScanStats* stats) {
  // Every column is built: decoding the protobuf dominates, and a table with all columns
  // serves every query shape.
  columnar::SpanTable table;
  auto builder = std::make_unique<columnar::SpanTableBuilder>(&table);
  uint64_t bytes = 0;
  auto flush = [&]() -> Status {
    builder->finish();
    if (table.trace_count() == 0) return Status::ok();
    ++stats->row_groups;
    stats->bytes_read += bytes;
    bytes = 0;
    columnar::RowGroupStats rs;
    columnar::compute_stats(table, &rs);
    if (!keep(rs)) {
      ++stats->row_groups_skipped;
    } else {
      stats->spans_inspected += table.span_count();
      stats->traces_inspected += table.trace_count();
      TEMPO_RETURN_IF_ERROR(fn(table));
    }
    builder = std::make_unique<columnar::SpanTableBuilder>(&table);
    return Status::ok();
  };
  Status s = block_->for_each_trace([&](const TraceId& id, std::string_view payload) -> Status {
    opentelemetry::proto::trace::v1::TracesData data;
    Status st = model::combine_segments(payload, &data);
    if (!st.is_ok()) return Status::ok();  // a record that does not parse is skipped, as on replay
    bytes += payload.size();
    builder->add_trace(id, data);
    if (builder->spans() >= kRowGroupSpans) return flush();
    return Status::ok();
  });
  TEMPO_RETURN_IF_ERROR(s);
  return flush();
}

}  // namespace tempo::ingester
