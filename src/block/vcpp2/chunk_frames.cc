#include "block/vcpp2/chunk_frames.h"

#include "block/vcpp2/bytes.h"
#include "block/zstd_codec.h"
#include "tempo/util/little_endian.h"

namespace tempo::block::vcpp2 {
namespace {

// One of the skippable-frame magics zstd reserves (0x184D2A50..5F): decoders skip it.
constexpr uint32_t kFrameTableMagic = 0x184D2A5B;
constexpr size_t kSkippableHeader = 8;  // magic u32, content length u32

Status bad_table(const char* what) {
  return Status::corruption(std::string("vcpp2 chunk frame table: ") + what);
}

}  // namespace

bool has_frame_table(std::string_view chunk) {
  return chunk.size() >= kSkippableHeader && le::load32(chunk.data()) == kFrameTableMagic;
}

void append_frame_table(const std::vector<ChunkFrame>& frames, std::string* out) {
  std::string table;
  ByteWriter w(&table);
  w.varint(frames.size());
  uint32_t prev = 0;
  for (const auto& f : frames) {
    w.varint(f.first_row - prev);
    prev = f.first_row;
    w.varint(f.length);
    w.varint(f.raw_length);
    w.varint(f.state);
  }
  le::append(*out, kFrameTableMagic, 4);
  le::append(*out, static_cast<uint32_t>(table.size()), 4);
  out->append(table);
}

Status read_frame_table(std::string_view chunk, const ChunkRef& ref, uint32_t rows,
                        std::vector<ChunkFrame>* out) {
  if (!has_frame_table(chunk)) return bad_table("missing");
  const uint32_t table_size = le::load32(chunk.data() + 4);
  if (table_size > chunk.size() - kSkippableHeader) return bad_table("longer than its chunk");
  ByteReader r(chunk.substr(kSkippableHeader, table_size));
  uint64_t n;
  // Every frame takes at least four bytes of the table.
  if (!r.varint(&n) || n == 0 || n > r.remaining() / 4) return bad_table("bad frame count");
  out->resize(n);
  uint64_t offset = kSkippableHeader + uint64_t{table_size}, plain = 0, row = 0;
  for (uint64_t i = 0; i < n; ++i) {
    ChunkFrame& f = (*out)[i];
    uint64_t delta;
    if (!r.varint(&delta) || !r.u32(&f.length) || !r.u32(&f.raw_length) || !r.varint(&f.state)) {
      return bad_table("truncated");
    }
    row += delta;
    if ((i > 0 && delta == 0) || row >= rows) return bad_table("rows out of order or range");
    if (f.length == 0 || f.raw_length > max_zstd_content(f.length)) {
      return bad_table("impossible frame size");
    }
    f.first_row = static_cast<uint32_t>(row);
    f.offset = static_cast<uint32_t>(offset);
    offset += f.length;
    plain += f.raw_length;
    if (i > 0) (*out)[i - 1].end_row = f.first_row;
  }
  out->back().end_row = rows;
  if (!r.done() || offset != chunk.size() || offset != ref.length || plain != ref.raw_length) {
    return bad_table("frames do not tile the chunk");
  }
  return Status::ok();
}

Status inflate_chunk(std::string_view chunk, const ChunkRef& ref, std::string* buf,
                     std::string_view* out) {
  if (chunk.size() != ref.length) return Status::corruption("vcpp2 chunk was not read");
  ZstdDecompressor& z = thread_local_decompressor();
  if (!has_frame_table(chunk)) return z.decompress_into(chunk, ref.raw_length, buf, out);
  thread_local std::vector<ChunkFrame> frames;
  // Rows are not known here (scans check them in the decoders): any ascending rows will do.
  TEMPO_RETURN_IF_ERROR(read_frame_table(chunk, ref, UINT32_MAX, &frames));
  // ref.raw_length is bounded by the frames' lengths (read_frame_table), so by the bytes read.
  if (buf->size() < ref.raw_length) buf->resize(ref.raw_length);
  size_t at = 0;
  for (const auto& f : frames) {
    TEMPO_RETURN_IF_ERROR(
        z.decompress_to(chunk.substr(f.offset, f.length), f.raw_length, buf->data() + at));
    at += f.raw_length;
  }
  *out = std::string_view(buf->data(), ref.raw_length);
  return Status::ok();
}

}  // namespace tempo::block::vcpp2
