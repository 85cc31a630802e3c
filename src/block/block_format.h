#pragma once
// Byte-level pieces of the block format shared by writer and reader. The prose description
// of every layout is docs/block_format.md; keep the two in step.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/model/trace_id.h"
#include "tempo/util/status.h"

namespace tempo::block::format {

// Object names inside <tenant>/<block-id>/.
inline constexpr std::string_view kDataObject = "data";
inline constexpr std::string_view kIndexObject = "index";
inline constexpr std::string_view kMetaObject = "meta.json";
// Written by the compactor once a block's traces are in a newer block (docs/compaction.md).
inline constexpr std::string_view kCompactedMetaObject = "meta.compacted.json";
std::string bloom_object(uint32_t shard);  // "bloom-<shard>"

inline constexpr char kIndexMagic[4] = {'T', 'I', 'D', 'X'};
inline constexpr uint32_t kIndexVersion = 1;
inline constexpr size_t kIndexHeaderSize = 4 + 4 + 4;
inline constexpr size_t kIndexEntrySize = 16 + 16 + 8 + 4 + 4 + 4;

// One page of `data`.
struct IndexEntry {
  TraceId first, last;      // IDs of the first and last trace in the page
  uint64_t offset = 0;      // of the compressed page within `data`
  uint32_t length = 0;      // compressed bytes
  uint32_t raw_length = 0;  // uncompressed bytes
  uint32_t count = 0;       // traces
};

// A record is: trace ID (16 bytes) | payload length (varint) | payload.
void append_record(const TraceId& id, std::string_view payload, std::string* page);

// Walks the records of one uncompressed page.
class RecordIterator {
 public:
  explicit RecordIterator(std::string_view page) : page_(page) {}
  // Moves to the next record: false at the end of the page or on a torn record (then
  // status() is kCorruption).
  bool next();
  const TraceId& id() const { return id_; }
  std::string_view payload() const { return payload_; }
  const Status& status() const { return status_; }

 private:
  std::string_view page_;
  size_t pos_ = 0;
  TraceId id_;
  std::string_view payload_;
  Status status_;
};

// Uncompressed index: magic | version u32 | page count u32 | entry* | crc32 u32 (of all
// bytes before it). Integers are little-endian.
std::string encode_index(const std::vector<IndexEntry>& entries);
// Checks the checksum and that pages are contiguous from offset 0 and in ascending,
// non-overlapping ID order.
Status decode_index(std::string_view raw, std::vector<IndexEntry>* out);

}  // namespace tempo::block::format
