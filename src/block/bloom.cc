#include "tempo/block/bloom.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace tempo::block {
namespace {

uint64_t fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

// Two independent 64-bit hashes of the whole ID (64-bit Zipkin/Jaeger IDs are zero-padded,
// so no fixed subset of the bytes is random enough on its own).
void hash_pair(const TraceId& id, uint64_t* h1, uint64_t* h2) {
  uint64_t a, b;
  std::memcpy(&a, id.bytes.data(), 8);
  std::memcpy(&b, id.bytes.data() + 8, 8);
  *h1 = fmix64(a ^ fmix64(b + 0x9E3779B97F4A7C15ULL));
  *h2 = fmix64(b ^ fmix64(a + 0xC2B2AE3D27D4EB4FULL)) | 1;
}

void put_u32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& s, uint64_t v) {
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t get_le(const char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

}  // namespace

uint32_t bloom_shard_of(const TraceId& id, uint32_t shards) {
  if (shards <= 1) return 0;
  uint64_t h1, h2;
  hash_pair(id, &h1, &h2);
  // A third mix so shard choice and bit positions are not correlated.
  return static_cast<uint32_t>(fmix64(h1 ^ h2) % shards);
}

uint32_t bloom_shard_count(uint64_t expected, double fp, size_t shard_bytes) {
  expected = std::max<uint64_t>(expected, 1);
  double bits = -static_cast<double>(expected) * std::log(fp) / (std::log(2.0) * std::log(2.0));
  double bytes = bits / 8.0;
  uint64_t n = static_cast<uint64_t>(std::ceil(bytes / static_cast<double>(std::max<size_t>(shard_bytes, 1))));
  return static_cast<uint32_t>(std::clamp<uint64_t>(n, 1, 1000));
}

BloomFilter::BloomFilter(uint64_t expected, double fp) {
  expected = std::max<uint64_t>(expected, 1);
  double m = -static_cast<double>(expected) * std::log(fp) / (std::log(2.0) * std::log(2.0));
  bits_ = std::max<uint64_t>(64, static_cast<uint64_t>(std::ceil(m)));
  bits_ = (bits_ + 7) / 8 * 8;
  k_ = static_cast<uint32_t>(std::clamp(std::lround(m / static_cast<double>(expected) * std::log(2.0)), 1L, 30L));
  words_.assign(bits_ / 8, 0);
}

void BloomFilter::add(const TraceId& id) {
  uint64_t h1, h2;
  hash_pair(id, &h1, &h2);
  for (uint32_t i = 0; i < k_; ++i) {
    uint64_t bit = (h1 + i * h2) % bits_;
    words_[bit >> 3] |= static_cast<uint8_t>(1u << (bit & 7));
  }
}

bool BloomFilter::may_contain(const TraceId& id) const {
  if (bits_ == 0) return false;
  uint64_t h1, h2;
  hash_pair(id, &h1, &h2);
  for (uint32_t i = 0; i < k_; ++i) {
    uint64_t bit = (h1 + i * h2) % bits_;
    if (!(words_[bit >> 3] & (1u << (bit & 7)))) return false;
  }
  return true;
}

std::string BloomFilter::encode() const {
  std::string out;
  out.reserve(12 + words_.size());
  put_u32(out, k_);
  put_u64(out, bits_);
  out.append(reinterpret_cast<const char*>(words_.data()), words_.size());
  return out;
}

Status BloomFilter::decode(std::string_view data, BloomFilter* out) {
  if (data.size() < 12) return Status::corruption("bloom filter too short");
  uint32_t k = static_cast<uint32_t>(get_le(data.data(), 4));
  uint64_t bits = get_le(data.data() + 4, 8);
  if (k == 0 || k > 64 || bits % 8 != 0 || data.size() - 12 != bits / 8) {
    return Status::corruption("bloom filter header does not match its size");
  }
  out->k_ = k;
  out->bits_ = bits;
  out->words_.assign(data.begin() + 12, data.end());
  return Status::ok();
}

}  // namespace tempo::block
