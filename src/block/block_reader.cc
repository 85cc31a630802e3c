#include "tempo/block/block_reader.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "block/block_format.h"
#include "block/zstd_codec.h"
#include "tempo/block/bloom.h"

namespace tempo::block {

// Caches filled on first use. The index is immutable once loaded, so lookups copy nothing
// but the one entry they need.
struct BlockReader::State {
  std::mutex mu;
  std::shared_ptr<const std::vector<format::IndexEntry>> index;
  std::unordered_map<uint32_t, std::shared_ptr<const BloomFilter>> blooms;
  std::atomic<uint64_t> bytes_read{0};
  std::atomic<uint64_t> backend_reads{0};
};

namespace {

// Reads one page and returns its uncompressed bytes in *page.
Status read_page(backend::Backend& backend, const std::string& data_key,
                 const format::IndexEntry& e, std::string* compressed, std::string* page) {
  Status s = backend.read_range(data_key, e.offset, e.length, compressed);
  if (s.is(Status::Code::kInvalidArgument)) {  // the index points past the end of data
    return Status::corruption(data_key + " is shorter than its index says: " + s.message());
  }
  TEMPO_RETURN_IF_ERROR(s);
  s = thread_local_decompressor().decompress(*compressed, e.raw_length, page);
  if (!s.is_ok()) {
    return Status::corruption("page at offset " + std::to_string(e.offset) + " of " + data_key +
                              ": " + s.message());
  }
  return Status::ok();
}

}  // namespace

BlockReader::BlockReader(backend::Backend& backend, BlockMeta meta)
    : backend_(backend), meta_(std::move(meta)), s_(std::make_unique<State>()) {}

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
  TEMPO_RETURN_IF_ERROR(meta.validate());
  out->reset(new BlockReader(backend, std::move(meta)));  // private constructor
  return Status::ok();
}

std::string BlockReader::key(std::string_view object) const {
  std::string k;
  k.reserve(meta_.tenant_id.size() + meta_.block_id.size() + object.size() + 2);
  k.append(meta_.tenant_id).append("/").append(meta_.block_id).append("/").append(object);
  return k;
}

BlockReader::ReadStats BlockReader::stats() const {
  return {s_->bytes_read.load(std::memory_order_relaxed),
          s_->backend_reads.load(std::memory_order_relaxed)};
}

Status BlockReader::read_whole(std::string_view object, std::string* out) {
  TEMPO_RETURN_IF_ERROR(backend_.read(key(object), out));
  s_->bytes_read += out->size();
  s_->backend_reads++;
  return Status::ok();
}

Status BlockReader::load_index() {
  {
    std::lock_guard<std::mutex> lock(s_->mu);
    if (s_->index) return Status::ok();
  }
  // Read outside the lock: a slow backend must not stall lookups that hit the bloom cache.
  // Two first lookups may both read the index; the second result is dropped.
  std::string compressed, raw;
  TEMPO_RETURN_IF_ERROR(read_whole(format::kIndexObject, &compressed));
  // The uncompressed size is known exactly from the page count in meta.json.
  const size_t raw_size =
      format::kIndexHeaderSize + size_t{meta_.total_records} * format::kIndexEntrySize + 4;
  Status s = thread_local_decompressor().decompress(compressed, raw_size, &raw);
  if (!s.is_ok()) return Status::corruption(key(format::kIndexObject) + ": " + s.message());
  auto entries = std::make_shared<std::vector<format::IndexEntry>>();
  s = format::decode_index(raw, entries.get());
  if (!s.is_ok()) return Status::corruption(key(format::kIndexObject) + ": " + s.message());
  uint64_t traces = 0;
  for (const auto& e : *entries) traces += e.count;
  const uint64_t end = entries->empty() ? 0 : entries->back().offset + entries->back().length;
  if (traces != meta_.total_objects || end != meta_.size) {
    return Status::corruption(key(format::kIndexObject) + " does not match meta.json");
  }
  std::lock_guard<std::mutex> lock(s_->mu);
  if (!s_->index) s_->index = std::move(entries);
  return Status::ok();
}

