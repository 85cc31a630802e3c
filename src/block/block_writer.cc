#include <zstd.h>

#include <algorithm>

#include "block/block_format.h"
#include "tempo/block/block.h"

namespace tempo::block {

BlockWriter::BlockWriter(backend::Backend& backend, std::string tenant, std::string block_id,
                         WriterOptions options)
    : backend_(backend), options_(options), cctx_(ZSTD_createCCtx()) {
  meta_.tenant_id = std::move(tenant);
  meta_.block_id = std::move(block_id);
  meta_.index_page_size = static_cast<uint32_t>(options_.page_size_bytes);
  page_.reserve(options_.page_size_bytes + 4096);
}

BlockWriter::~BlockWriter() { ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(cctx_)); }

Status BlockWriter::add(const TraceId& id, std::string_view payload, uint64_t start_unix_nano,
                        uint64_t end_unix_nano) {
  if (any_ && !(last_ < id)) {
    return Status::invalid_argument("block traces must be added in ascending ID order: " +
                                    id.hex() + " after " + last_.hex());
  }
  if (!data_) {
    TEMPO_RETURN_IF_ERROR(
        backend_.open_writer(meta_.tenant_id + "/" + meta_.block_id + "/data", &data_));
  }
  if (page_count_ == 0) page_first_ = id;
  page_.append(id.view());
  format::put_varint(page_, payload.size());
  page_.append(payload);
  ++page_count_;
  last_ = id;
  ids_.push_back(id);
  if (!any_ || start_unix_nano < meta_.start_unix_nano) meta_.start_unix_nano = start_unix_nano;
  if (end_unix_nano > meta_.end_unix_nano) meta_.end_unix_nano = end_unix_nano;
  any_ = true;
  meta_.total_objects++;
  if (page_.size() >= options_.page_size_bytes) TEMPO_RETURN_IF_ERROR(cut_page());
  return Status::ok();
}

Status BlockWriter::cut_page() {
  if (page_count_ == 0) return Status::ok();
  TEMPO_RETURN_IF_ERROR(format::compress(cctx_, page_, &compressed_));
  TEMPO_RETURN_IF_ERROR(data_->append(compressed_));
  index_.push_back(PageEntry{page_first_, last_, offset_, static_cast<uint32_t>(compressed_.size()),
                             page_count_});
  offset_ += compressed_.size();
  page_.clear();
  page_count_ = 0;
  return Status::ok();
}

Status BlockWriter::finish(BlockMeta* out) {
  if (!any_) return Status::invalid_argument("refusing to write an empty block");
  TEMPO_RETURN_IF_ERROR(cut_page());
  TEMPO_RETURN_IF_ERROR(data_->close());
  data_.reset();
  meta_.size = offset_;
  meta_.total_records = static_cast<uint32_t>(index_.size());
  const std::string dir = meta_.tenant_id + "/" + meta_.block_id + "/";

  std::vector<format::IndexEntry> entries;
  entries.reserve(index_.size());
  for (const auto& e : index_) entries.push_back({e.first, e.last, e.offset, e.length, e.count});
  std::string compressed;
  TEMPO_RETURN_IF_ERROR(format::compress(cctx_, format::encode_index(entries), &compressed));
  TEMPO_RETURN_IF_ERROR(backend_.write(dir + "index", compressed));

  uint64_t expected = std::max<uint64_t>(options_.expected_traces, ids_.size());
  uint32_t shards = bloom_shard_count(expected, options_.bloom_false_positive,
                                      options_.bloom_shard_size_bytes);
  std::vector<std::vector<TraceId>> by_shard(shards);
  for (const auto& id : ids_) by_shard[bloom_shard_of(id, shards)].push_back(id);
  for (uint32_t s = 0; s < shards; ++s) {
    BloomFilter bf(std::max<uint64_t>(by_shard[s].size(), expected / shards),
                   options_.bloom_false_positive);
    for (const auto& id : by_shard[s]) bf.add(id);
    TEMPO_RETURN_IF_ERROR(backend_.write(dir + format::bloom_key(s), bf.encode()));
  }
  meta_.bloom_shards = shards;
  // meta.json last: until it exists, readers do not see the block.
  TEMPO_RETURN_IF_ERROR(backend_.write(dir + "meta.json", meta_.to_json()));
  *out = meta_;
  return Status::ok();
}

}  // namespace tempo::block
