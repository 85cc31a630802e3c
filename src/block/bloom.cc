#include "tempo/block/bloom.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "tempo/util/little_endian.h"

namespace tempo::block {
namespace {

// MurmurHash3's 64-bit finalizer: a fast bijective mix with full avalanche.
uint64_t fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

// Two hashes that each depend on all 16 ID bytes. h2 is odd so that h1 + i*h2 visits
// distinct positions for i < k whenever the bit count is a power of two, and rarely repeats
// otherwise.
void hash_pair(const TraceId& id, uint64_t* h1, uint64_t* h2) {
  uint64_t a, b;
  std::memcpy(&a, id.bytes.data(), 8);
  std::memcpy(&b, id.bytes.data() + 8, 8);
  *h1 = fmix64(a ^ fmix64(b + 0x9E3779B97F4A7C15ULL));
  *h2 = fmix64(b ^ fmix64(a + 0xC2B2AE3D27D4EB4FULL)) | 1;
}

double optimal_bits(uint64_t n, double fp) {
  const double ln2 = std::log(2.0);
  return -static_cast<double>(std::max<uint64_t>(n, 1)) * std::log(fp) / (ln2 * ln2);
}

constexpr size_t kHeader = 4 + 8;

}  // namespace

uint32_t bloom_shard_of(const TraceId& id, uint32_t shards) {
  if (shards <= 1) return 0;
  uint64_t h1, h2;
  hash_pair(id, &h1, &h2);
  // A third mix so the shard choice is not correlated with the bit positions inside it.
  return static_cast<uint32_t>(fmix64(h1 ^ (h2 >> 1)) % shards);
}

uint32_t bloom_shard_count(uint64_t expected, double fp, size_t shard_bytes) {
  const double bytes = optimal_bits(expected, fp) / 8.0;
  const double per_shard = static_cast<double>(std::max<size_t>(shard_bytes, 1));
  const double n = std::ceil(bytes / per_shard);
  if (!(n >= 1)) return 1;  // also catches NaN from a bad fp
  return n >= kMaxBloomShards ? kMaxBloomShards : static_cast<uint32_t>(n);
}

BloomFilter::BloomFilter(uint64_t expected, double fp) {
  expected = std::max<uint64_t>(expected, 1);
  fp = std::clamp(fp, 1e-9, 0.5);
  const double m = optimal_bits(expected, fp);
  bits_ = std::max<uint64_t>(64, static_cast<uint64_t>(std::ceil(m)));
  bits_ = (bits_ + 7) / 8 * 8;
  const double k = static_cast<double>(bits_) / static_cast<double>(expected) * std::log(2.0);
  k_ = static_cast<uint32_t>(std::clamp<long>(std::lround(k), 1, 30));
  words_.assign(bits_ / 8, 0);
}

void BloomFilter::add(const TraceId& id) {
  if (bits_ == 0) return;
  uint64_t h1, h2;
  hash_pair(id, &h1, &h2);
  for (uint32_t i = 0; i < k_; ++i) {
    const uint64_t bit = (h1 + i * h2) % bits_;
    words_[bit >> 3] |= static_cast<uint8_t>(1u << (bit & 7));
  }
}

bool BloomFilter::may_contain(const TraceId& id) const {
  if (bits_ == 0) return false;
  uint64_t h1, h2;
  hash_pair(id, &h1, &h2);
  for (uint32_t i = 0; i < k_; ++i) {
    const uint64_t bit = (h1 + i * h2) % bits_;
    if (!(words_[bit >> 3] & (1u << (bit & 7)))) return false;
  }
  return true;
}

std::string BloomFilter::encode() const {
  std::string out;
  out.reserve(kHeader + words_.size() + 4);
  le::append(out, k_, 4);
  le::append(out, bits_, 8);
  out.append(reinterpret_cast<const char*>(words_.data()), words_.size());
  le::append(out, crc32_of(out), 4);
  return out;
}

Status BloomFilter::decode(std::string_view data, BloomFilter* out) {
  if (data.size() < kHeader + 4) return Status::corruption("bloom filter is too short");
  const uint32_t k = static_cast<uint32_t>(le::load(data.data(), 4));
  const uint64_t bits = le::load(data.data() + 4, 8);
  if (k == 0 || k > 64 || bits == 0 || bits % 8 != 0 || data.size() - kHeader - 4 != bits / 8) {
    return Status::corruption("bloom filter header does not match its size");
  }
  const std::string_view body = data.substr(0, data.size() - 4);
  if (le::load(data.data() + body.size(), 4) != crc32_of(body)) {
    return Status::corruption("bloom filter checksum mismatch");
  }
  out->k_ = k;
  out->bits_ = bits;
  out->words_.assign(body.begin() + kHeader, body.end());
  return Status::ok();
}

}  // namespace tempo::block
