// Backend blocks as search sources.

#include "tempo/columnar/otlp_columns.h"
#include "tempo/model/trace_combine.h"
#include "tempo/querier/querier.h"

namespace tempo::querier {
namespace {

// Reads a block trace by trace and builds row groups from the decoded traces.
class DecodingBlockSource : public columnar::SpanSource {
 public:
  explicit DecodingBlockSource(std::shared_ptr<block::BlockReader> r) : reader_(std::move(r)) {}
  Status scan(const columnar::ColumnSet&, const columnar::RowGroupFilter& keep,
              const columnar::RowGroupFn& fn, columnar::ScanStats* stats) override {
    columnar::SpanTable table;
    auto builder = std::make_unique<columnar::SpanTableBuilder>(&table);
    auto flush = [&]() -> Status {
      builder->finish();
      if (table.trace_count() == 0) return Status::ok();
      ++stats->row_groups;
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
    uint64_t before = reader_->stats().bytes_read;
    Status s = reader_->scan([&](const TraceId& id, std::string_view payload) -> Status {
      opentelemetry::proto::trace::v1::TracesData data;
      TEMPO_RETURN_IF_ERROR(model::combine_segments(payload, &data));
      builder->add_trace(id, data);
      if (builder->spans() >= 8192) return flush();
      return Status::ok();
    });
    if (s.is_ok()) s = flush();
    stats->bytes_read += reader_->stats().bytes_read - before;
    return s;
  }

 private:
  std::shared_ptr<block::BlockReader> reader_;
};

}  // namespace

std::shared_ptr<columnar::SpanSource> Querier::block_span_source(
    std::shared_ptr<block::BlockReader> reader) {
  return std::make_shared<DecodingBlockSource>(std::move(reader));
}

}  // namespace tempo::querier
