#include "block/block_format.h"

#include <zlib.h>
#include <zstd.h>

#include <cstring>

namespace tempo::block::format {
namespace {

void put_le(std::string& s, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t get_le(const char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

}  // namespace

std::string encode_index(const std::vector<IndexEntry>& entries) {
  std::string s;
  s.reserve(12 + entries.size() * kIndexEntrySize + 4);
  s.append(kIndexMagic, 4);
  put_le(s, 1, 4);
  put_le(s, entries.size(), 4);
  for (const auto& e : entries) {
    s.append(e.first.view());
    s.append(e.last.view());
    put_le(s, e.offset, 8);
    put_le(s, e.length, 4);
    put_le(s, e.count, 4);
  }
  uint32_t crc = static_cast<uint32_t>(crc32_z(0, reinterpret_cast<const Bytef*>(s.data()), s.size()));
  put_le(s, crc, 4);
  return s;
}

Status decode_index(std::string_view raw, std::vector<IndexEntry>* out) {
  if (raw.size() < 16 || std::memcmp(raw.data(), kIndexMagic, 4) != 0) {
    return Status::corruption("block index has no valid header");
  }
  uint32_t crc = static_cast<uint32_t>(get_le(raw.data() + raw.size() - 4, 4));
  if (crc != static_cast<uint32_t>(crc32_z(0, reinterpret_cast<const Bytef*>(raw.data()), raw.size() - 4))) {
    return Status::corruption("block index checksum mismatch");
  }
  if (get_le(raw.data() + 4, 4) != 1) return Status::corruption("unsupported block index version");
  uint64_t n = get_le(raw.data() + 8, 4);
  if (raw.size() != 12 + n * kIndexEntrySize + 4) return Status::corruption("block index size mismatch");
  out->clear();
  out->reserve(n);
  const char* p = raw.data() + 12;
  for (uint64_t i = 0; i < n; ++i, p += kIndexEntrySize) {
    IndexEntry e;
    std::memcpy(e.first.bytes.data(), p, 16);
    std::memcpy(e.last.bytes.data(), p + 16, 16);
    e.offset = get_le(p + 32, 8);
    e.length = static_cast<uint32_t>(get_le(p + 40, 4));
    e.count = static_cast<uint32_t>(get_le(p + 44, 4));
    out->push_back(e);
  }
  return Status::ok();
}

std::string bloom_key(uint32_t shard) { return "bloom-" + std::to_string(shard); }

Status compress(void* ctx, std::string_view in, std::string* out) {
  out->resize(ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(ctx), out->data(), out->size(), in.data(),
                               in.size(), 3);
  if (ZSTD_isError(n)) return Status::internal(std::string("zstd: ") + ZSTD_getErrorName(n));
  out->resize(n);
  return Status::ok();
}

Status decompress(std::string_view in, size_t max_out, std::string* out) {
  unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > max_out) {
    return Status::corruption("zstd frame header is invalid");
  }
  out->resize(size);
  size_t n = ZSTD_decompress(out->data(), out->size(), in.data(), in.size());
  if (ZSTD_isError(n) || n != size) {
    return Status::corruption(std::string("zstd: ") + (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short frame"));
  }
  return Status::ok();
}

}  // namespace tempo::block::format
