#include "tempo/block/block_writer.h"

#include "tempo/block/encoding.h"
#include "tempo/columnar/otlp_columns.h"

namespace tempo::block {

BlockWriter::BlockWriter(backend::Backend& backend, std::string tenant, std::string block_id,
                         WriterOptions options)
    : format_(options.format) {
  if (const Encoding* enc = encoding_for(format_)) {
    impl_ = enc->new_writer(backend, std::move(tenant), std::move(block_id), options);
  }
}

BlockWriter::~BlockWriter() = default;

Status BlockWriter::add(const TraceId& id, std::string_view payload, uint64_t start_unix_nano,
                        uint64_t end_unix_nano) {
  if (!impl_) return Status::invalid_argument("unknown block format \"" + format_ + "\"");
  return impl_->add(id, payload, start_unix_nano, end_unix_nano);
}

Status BlockWriter::add_from(const TraceId& id, columnar::TableCopySource& src, uint32_t row,
                             uint64_t start_unix_nano, uint64_t end_unix_nano) {
  if (!impl_) return Status::invalid_argument("unknown block format \"" + format_ + "\"");
  return impl_->add_from(id, src, row, start_unix_nano, end_unix_nano);
}

Status FormatWriter::add_from(const TraceId& id, columnar::TableCopySource& src, uint32_t row,
                              uint64_t start_unix_nano, uint64_t end_unix_nano) {
  opentelemetry::proto::trace::v1::TracesData trace;
  columnar::assemble_trace(*src.table(), row, &trace);
  return add(id, trace.SerializeAsString(), start_unix_nano, end_unix_nano);
}

Status BlockWriter::finish(BlockMeta* out) {
  if (!impl_) return Status::invalid_argument("unknown block format \"" + format_ + "\"");
  return impl_->finish(out);
}

}  // namespace tempo::block
