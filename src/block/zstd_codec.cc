#include "block/zstd_codec.h"

#include <zstd.h>

namespace tempo::block {

void ZstdCompressor::Free::operator()(ZSTD_CCtx_s* c) const { ZSTD_freeCCtx(c); }
void ZstdDecompressor::Free::operator()(ZSTD_DCtx_s* c) const { ZSTD_freeDCtx(c); }

ZstdCompressor::ZstdCompressor(int level) : ctx_(ZSTD_createCCtx()) {
  ZSTD_CCtx_setParameter(ctx_.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(ctx_.get(), ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(ctx_.get(), ZSTD_c_contentSizeFlag, 1);
}

Status ZstdCompressor::compress(std::string_view in, std::string* out) {
  if (!ctx_) return Status::internal("zstd: no compression context");
  out->resize(ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compress2(ctx_.get(), out->data(), out->size(), in.data(), in.size());
  if (ZSTD_isError(n)) return Status::internal(std::string("zstd: ") + ZSTD_getErrorName(n));
  out->resize(n);
  return Status::ok();
}

ZstdDecompressor::ZstdDecompressor() : ctx_(ZSTD_createDCtx()) {}

Status ZstdDecompressor::decompress(std::string_view in, size_t expected_size,
                                    std::string* out) {
  std::string_view got;
  TEMPO_RETURN_IF_ERROR(decompress_into(in, expected_size, out, &got));
  out->resize(expected_size);
  return Status::ok();
}

namespace {

// That `in` starts with a frame header saying `expected_size`, a size a frame of `in.size()`
// bytes can hold: checked before anything is sized by it.
Status check_frame(std::string_view in, size_t expected_size) {
  unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return Status::corruption("zstd frame header is invalid");
  }
  if (expected_size > max_zstd_content(in.size())) {
    return Status::corruption("zstd frame of " + std::to_string(in.size()) +
                              " bytes cannot hold " + std::to_string(expected_size));
  }
  if (size != expected_size) {
    return Status::corruption("zstd frame holds " + std::to_string(size) + " bytes, expected " +
                              std::to_string(expected_size));
  }
  return Status::ok();
}

}  // namespace

Status ZstdDecompressor::decompress_into(std::string_view in, size_t expected_size,
                                         std::string* buf, std::string_view* out) {
  TEMPO_RETURN_IF_ERROR(check_frame(in, expected_size));
  if (buf->size() < expected_size) buf->resize(expected_size);
  TEMPO_RETURN_IF_ERROR(decompress_to(in, expected_size, buf->data()));
  *out = std::string_view(buf->data(), expected_size);
  return Status::ok();
}

Status ZstdDecompressor::decompress_to(std::string_view in, size_t expected_size, char* dst) {
  if (!ctx_) return Status::internal("zstd: no decompression context");
  TEMPO_RETURN_IF_ERROR(check_frame(in, expected_size));
  size_t n = ZSTD_decompressDCtx(ctx_.get(), dst, expected_size, in.data(), in.size());
  if (ZSTD_isError(n)) return Status::corruption(std::string("zstd: ") + ZSTD_getErrorName(n));
  if (n != expected_size) return Status::corruption("zstd frame is shorter than its header says");
  return Status::ok();
}

Status ZstdDecompressor::decompress_frame(std::string_view in, std::string* out) {
  unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return Status::corruption("zstd frame header is invalid");
  }
  return decompress(in, static_cast<size_t>(size), out);
}

ZstdDecompressor& thread_local_decompressor() {
  thread_local ZstdDecompressor d;
  return d;
}

}  // namespace tempo::block
