#include "block/block_io.h"

#include <algorithm>

#include "block/block_format.h"

namespace tempo::block {

BlockIo::BlockIo(backend::Backend& backend, const BlockMeta& meta)
    : backend_(backend),
      prefix_(meta.tenant_id + "/" + meta.block_id + "/"),
      bloom_shards_(meta.bloom_shards) {}

std::string BlockIo::key(std::string_view object) const {
  std::string k;
  k.reserve(prefix_.size() + object.size());
  k.append(prefix_).append(object);
  return k;
}

Status BlockIo::read_whole(std::string_view object, std::string* out) {
  TEMPO_RETURN_IF_ERROR(backend_.read(key(object), out));
  bytes_read_.fetch_add(out->size(), std::memory_order_relaxed);
  backend_reads_.fetch_add(1, std::memory_order_relaxed);
  return Status::ok();
}

Status BlockIo::read_range(std::string_view object, uint64_t offset, uint64_t length,
                           std::string* out) {
  const std::string k = key(object);
  Status s = backend_.read_range(k, offset, length, out);
  if (s.is(Status::Code::kInvalidArgument)) {
    return Status::corruption(k + " is shorter than its index says: " + s.message());
  }
  TEMPO_RETURN_IF_ERROR(s);
  if (out->size() != length) return Status::corruption(k + ": short ranged read");
  bytes_read_.fetch_add(out->size(), std::memory_order_relaxed);
  backend_reads_.fetch_add(1, std::memory_order_relaxed);
  return Status::ok();
}

Status BlockIo::bloom_may_contain(const TraceId& id, bool* may_contain) {
  const uint32_t shard = bloom_shard_of(id, bloom_shards_);
  std::shared_ptr<const BloomFilter> bf;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = blooms_.find(shard);
    if (it != blooms_.end()) bf = it->second;
  }
  if (!bf) {
    // Read outside the lock: a slow backend must not stall lookups that hit the cache.
    std::string data;
    TEMPO_RETURN_IF_ERROR(read_whole(format::bloom_object(shard), &data));
    auto fresh = std::make_shared<BloomFilter>();
    Status s = BloomFilter::decode(data, fresh.get());
    if (!s.is_ok())
      return Status::corruption(key(format::bloom_object(shard)) + ": " + s.message());
    std::lock_guard<std::mutex> lock(mu_);
    bf = blooms_.emplace(shard, std::move(fresh)).first->second;
  }
  *may_contain = bf->may_contain(id);
  return Status::ok();
}

Status write_bloom_shards(backend::Backend& backend, const std::string& dir,
                          const std::vector<TraceId>& ids, const WriterOptions& options,
                          std::vector<std::string>* written, uint32_t* shards) {
  // Shards are sized from the IDs each really holds, so every shard meets the target rate
  // whatever the hint said; the hint only raises the shard count.
  const uint64_t expected = std::max<uint64_t>(options.expected_traces, ids.size());
  const uint32_t n =
      bloom_shard_count(expected, options.bloom_false_positive, options.bloom_shard_size_bytes);
  std::vector<std::vector<TraceId>> by_shard(n);
  for (const auto& id : ids) by_shard[bloom_shard_of(id, n)].push_back(id);
  for (uint32_t i = 0; i < n; ++i) {
    BloomFilter bf(by_shard[i].size(), options.bloom_false_positive);
    for (const auto& id : by_shard[i]) bf.add(id);
    written->push_back(dir + format::bloom_object(i));
    TEMPO_RETURN_IF_ERROR(backend.write(written->back(), bf.encode()));
  }
  *shards = n;
  return Status::ok();
}

}  // namespace tempo::block
