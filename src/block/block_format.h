#pragma once
// Byte-level pieces of the block format shared by writer and reader (docs/block_format.md).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/model/trace_id.h"
#include "tempo/util/status.h"

namespace tempo::block::format {

inline constexpr char kIndexMagic[4] = {'T', 'I', 'D', 'X'};
inline constexpr size_t kIndexEntrySize = 16 + 16 + 8 + 4 + 4;

struct IndexEntry {
  TraceId first, last;
  uint64_t offset = 0;
  uint32_t length = 0, count = 0;
};

inline void put_varint(std::string& s, uint64_t v) {
  while (v >= 0x80) {
    s.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  s.push_back(static_cast<char>(v));
}

// Reads a varint at *pos; false if truncated.
inline bool get_varint(std::string_view s, size_t* pos, uint64_t* v) {
  uint64_t r = 0;
  for (int shift = 0; shift < 64 && *pos < s.size(); shift += 7) {
    uint8_t b = static_cast<uint8_t>(s[(*pos)++]);
    r |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = r;
      return true;
    }
  }
  return false;
}

// Uncompressed index: magic, version (u32), entry count (u32), entries, CRC-32 of all before.
std::string encode_index(const std::vector<IndexEntry>& entries);
Status decode_index(std::string_view raw, std::vector<IndexEntry>* out);

std::string bloom_key(uint32_t shard);

// zstd helpers; `ctx` is a ZSTD_CCtx* reused across calls.
Status compress(void* ctx, std::string_view in, std::string* out);
Status decompress(std::string_view in, size_t max_out, std::string* out);

}  // namespace tempo::block::format
