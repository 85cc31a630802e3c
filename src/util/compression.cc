#include "tempo/util/compression.h"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cctype>

namespace tempo {
namespace {

Status inflate_all(std::string_view in, int window_bits, size_t max_out, std::string* out) {
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK) return Status::internal("zlib init failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  out->clear();
  char buf[64 * 1024];
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return Status::invalid_argument(std::string("body does not decompress: ") +
                                      (zs.msg ? zs.msg : "invalid data"));
    }
    out->append(buf, sizeof buf - zs.avail_out);
    if (out->size() > max_out) {
      inflateEnd(&zs);
      return Status::resource_exhausted("decompressed body exceeds " + std::to_string(max_out) +
                                        " bytes");
    }
    if (rc != Z_STREAM_END && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      return Status::invalid_argument("body does not decompress: truncated stream");
    }
  } while (rc != Z_STREAM_END);
  inflateEnd(&zs);
  return Status::ok();
}

Status zstd_all(std::string_view in, size_t max_out, std::string* out) {
  ZSTD_DCtx* ctx = ZSTD_createDCtx();
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  out->clear();
  char buf[64 * 1024];
  size_t rc = 1;
  while (input.pos < input.size || rc != 0) {
    ZSTD_outBuffer output{buf, sizeof buf, 0};
    rc = ZSTD_decompressStream(ctx, &output, &input);
    if (ZSTD_isError(rc)) {
      ZSTD_freeDCtx(ctx);
      return Status::invalid_argument(std::string("body does not decompress: ") +
                                      ZSTD_getErrorName(rc));
    }
    out->append(buf, output.pos);
    if (out->size() > max_out) {
      ZSTD_freeDCtx(ctx);
      return Status::resource_exhausted("decompressed body exceeds " + std::to_string(max_out) +
                                        " bytes");
    }
    if (input.pos == input.size && output.pos == 0 && rc != 0) {
      ZSTD_freeDCtx(ctx);
      return Status::invalid_argument("body does not decompress: truncated zstd stream");
    }
  }
  ZSTD_freeDCtx(ctx);
  return Status::ok();
}

}  // namespace

Status decompress(std::string_view encoding, std::string_view in, size_t max_out,
                  std::string* out) {
  std::string enc(encoding);
  std::transform(enc.begin(), enc.end(), enc.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (enc.empty() || enc == "identity") {
    if (in.size() > max_out) return Status::resource_exhausted("body too large");
    out->assign(in);
    return Status::ok();
  }
  if (enc == "gzip" || enc == "x-gzip") return inflate_all(in, 15 + 16, max_out, out);
  if (enc == "deflate" || enc == "zlib") return inflate_all(in, 15 + 32, max_out, out);
  if (enc == "zstd") return zstd_all(in, max_out, out);
  if (enc == "snappy") {
    size_t len = 0;
    if (!snappy::GetUncompressedLength(in.data(), in.size(), &len)) {
      return Status::invalid_argument("body does not decompress: invalid snappy data");
    }
    if (len > max_out) {
      return Status::resource_exhausted("decompressed body exceeds " + std::to_string(max_out) +
                                        " bytes");
    }
    if (!snappy::Uncompress(in.data(), in.size(), out)) {
      return Status::invalid_argument("body does not decompress: invalid snappy data");
    }
    return Status::ok();
  }
  return Status::not_found("unsupported Content-Encoding \"" + std::string(encoding) + "\"");
}

Status gzip_compress(std::string_view in, std::string* out) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::internal("zlib init failed");
  }
  out->resize(deflateBound(&zs, in.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out->data());
  zs.avail_out = static_cast<uInt>(out->size());
  int rc = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Status::internal("gzip failed");
  out->resize(zs.total_out);
  return Status::ok();
}

}  // namespace tempo
