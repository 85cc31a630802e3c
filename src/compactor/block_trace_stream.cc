#include "compactor/block_trace_stream.h"

namespace tempo::compactor {

Status BlockTraceStream::load_next_group(bool* loaded) {
  *loaded = false;
  const uint32_t groups = reader_->meta().total_records;
  columnar::ColumnSet all;
  all.everything = true;
  all.derived = false;  // traces are copied or assembled from the stored columns alone
  all.once = true;      // each group read once: no decoded index held for the whole merge
  while (!*loaded && next_group_ < groups) {
    const columnar::ScanPart part{next_group_++, groups};
    int calls = 0;
    columnar::ScanStats stats;
    TEMPO_RETURN_IF_ERROR(reader_->scan(
        all, [](const columnar::RowGroupStats&) { return true; },
        [&](const columnar::RowGroup& g) {
          if (++calls > 1) return Status::internal("a scan part held more than one row group");
          // The reader's table lives only for this call.
          if (g.movable) {
            table_ = std::move(*g.movable);
          } else {
            table_ = g.table;
          }
          return Status::ok();
        },
        part, &stats));
    *loaded = calls == 1 && table_.trace_count() > 0;
  }
  source_.reset(*loaded ? &table_ : nullptr);
  row_ = 0;
  return Status::ok();
}

Status BlockTraceStream::next(bool* more) {
  if (started_ && row_ + 1 < table_.trace_count()) {
    ++row_;
  } else {
    bool loaded = false;
    TEMPO_RETURN_IF_ERROR(load_next_group(&loaded));
    if (!loaded) {
      *more = false;
      return Status::ok();
    }
  }
  const TraceId& id = table_.traces.id[row_];
  if (started_ && !(last_ < id)) {
    return Status::corruption("block " + reader_->meta().tenant_id + "/" +
                              reader_->meta().block_id + " holds trace " + id.hex() +
                              " out of ID order");
  }
  started_ = true;
  last_ = id;
  *more = true;
  return Status::ok();
}

void BlockTraceStream::append_payload(std::string* out) const {
  opentelemetry::proto::trace::v1::TracesData trace;
  columnar::assemble_trace(table_, row_, &trace);
  trace.AppendToString(out);
}

}  // namespace tempo::compactor
