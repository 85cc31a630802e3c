#pragma once
// vcpp2 index: what a reader knows about every row group before reading any of it — ID
// range, statistics for the search engine's keep/skip decision, and where each column chunk
// lies. docs/block_format.md describes the bytes; keep the two in step.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/columnar/fetch.h"
#include "tempo/model/trace_id.h"
#include "tempo/util/status.h"

namespace tempo::block::vcpp2 {

// The chunks every row group has, in this order at the start of the group (after them come
// the attribute chunks; see layout_order()). The always-loaded columns of a scan come first
// so they are one contiguous range.
enum class Chunk : uint8_t {
  kDict = 0,   // the group's StringPool
  kStructure,  // child counts: resources per trace, scopes per resource, spans per scope,
               // events and links per span
  kTraceIds,   // 16 bytes each
  kSpanIds,    // fixed 8 bytes each
  kParents,    // parent as a row within the trace, or an explicit ID
  kStart,      // zigzag deltas from the trace's first span start
  kDuration,   // varints
  kName,       // string ids
  kKind,
  kStatus,     // code, message
  kSpanMisc,   // trace state, flags, dropped counts
  kResources,  // schema url, dropped attribute count
  kScopes,     // name, version, schema url, dropped attribute count
  kEvents,     // time (delta from span start), name, dropped attribute count
  kLinks,      // trace id, span id, trace state, flags, dropped attribute count
  kBlobs,      // serialized AnyValues of array/kvlist/bytes attribute values
};
inline constexpr int kFixedChunks = 16;

// Owner kinds whose attributes get one chunk per key (a condition on one key reads one
// chunk); the others share one chunk per owner kind, as they are few and rarely queried.
inline constexpr bool per_key_chunks(int owner) {
  return owner == static_cast<int>(columnar::AttrOwner::kResource) ||
         owner == static_cast<int>(columnar::AttrOwner::kSpan);
}

struct ChunkRef {
  uint32_t offset = 0;      // from the start of the row group
  uint32_t length = 0;      // compressed bytes (0: the chunk is absent)
  uint32_t raw_length = 0;  // plain bytes
};

struct RowGroup {
  TraceId first, last;
  uint64_t offset = 0;  // of the group in `data`
  uint32_t length = 0;
  // Everything but `strings`, which comes from the kDict chunk.
  columnar::RowGroupStats stats;
  std::array<ChunkRef, kFixedChunks> fixed;
  // Per-key owners: parallel to stats.attrs[owner] (one chunk per key). Shared owners: one
  // entry (absent when the kind has no attributes in the group).
  std::array<std::vector<ChunkRef>, columnar::kAttrOwnerCount> attr_chunks;

  const ChunkRef& chunk(Chunk c) const { return fixed[static_cast<int>(c)]; }
};

// meta.json formatVersion of the vcpp2 blocks this build writes; it reads 1 and 2.
// 1: every chunk one zstd frame. 2: large span chunks may be framed (chunk_frames.h).
inline constexpr int kVcpp2Version = 2;

inline constexpr char kIndexMagic[4] = {'T', 'I', 'X', '2'};
// Written: 2. Read: 1 and 2.
inline constexpr uint32_t kIndexVersion = 2;

// Plain index bytes: magic | version u32 | groups varint | [group table | crc32 u32 of the
// bytes before it (version 2)] | group* | crc32 u32 (of all bytes before it). The group table
// lets a lookup find and check one group's entry without checking the whole index.
//
// Built one group at a time as a writer cuts them: the writer keeps each group's encoded entry
// (a few hundred bytes) and a 60-byte table row instead of its RowGroup, whose statistics take
// kilobytes in memory, so a merge writing millions of traces does not hold the whole index
// decoded until it finishes.
class IndexEncoder {
 public:
  void add(const RowGroup& g);
  size_t groups() const { return rows_.size(); }
  std::string finish() const;

 private:
  struct Row {
    TraceId first, last;
    uint64_t offset;
    uint32_t length, traces;
    uint32_t at, size, crc;  // the entry within entries_
  };
  std::vector<Row> rows_;
  std::string entries_;
};
// Checks the checksum, that every count and length fits the bytes present, that groups are
// contiguous from offset 0 of `data` in ascending ID order, and that every chunk lies inside
// its group. `data_size` is meta.json `size`.
Status decode_index(std::string_view raw, uint64_t data_size, std::vector<RowGroup>* out);

// Where one group's entry is in the plain index. A lookup by ID needs the entry of one group,
// not every group's statistics decoded into vectors and strings of their own.
struct GroupEntry {
  TraceId first, last;
  uint64_t offset = 0;  // of the group in `data`
  uint32_t at = 0;      // of its entry in the plain index
  // Version 2 (checked = true): the entry's length and checksum, from the group table.
  uint32_t length = 0, crc = 0;
  bool checked = false;
};
// Checks that groups tile `data` in ascending ID order, as decode_index does, and lists the
// groups' entries; *traces is the sum of their trace counts. Version 1: checks the whole
// index's checksum and skips over every entry. Version 2: reads and checks the group table
// only (decode_group checks the one entry a lookup reads against its own checksum).
Status locate_groups(std::string_view raw, uint64_t data_size, std::vector<GroupEntry>* out,
                     uint64_t* traces);
// The entry `e` (from locate_groups over the same `raw`) into *out, reusing its vectors.
Status decode_group(std::string_view raw, const GroupEntry& e, uint64_t data_size, RowGroup* out);

}  // namespace tempo::block::vcpp2
