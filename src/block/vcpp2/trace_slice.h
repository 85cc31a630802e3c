#pragma once
// Trace by ID without decoding the row group: the rows of one trace are cut out
// of each column chunk into a SpanTable holding only that trace (row 0), for
// assemble_trace. Rows of other traces are skipped, not stored; the dictionary
// is indexed by offset and only the strings the trace uses are copied; chunks
// the trace has no rows in (events, links, blobs, shared attributes) are not
// even decompressed.
//
// The sliced table is for assembly only: its string pool holds just the trace's
// strings (ids differ from the group's), its attribute runs keep the group's
// key order (not ascending by the new ids), and derived columns are not
// computed.

#include <string>
#include <string_view>
#include <vector>

#include "block/vcpp2/chunk_frames.h"
#include "block/vcpp2/layout.h"
#include "tempo/columnar/span_table.h"
#include "tempo/util/status.h"

namespace tempo::block::vcpp2 {

class ByteReader;

// Reusable buffers for slicing; one per thread. Not thread-safe.
class TraceSlicer {
 public:
  // `group` is the whole compressed row group `g`. Sets *found and fills *out
  // when the group holds `id`; leaves *found alone otherwise. kCorruption when
  // a chunk it reads is damaged (every count, string id and row reference is
  // checked against the bytes present).
  Status slice(const RowGroup &g, std::string_view group, const TraceId &id,
               columnar::SpanTable *out, bool *found);

 private:
  struct Range {
    uint32_t begin = 0, end = 0;
  };
  Status inflate(const ChunkRef &c, std::string *buf, std::string_view *out) const;
  // Into raw_: the frame of chunk `c` (of `rows` rows) that holds row `row`, or the whole
  // chunk if it is not framed (*f then spans every row). *present is false when no frame
  // holds it (an attribute chunk whose key the trace's part of the group lacks).
  Status inflate_rows(const ChunkRef &c, uint32_t row, uint32_t rows, ChunkFrame *f, bool *present);
  Status load_dict(const RowGroup &g);
  Status slice_spans(const RowGroup &g, uint32_t trace, columnar::SpanTable *out);
  Status slice_events_links(const RowGroup &g, columnar::SpanTable *out);
  Status slice_attrs(const RowGroup &g, columnar::SpanTable *out);
  Status resolve_blobs(const RowGroup &g, columnar::SpanTable *out);
  // Rows [begin, end) of a column of `n` string ids, as ids of the sliced pool.
  bool string_rows(ByteReader &r, size_t n, Range rows, std::vector<uint32_t> *out);
  uint32_t string_id(uint32_t group_id);

  std::string_view group_;
  std::string buf_, dict_buf_;          // decompressed chunks; they only grow
  std::string_view raw_, dict_;         // the chunk being read, the dictionary
  std::vector<uint32_t> dict_offsets_;  // string i is dict_[offsets[i], offsets[i + 1])
  std::vector<uint32_t> remap_;         // group string id -> sliced id, or kNoRow
  std::vector<std::string> strings_;    // the sliced pool being built
  std::vector<uint32_t> owners_;        // one attribute run's owners
  std::vector<ChunkFrame> frames_;      // the frame table of the chunk being read
  struct BlobRef {
    int owner_kind;
    uint32_t row;
  };
  std::vector<BlobRef> blob_refs_;
  columnar::SpanTable structure_;  // the group's offsets columns only
  // The trace's rows in the group's tables.
  Range resources_, scopes_, spans_, events_, links_;
};

}  // namespace tempo::block::vcpp2
