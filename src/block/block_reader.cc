#include <algorithm>
#include <cstring>

#include "block/block_format.h"
#include "tempo/block/block.h"

namespace tempo::block {
namespace {

constexpr size_t kMaxPage = 1ULL << 31;

}  // namespace

Status BlockReader::open(backend::Backend& backend, const std::string& tenant,
                         const std::string& block_id, std::unique_ptr<BlockReader>* out) {
  std::string json;
  TEMPO_RETURN_IF_ERROR(backend.read(tenant + "/" + block_id + "/meta.json", &json));
  BlockMeta meta;
  TEMPO_RETURN_IF_ERROR(BlockMeta::from_json(json, &meta));
  return open_with_meta(backend, std::move(meta), out);
}

Status BlockReader::open_with_meta(backend::Backend& backend, BlockMeta meta,
                                   std::unique_ptr<BlockReader>* out) {
  out->reset(new BlockReader(backend, std::move(meta)));
  return Status::ok();
}

std::string BlockReader::key(std::string_view object) const {
  return meta_.tenant_id + "/" + meta_.block_id + "/" + std::string(object);
}

void BlockReader::count(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  stats_.bytes_read += bytes;
  stats_.backend_reads++;
}

BlockReader::ReadStats BlockReader::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

Status BlockReader::load_index() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (index_loaded_) return Status::ok();
  }
  std::string compressed, raw;
  TEMPO_RETURN_IF_ERROR(backend_.read(key("index"), &compressed));
  count(compressed.size());
  TEMPO_RETURN_IF_ERROR(format::decompress(compressed, kMaxPage, &raw));
  std::vector<format::IndexEntry> entries;
  TEMPO_RETURN_IF_ERROR(format::decode_index(raw, &entries));
  std::lock_guard<std::mutex> lock(mu_);
  if (index_loaded_) return Status::ok();
  index_.clear();
  for (const auto& e : entries) index_.push_back({e.first, e.last, e.offset, e.length, e.count});
  index_loaded_ = true;
  return Status::ok();
}

Status BlockReader::bloom(uint32_t shard, std::shared_ptr<const BloomFilter>* out) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = blooms_.find(shard);
    if (it != blooms_.end()) {
      *out = it->second;
      return Status::ok();
    }
  }
  std::string data;
  TEMPO_RETURN_IF_ERROR(backend_.read(key(format::bloom_key(shard)), &data));
  count(data.size());
  auto bf = std::make_shared<BloomFilter>();
  TEMPO_RETURN_IF_ERROR(BloomFilter::decode(data, bf.get()));
  std::lock_guard<std::mutex> lock(mu_);
  blooms_[shard] = bf;
  *out = bf;
  return Status::ok();
}

Status BlockReader::read_page(const PageEntry& e, std::string* page) {
  std::string compressed;
  TEMPO_RETURN_IF_ERROR(backend_.read_range(key("data"), e.offset, e.length, &compressed));
  count(compressed.size());
  return format::decompress(compressed, kMaxPage, page);
}

Status BlockReader::find(const TraceId& id, std::string* payload, bool* found) {
  *found = false;
  std::shared_ptr<const BloomFilter> bf;
  TEMPO_RETURN_IF_ERROR(bloom(bloom_shard_of(id, meta_.bloom_shards), &bf));
  if (!bf->may_contain(id)) return Status::ok();
  TEMPO_RETURN_IF_ERROR(load_index());
  PageEntry entry;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = std::lower_bound(index_.begin(), index_.end(), id,
                               [](const PageEntry& e, const TraceId& v) { return e.last < v; });
    if (it == index_.end() || id < it->first) return Status::ok();
    entry = *it;
  }
  std::string page;
  TEMPO_RETURN_IF_ERROR(read_page(entry, &page));
  size_t pos = 0;
  while (pos < page.size()) {
    if (page.size() - pos < 16) return Status::corruption("torn record in page of " + key("data"));
    const char* idp = page.data() + pos;
    pos += 16;
    uint64_t len = 0;
    if (!format::get_varint(page, &pos, &len) || page.size() - pos < len) {
      return Status::corruption("torn record in page of " + key("data"));
    }
    int cmp = std::memcmp(idp, id.bytes.data(), 16);
    if (cmp == 0) {
      payload->assign(page, pos, len);
      *found = true;
      return Status::ok();
    }
    if (cmp > 0) return Status::ok();  // sorted: passed where it would be
    pos += len;
  }
  return Status::ok();
}

Status BlockReader::scan(const std::function<Status(const TraceId&, std::string_view)>& fn) {
  TEMPO_RETURN_IF_ERROR(load_index());
  std::vector<PageEntry> pages;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pages = index_;
  }
  std::string page;
  for (const auto& e : pages) {
    TEMPO_RETURN_IF_ERROR(read_page(e, &page));
    size_t pos = 0;
    while (pos < page.size()) {
      if (page.size() - pos < 16) return Status::corruption("torn record in page of " + key("data"));
      TraceId id;
      std::memcpy(id.bytes.data(), page.data() + pos, 16);
      pos += 16;
      uint64_t len = 0;
      if (!format::get_varint(page, &pos, &len) || page.size() - pos < len) {
        return Status::corruption("torn record in page of " + key("data"));
      }
      TEMPO_RETURN_IF_ERROR(fn(id, std::string_view(page).substr(pos, len)));
      pos += len;
    }
  }
  return Status::ok();
}

Status list_tenants(backend::Backend& backend, std::vector<std::string>* out) {
  return backend.list("", out);
}

Status list_blocks(backend::Backend& backend, std::string_view tenant,
                   std::vector<BlockMeta>* out) {
  out->clear();
  std::vector<std::string> ids;
  TEMPO_RETURN_IF_ERROR(backend.list(std::string(tenant) + "/", &ids));
  for (const auto& id : ids) {
    std::string json;
    Status s = backend.read(std::string(tenant) + "/" + id + "/meta.json", &json);
    if (s.is(Status::Code::kNotFound)) continue;  // still being written, or not a block
    TEMPO_RETURN_IF_ERROR(s);
    BlockMeta meta;
    TEMPO_RETURN_IF_ERROR(BlockMeta::from_json(json, &meta));
    out->push_back(std::move(meta));
  }
  return Status::ok();
}

}  // namespace tempo::block
