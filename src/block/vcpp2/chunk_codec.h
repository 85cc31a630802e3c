#pragma once
// vcpp2 column chunks <-> SpanTable columns (plain bytes; compression is the caller's).
//
// Encoders take a complete table (SpanTableBuilder output). Decoders fill a table one chunk
// at a time, in Chunk order: the dictionary first, then the structure (which sizes every
// table), then any other chunks. Each decoder checks every count, string id, row reference
// and length against what the structure and the chunk's bytes allow, and returns
// kCorruption rather than reading past the chunk or allocating more than it could hold.

#include <string>
#include <string_view>
#include <vector>

#include "block/vcpp2/layout.h"
#include "tempo/columnar/span_table.h"
#include "tempo/util/status.h"

namespace tempo::block::vcpp2 {

// Replaces *out with the plain bytes of fixed chunk `c` of `t`.
void encode_chunk(const columnar::SpanTable& t, Chunk c, std::string* out);
// The attributes of one key of `at` (per-key chunk).
void encode_attr_run(const columnar::AttrTable& at, const columnar::AttrTable::KeyRun& run,
                     std::string* out);
// Rows [begin, end) of one key's run as a run of their own (one frame of a framed per-key
// chunk: owners count from 0 again).
void encode_attr_rows(const columnar::AttrTable& at, uint32_t key, uint32_t begin, uint32_t end,
                      std::string* out);
// Every key of `at` (shared chunk).
void encode_attr_table(const columnar::AttrTable& at, std::string* out);

// Where span rows `rows` (ascending) begin in the plain bytes of span chunk `c` (kSpanIds,
// kParents, kStart, kDuration, kName or kKind: one column, one entry per span), for cutting
// the chunk into frames. False if `raw` is shorter than the rows.
bool span_row_offsets(Chunk c, std::string_view raw, const std::vector<uint32_t>& rows,
                      std::vector<size_t>* out);

// Empties every column of *t, keeping the vectors' capacity for the next group.
void reset_table(columnar::SpanTable* t);

// Fills the columns of fixed chunk `c` from its plain bytes. kDict must come first and
// kStructure second; the structure must agree with the group's `traces`/`spans` counts.
// kParents needs kSpanIds, kEvents needs kStart.
Status decode_chunk(Chunk c, std::string_view raw, const RowGroup& g, columnar::SpanTable* t);
// Appends the runs of a per-key or shared attribute chunk to t->attrs[owner]. Runs must come
// in ascending key id order across calls for one owner. A per-key chunk may hold several runs
// of its key (one per frame, owners ascending), which become one.
Status decode_attrs(int owner, bool shared, std::string_view raw, columnar::SpanTable* t);

}  // namespace tempo::block::vcpp2
