#include "tempo/block/block_reader.h"

#include "block/block_format.h"
#include "block/block_io.h"
#include "tempo/block/encoding.h"

namespace tempo::block {

BlockReader::BlockReader(backend::Backend& backend, BlockMeta meta)
    : meta_(std::move(meta)), io_(std::make_unique<BlockIo>(backend, meta_)) {}

BlockReader::~BlockReader() = default;

Status BlockReader::open(backend::Backend& backend, const std::string& tenant,
                         const std::string& block_id, std::unique_ptr<BlockReader>* out) {
  std::string json;
  TEMPO_RETURN_IF_ERROR(
      backend.read(tenant + "/" + block_id + "/" + std::string(format::kMetaObject), &json));
  BlockMeta meta;
  TEMPO_RETURN_IF_ERROR(BlockMeta::from_json(json, &meta));
  if (meta.tenant_id != tenant || meta.block_id != block_id) {
    return Status::corruption("meta.json of " + tenant + "/" + block_id + " names block " +
                              meta.tenant_id + "/" + meta.block_id);
  }
  return open_with_meta(backend, std::move(meta), out);
}

Status BlockReader::open_with_meta(backend::Backend& backend, BlockMeta meta,
                                   std::unique_ptr<BlockReader>* out) {
  TEMPO_RETURN_IF_ERROR(meta.validate());  // also: the format is one encoding_for knows
  const Encoding* enc = encoding_for(meta.format);
  std::unique_ptr<BlockReader> r(new BlockReader(backend, std::move(meta)));  // private ctor
  TEMPO_RETURN_IF_ERROR(enc->open_reader(*r->io_, r->meta_, &r->impl_));
  *out = std::move(r);
  return Status::ok();
}

Status BlockReader::find(const TraceId& id, std::string* payload, bool* found) {
  *found = false;
  // Outside the block's ID range: certainly absent, and no read needed. A meta without
  // minID/maxID (both zero) says nothing about the range.
  const bool have_range = !(meta_.min_id.is_zero() && meta_.max_id.is_zero());
  if (have_range && (id < meta_.min_id || meta_.max_id < id)) return Status::ok();
  bool may_contain = false;
  TEMPO_RETURN_IF_ERROR(io_->bloom_may_contain(id, &may_contain));
  if (!may_contain) return Status::ok();
  return impl_->find(id, payload, found);
}

Status BlockReader::scan(const std::function<Status(const TraceId&, std::string_view)>& fn) {
  return impl_->scan_traces(fn, columnar::ScanPart{});
}

Status BlockReader::scan(const std::function<Status(const TraceId&, std::string_view)>& fn,
                         const columnar::ScanPart& part) {
  return impl_->scan_traces(fn, part);
}

Status BlockReader::scan(const columnar::ColumnSet& cols, const columnar::RowGroupFilter& keep,
                         const columnar::RowGroupFn& fn, columnar::ScanStats* stats) {
  return scan(cols, keep, fn, columnar::ScanPart{}, stats);
}

Status BlockReader::scan(const columnar::ColumnSet& cols, const columnar::RowGroupFilter& keep,
                         const columnar::RowGroupFn& fn, const columnar::ScanPart& part,
                         columnar::ScanStats* stats) {
  columnar::ScanStats local;
  return impl_->scan_spans(cols, keep, fn, part, stats ? stats : &local);
}

BlockReader::ReadStats BlockReader::stats() const {
  return {io_->bytes_read(), io_->backend_reads()};
}

}  // namespace tempo::block
