#pragma once
// A bloom filter over trace IDs. A block's filter is split into shards (bloom-N objects) so a
// lookup reads exactly one shard; each shard is one BloomFilter. Positions come from double
// hashing of a 128-bit mix of all 16 ID bytes, because 64-bit Zipkin/Jaeger IDs are
// zero-padded and no fixed byte range of an ID is random on its own.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/model/trace_id.h"
#include "tempo/util/status.h"

namespace tempo::block {

// Which of `shards` shards holds `id` (0 when shards <= 1). Independent of bit positions.
uint32_t bloom_shard_of(const TraceId& id, uint32_t shards);

// Shards needed so each is about `shard_bytes` when holding `expected` IDs at false-positive
// rate `fp`; at least 1 and at most kMaxBloomShards.
inline constexpr uint32_t kMaxBloomShards = 1000;
uint32_t bloom_shard_count(uint64_t expected, double fp, size_t shard_bytes);

class BloomFilter {
 public:
  BloomFilter() = default;  // holds nothing: may_contain is always false
  // A filter sized for `expected` items at false-positive rate `fp` (0 < fp < 1) with the
  // optimal bit count m = -n ln(fp) / ln(2)^2 and hash count k = m/n ln 2.
  BloomFilter(uint64_t expected, double fp);

  void add(const TraceId& id);
  // False means certainly absent; true means present with probability 1 - fp.
  bool may_contain(const TraceId& id) const;

  // Serialized form (little-endian): k u32 | bit count m u64 | m/8 bytes of bits | crc32 u32
  // of everything before it.
  std::string encode() const;
  // kCorruption when the header, size or checksum do not match.
  static Status decode(std::string_view data, BloomFilter* out);

  uint64_t bit_count() const { return bits_; }
  uint32_t hash_count() const { return k_; }

 private:
  uint64_t bits_ = 0;
  uint32_t k_ = 0;
  std::vector<uint8_t> words_;
};

}  // namespace tempo::block
