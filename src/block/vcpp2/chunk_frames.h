#pragma once
// Framed chunks (vcpp2 formatVersion 2): a large row-oriented chunk is cut at trace
// boundaries into independent zstd frames, so a lookup by ID decompresses only the frame
// that holds its trace. The frame table rides in front of the frames as a zstd skippable
// frame:
//
//   chunk := skippable frame (magic 0x184D2A5B | content length u32 | table) | frame*
//   table := frame count varint | (first row delta | length | plain length | state)*  varints
//
// `first row` is the first row of the chunk's table (span row, or owner row for attribute
// chunks) the frame holds; frames hold ascending row ranges, each ending where the next
// begins. `state` is what decoding the frame alone needs from the rows before it (for the
// start column: the previous trace's first start; 0 elsewhere). A chunk without the table
// is one frame, as in formatVersion 1. docs/block_format.md describes the bytes.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "block/vcpp2/layout.h"
#include "tempo/util/status.h"

namespace tempo::block::vcpp2 {

struct ChunkFrame {
  uint32_t first_row = 0;
  uint32_t end_row = 0;     // the next frame's first row, or the chunk's row count
  uint32_t offset = 0;      // of the zstd frame within the chunk
  uint32_t length = 0;      // compressed bytes
  uint32_t raw_length = 0;  // plain bytes
  uint64_t state = 0;
};

// Whether `chunk` (its stored bytes) starts with a frame table.
bool has_frame_table(std::string_view chunk);

// Appends a frame table for `frames` (first_row, length, raw_length, state are used; the
// frames must follow it in this order).
void append_frame_table(const std::vector<ChunkFrame>& frames, std::string* out);

// Parses the table of the framed chunk `chunk` stored as `ref`: frames must tile the rest of
// the chunk, plain lengths add up to ref.raw_length and fit their frames, and first rows
// ascend below `rows` (the chunk's row count, which ends the last frame).
Status read_frame_table(std::string_view chunk, const ChunkRef& ref, uint32_t rows,
                        std::vector<ChunkFrame>* out);

// The whole plain content of a chunk, framed or not, into *buf (which only grows); *out is
// the content, valid until *buf changes.
Status inflate_chunk(std::string_view chunk, const ChunkRef& ref, std::string* buf,
                     std::string_view* out);

}  // namespace tempo::block::vcpp2
