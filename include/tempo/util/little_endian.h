#pragma once
// Fixed-width little-endian integers and CRC-32 for the on-disk formats (WAL, block index,
// bloom shards). One definition so every format agrees on byte order and checksum.

#include <cstdint>
#include <string>
#include <string_view>

namespace tempo::le {

// Appends the low `n` bytes of v, least significant first.
inline void append(std::string& s, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Writes 4 bytes at p.
inline void store32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// Reads `n` bytes at p.
inline uint64_t load(const char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

inline uint32_t load32(const char* p) { return static_cast<uint32_t>(load(p, 4)); }

}  // namespace tempo::le

namespace tempo {

// zlib's CRC-32 (IEEE), continuing from `crc` (0 to start).
uint32_t crc32_update(uint32_t crc, std::string_view bytes);
inline uint32_t crc32_of(std::string_view bytes) { return crc32_update(0, bytes); }

}  // namespace tempo
