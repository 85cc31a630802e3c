#pragma once
// zstd with reused contexts. Every frame records its content size and a content checksum, so
// a damaged page or index is reported as corruption instead of decoding to wrong bytes.

#include <memory>
#include <string>
#include <string_view>

#include "tempo/util/status.h"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace tempo::block {

// Not thread-safe: one per writer.
class ZstdCompressor {
 public:
  explicit ZstdCompressor(int level = 3);
  // Replaces *out with one frame holding `in`.
  Status compress(std::string_view in, std::string* out);

 private:
  struct Free {
    void operator()(ZSTD_CCtx_s* c) const;
  };
  std::unique_ptr<ZSTD_CCtx_s, Free> ctx_;
};

// Not thread-safe: readers use thread_local_decompressor().
class ZstdDecompressor {
 public:
  ZstdDecompressor();
  // Replaces *out with the content of the single frame `in`, which must be exactly
  // `expected_size` bytes long (known from the index), so a damaged header cannot make us
  // allocate an arbitrary amount. kCorruption on any mismatch or decode error.
  // Sizes that no valid frame of `in.size()` bytes can hold are refused before allocating.
  Status decompress(std::string_view in, size_t expected_size, std::string* out);
  // As decompress, into `*buf`, which only ever grows: reusing it for frames of different
  // sizes costs no zero-filling. *out is the content, valid until *buf changes.
  Status decompress_into(std::string_view in, size_t expected_size, std::string* buf,
                         std::string_view* out);
  // As decompress, into dst[0, expected_size), which the caller has sized (the frames of
  // one chunk decompressed side by side into one buffer).
  Status decompress_to(std::string_view in, size_t expected_size, char* dst);
  // As decompress, with the size taken from the frame header (still bounded as above).
  Status decompress_frame(std::string_view in, std::string* out);

 private:
  struct Free {
    void operator()(ZSTD_DCtx_s* c) const;
  };
  std::unique_ptr<ZSTD_DCtx_s, Free> ctx_;
};

// The most plain bytes a zstd frame of `compressed` bytes can hold: a 128 KiB block is at
// least 4 bytes (an RLE block), so no valid frame expands more than 32768 times.
inline size_t max_zstd_content(size_t compressed) { return compressed * 32768; }

// One decompressor per thread, so concurrent lookups neither share nor re-create contexts.
ZstdDecompressor& thread_local_decompressor();

}  // namespace tempo::block