Status BlockReader::load_bloom(uint32_t shard, bool* may_contain, const TraceId& id) {
  std::shared_ptr<const BloomFilter> bf;
  {
    std::lock_guard<std::mutex> lock(s_->mu);
    auto it = s_->blooms.find(shard);
    if (it != s_->blooms.end()) bf = it->second;
  }
  if (!bf) {
    std::string data;
    TEMPO_RETURN_IF_ERROR(read_whole(format::bloom_object(shard), &data));
    auto fresh = std::make_shared<BloomFilter>();
    Status s = BloomFilter::decode(data, fresh.get());
    if (!s.is_ok()) {
      return Status::corruption(key(format::bloom_object(shard)) + ": " + s.message());
    }
    std::lock_guard<std::mutex> lock(s_->mu);
    bf = s_->blooms.emplace(shard, std::move(fresh)).first->second;
  }
  *may_contain = bf->may_contain(id);
  return Status::ok();
}

Status BlockReader::find(const TraceId& id, std::string* payload, bool* found) {
  *found = false;
  // Outside the block's ID range: certainly absent, and no read needed. A meta without
  // minID/maxID (both zero) says nothing about the range.
  const bool have_range = !(meta_.min_id.is_zero() && meta_.max_id.is_zero());
  if (have_range && (id < meta_.min_id || meta_.max_id < id)) return Status::ok();

  bool may_contain = false;
  TEMPO_RETURN_IF_ERROR(load_bloom(bloom_shard_of(id, meta_.bloom_shards), &may_contain, id));
  if (!may_contain) return Status::ok();

  TEMPO_RETURN_IF_ERROR(load_index());
  std::shared_ptr<const std::vector<format::IndexEntry>> index;
  {
    std::lock_guard<std::mutex> lock(s_->mu);
    index = s_->index;
  }
  // The first page whose last ID is >= id is the only one that can hold it.
  auto it = std::lower_bound(index->begin(), index->end(), id,
                             [](const format::IndexEntry& e, const TraceId& v) { return e.last < v; });
  if (it == index->end() || id < it->first) return Status::ok();

  std::string compressed, page;
  TEMPO_RETURN_IF_ERROR(read_page(backend_, key(format::kDataObject), *it, &compressed, &page));
  s_->bytes_read += compressed.size();
  s_->backend_reads++;
  format::RecordIterator records(page);
  while (records.next()) {
    if (records.id() == id) {
      payload->assign(records.payload());
      *found = true;
      return Status::ok();
    }
    if (id < records.id()) break;  // sorted: passed where it would be
  }
  if (!records.status().is_ok()) {
    return Status::corruption(key(format::kDataObject) + ": " + records.status().message());
  }
  return Status::ok();
}

Status BlockReader::scan(const std::function<Status(const TraceId&, std::string_view)>& fn) {
  TEMPO_RETURN_IF_ERROR(load_index());
  std::shared_ptr<const std::vector<format::IndexEntry>> index;
  {
    std::lock_guard<std::mutex> lock(s_->mu);
    index = s_->index;
  }
  const std::string data_key = key(format::kDataObject);
  std::string compressed, page;
  for (const auto& e : *index) {
    TEMPO_RETURN_IF_ERROR(read_page(backend_, data_key, e, &compressed, &page));
    s_->bytes_read += compressed.size();
    s_->backend_reads++;
    format::RecordIterator records(page);
    uint32_t n = 0;
    TraceId prev;
    while (records.next()) {
      // The index promised this page's range and order; hold the page to it.
      if ((n == 0 && records.id() != e.first) || (n > 0 && !(prev < records.id())) ||
          e.last < records.id()) {
        return Status::corruption(data_key + ": page at offset " + std::to_string(e.offset) +
                                  " does not match the index");
      }
      ++n;
      prev = records.id();
      TEMPO_RETURN_IF_ERROR(fn(records.id(), records.payload()));
    }
    if (!records.status().is_ok()) {
      return Status::corruption(data_key + ": " + records.status().message());
    }
    if (n != e.count) {
      return Status::corruption(data_key + ": page at offset " + std::to_string(e.offset) +
                                " holds " + std::to_string(n) + " traces, the index says " +
                                std::to_string(e.count));
    }
  }
  return Status::ok();
}

}  // namespace tempo::block
