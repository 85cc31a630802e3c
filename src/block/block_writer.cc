#include "tempo/block/block_writer.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "block/block_format.h"
#include "block/zstd_codec.h"
#include "tempo/block/bloom.h"
#include "tempo/observability/log.h"

namespace tempo::block {

struct BlockWriter::State {
  WriterOptions options;
  BlockMeta meta;
  std::string dir;  // "<tenant>/<block-id>/"
  ZstdCompressor zstd;
  std::unique_ptr<backend::ObjectWriter> data;  // opened on the first add()
  std::string page, compressed;                 // reused across pages
  format::IndexEntry current;                   // the page being filled
  TraceId last;
  bool any = false;
  bool finished = false;
  std::vector<format::IndexEntry> index;
  std::vector<TraceId> ids;             // for the bloom filter, sized once the count is known
  std::vector<std::string> written;     // objects written so far, removed if finish fails
};

BlockWriter::BlockWriter(backend::Backend& backend, std::string tenant, std::string block_id,
                         WriterOptions options)
    : backend_(backend), s_(std::make_unique<State>()) {
  s_->options = options;
  s_->options.page_size_bytes = std::max<size_t>(options.page_size_bytes, 1);
  s_->meta.tenant_id = std::move(tenant);
  s_->meta.block_id = std::move(block_id);
  s_->meta.compaction_level = options.compaction_level;
  s_->meta.index_page_size = static_cast<uint32_t>(
      std::min<size_t>(s_->options.page_size_bytes, std::numeric_limits<uint32_t>::max()));
  s_->dir = s_->meta.tenant_id + "/" + s_->meta.block_id + "/";
}

BlockWriter::~BlockWriter() {
  // An unfinished data writer is dropped here, which discards it; index and bloom objects
  // only exist once finish() ran, and finish() cleans up after itself on failure.
}

Status BlockWriter::add(const TraceId& id, std::string_view payload, uint64_t start_unix_nano,
                        uint64_t end_unix_nano) {
  State& s = *s_;
  if (s.finished) return Status::invalid_argument("block writer already finished");
  if (s.any && !(s.last < id)) {
    return Status::invalid_argument("block traces must be added in ascending ID order: " +
                                    id.hex() + " after " + s.last.hex());
  }
  if (!s.data) {
    TEMPO_RETURN_IF_ERROR(backend_.open_writer(s.dir + std::string(format::kDataObject), &s.data));
  }
  if (s.current.count == 0) s.current.first = id;
  format::append_record(id, payload, &s.page);
  s.current.count++;
  s.current.last = id;
  s.last = id;
  s.ids.push_back(id);
  if (!s.any) {
    s.meta.min_id = id;
    s.meta.start_unix_nano = start_unix_nano;
    s.meta.end_unix_nano = end_unix_nano;
  }
  s.meta.max_id = id;
  s.meta.start_unix_nano = std::min(s.meta.start_unix_nano, start_unix_nano);
  s.meta.end_unix_nano = std::max(s.meta.end_unix_nano, end_unix_nano);
  s.any = true;
  s.meta.total_objects++;
  if (s.page.size() >= s.options.page_size_bytes) return cut_page();
  return Status::ok();
}

Status BlockWriter::cut_page() {
  State& s = *s_;
  if (s.current.count == 0) return Status::ok();
  if (s.page.size() > std::numeric_limits<uint32_t>::max()) {
    return Status::invalid_argument("a block page would exceed 4 GiB (trace " +
                                    s.current.last.hex() + ")");
  }
  TEMPO_RETURN_IF_ERROR(s.zstd.compress(s.page, &s.compressed));
  TEMPO_RETURN_IF_ERROR(s.data->append(s.compressed));
  s.current.length = static_cast<uint32_t>(s.compressed.size());
  s.current.raw_length = static_cast<uint32_t>(s.page.size());
  s.index.push_back(s.current);
  s.current.offset += s.compressed.size();
  s.current.count = 0;
  s.page.clear();
  return Status::ok();
}

Status BlockWriter::finish(BlockMeta* out) {
  State& s = *s_;
  if (s.finished) return Status::invalid_argument("block writer already finished");
  if (!s.any) return Status::invalid_argument("refusing to write an empty block");
  s.finished = true;
  Status st = write_rest();
  if (!st.is_ok()) {
    remove_partial();
    return st;
  }
  *out = s.meta;
  return Status::ok();
}

Status BlockWriter::write_rest() {
  State& s = *s_;
  TEMPO_RETURN_IF_ERROR(cut_page());
  TEMPO_RETURN_IF_ERROR(s.data->close());
  s.data.reset();
  s.written.push_back(s.dir + std::string(format::kDataObject));
  s.meta.size = s.current.offset;
  s.meta.total_records = static_cast<uint32_t>(s.index.size());

  TEMPO_RETURN_IF_ERROR(s.zstd.compress(format::encode_index(s.index), &s.compressed));
  s.written.push_back(s.dir + std::string(format::kIndexObject));
  TEMPO_RETURN_IF_ERROR(backend_.write(s.written.back(), s.compressed));

  // Shards are sized from the IDs each really holds, so every shard meets the target rate
  // whatever the hint said; the hint only raises the shard count.
  const uint64_t expected = std::max<uint64_t>(s.options.expected_traces, s.ids.size());
  const uint32_t shards = bloom_shard_count(expected, s.options.bloom_false_positive,
                                            s.options.bloom_shard_size_bytes);
  std::vector<std::vector<TraceId>> by_shard(shards);
  for (const auto& id : s.ids) by_shard[bloom_shard_of(id, shards)].push_back(id);
  for (uint32_t i = 0; i < shards; ++i) {
    BloomFilter bf(by_shard[i].size(), s.options.bloom_false_positive);
    for (const auto& id : by_shard[i]) bf.add(id);
    s.written.push_back(s.dir + format::bloom_object(i));
    TEMPO_RETURN_IF_ERROR(backend_.write(s.written.back(), bf.encode()));
  }
  s.meta.bloom_shards = shards;
  s.ids = {};

  // meta.json last: until it exists, readers do not see the block.
  return backend_.write(s.dir + std::string(format::kMetaObject), s.meta.to_json());
}

void BlockWriter::remove_partial() {
  s_->data.reset();
  for (const auto& key : s_->written) {
    Status st = backend_.remove(key);
    if (!st.is_ok()) {
      log::warn("removing part of a failed block", {{"key", key}, {"err", st.to_string()}});
    }
  }
  s_->written.clear();
}

}  // namespace tempo::block
