#include "block/block_io.h"

#include <algorithm>
#include <cmath>

#include "block/block_format.h"
#include "tempo/observability/log.h"

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

BloomShards::BloomShards(const WriterOptions& options)
    : fp_(options.bloom_false_positive),
      shard_bytes_(options.bloom_shard_size_bytes),
      bound_(options.expected_traces) {
  if (bound_ == 0) return;
  const uint32_t n = bloom_shard_count(bound_, fp_, shard_bytes_);
  // A shard's share of the IDs varies binomially around bound/n; four standard deviations
  // above it keeps every shard at the target rate in all but freak cases, for under 1% more
  // bytes once a shard holds 100k IDs.
  const double share = static_cast<double>(bound_) / n;
  const auto capacity = static_cast<uint64_t>(std::ceil(share + 4 * std::sqrt(share) + 8));
  filters_.reserve(n);
  for (uint32_t i = 0; i < n; ++i) filters_.emplace_back(capacity, fp_);
}

void BloomShards::add(const TraceId& id) {
  ++added_;
  if (bound_ == 0) {
    ids_.push_back(id);
    return;
  }
  const auto n = static_cast<uint32_t>(filters_.size());
  filters_[bloom_shard_of(id, n)].add(id);
}

Status BloomShards::write(backend::Backend& backend, const std::string& dir,
                          std::vector<std::string>* written, uint32_t* shards) {
  if (over_bound()) {
    log::warn(
        "block holds more traces than its writer expected: its bloom filter has a higher "
        "false-positive rate",
        {{"block", dir}, {"traces", added_}, {"expected", bound_}});
  }
  if (bound_ == 0) {
    // Sized from the IDs each shard really holds, so every shard meets the target rate.
    const uint32_t n = bloom_shard_count(ids_.size(), fp_, shard_bytes_);
    std::vector<std::vector<TraceId>> by_shard(n);
    for (const auto& id : ids_) by_shard[bloom_shard_of(id, n)].push_back(id);
    ids_ = {};
    filters_.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      filters_.emplace_back(by_shard[i].size(), fp_);
      for (const auto& id : by_shard[i]) filters_.back().add(id);
      by_shard[i] = {};
    }
  }
  for (size_t i = 0; i < filters_.size(); ++i) {
    written->push_back(dir + format::bloom_object(static_cast<uint32_t>(i)));
    TEMPO_RETURN_IF_ERROR(backend.write(written->back(), filters_[i].encode()));
    filters_[i] = BloomFilter();
  }
  *shards = static_cast<uint32_t>(filters_.size());
  filters_ = {};
  return Status::ok();
}

}  // namespace tempo::block
