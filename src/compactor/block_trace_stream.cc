#include "compactor/block_trace_stream.h"

namespace tempo::compactor {

Status BlockTraceStream::next(bool* more) {
  if (filled_ > 0 && pos_ + 1 < filled_) {
    ++pos_;
  } else {
    // Refill from the next non-empty group. Payload strings are reused across groups.
    filled_ = 0;
    pos_ = 0;
    const uint32_t groups = reader_->meta().total_records;
    while (filled_ == 0 && next_group_ < groups) {
      columnar::ScanPart part{next_group_++, groups};
      TEMPO_RETURN_IF_ERROR(reader_->scan(
          [this](const TraceId& id, std::string_view payload) {
            if (buffer_.size() == filled_) buffer_.emplace_back();
            buffer_[filled_].first = id;
            buffer_[filled_].second.assign(payload);
            ++filled_;
            return Status::ok();
          },
          part));
    }
    if (filled_ == 0) {
      *more = false;
      return Status::ok();
    }
  }
  const TraceId& id = buffer_[pos_].first;
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

}  // namespace tempo::compactor
