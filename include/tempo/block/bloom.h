#pragma once
// A bloom filter over trace IDs, split into shards so that a lookup reads exactly one shard
// object. Sized from the expected number of traces and the target false-positive rate.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/model/trace_id.h"
#include "tempo/util/status.h"

namespace tempo::block {

// Which shard holds `id` among `shards`.
uint32_t bloom_shard_of(const TraceId& id, uint32_t shards);

// Number of shards for `expected` items at `fp` with shards of about `shard_bytes`.
uint32_t bloom_shard_count(uint64_t expected, double fp, size_t shard_bytes);

class BloomFilter {
 public:
  BloomFilter() = default;
  // A filter for `expected` items at false-positive rate `fp`.
  BloomFilter(uint64_t expected, double fp);

  void add(const TraceId& id);
  bool may_contain(const TraceId& id) const;

  // Serialized form: k (u32), bit count (u64), bits.
  std::string encode() const;
  static Status decode(std::string_view data, BloomFilter* out);

  uint64_t bit_count() const { return bits_; }
  uint32_t hash_count() const { return k_; }

 private:
  uint64_t bits_ = 0;
  uint32_t k_ = 0;
  std::vector<uint8_t> words_;
};

}  // namespace tempo::block
