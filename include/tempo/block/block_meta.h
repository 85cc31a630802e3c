#pragma once
// A block's description, stored as <tenant>/<block-id>/meta.json. The field names are
// Tempo's where Tempo has the field (docs/block_format.md lists them all).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/model/trace_id.h"
#include "tempo/util/status.h"

namespace tempo::block {

// Block formats (docs/block_format.md). Each has its own formatVersion sequence; the
// encoding registry (tempo/block/encoding.h) knows which formats and versions this build reads.
inline constexpr std::string_view kFormatV1 = "vcpp1";  // protobuf pages; read, never converted
inline constexpr std::string_view kFormatV2 = "vcpp2";  // columnar row groups
// What BlockWriter writes unless WriterOptions::format says otherwise.
inline constexpr std::string_view kDefaultFormat = kFormatV2;
// The newest formatVersion this build writes (the same for every format it knows today).
inline constexpr int kFormatVersion = 1;

struct BlockMeta {
  std::string block_id;   // UUIDv4
  std::string tenant_id;
  std::string format{kDefaultFormat};
  int format_version = kFormatVersion;
  uint64_t start_unix_nano = 0;  // earliest span start in the block
  uint64_t end_unix_nano = 0;    // latest span end in the block
  TraceId min_id, max_id;        // first and last trace ID in the block
  uint64_t total_objects = 0;    // traces
  uint64_t size = 0;             // bytes of the data object
  uint32_t compaction_level = 0;
  uint32_t total_records = 0;    // pages (vcpp1) or row groups (vcpp2) in data
  uint32_t bloom_shards = 0;     // bloom-0 .. bloom-(bloom_shards-1)
  // vcpp1: target uncompressed page size; vcpp2: target spans per row group.
  uint32_t index_page_size = 0;
  // Extra per-block objects beyond data/index/bloom-N, by object name (columns added by
  // later revisions for search). A reader uses those it knows and ignores the rest.
  std::vector<std::string> columns;

  std::string to_json() const;
  // Ignores fields it does not know (forward compatibility). kCorruption when the JSON does
  // not parse, a required field is missing or malformed, the format is not one this build
  // knows (encoding_for), or formatVersion is newer than that format's newest known version.
  static Status from_json(std::string_view json, BlockMeta* out);
  // The checks from_json applies after parsing, for metas that come from elsewhere.
  Status validate() const;
};

// A block whose traces the compactor has written into a newer block, stored as
// <tenant>/<block-id>/meta.compacted.json: the block's meta.json fields plus `compactedTime`
// (RFC 3339), as Tempo's CompactedBlockMeta. Readers no longer list the block; it is deleted
// once compacted_block_retention has passed since compactedTime.
struct CompactedBlockMeta {
  BlockMeta meta;
  uint64_t compacted_unix_nano = 0;

  std::string to_json() const;
  // As BlockMeta::from_json, and kCorruption without a valid compactedTime.
  static Status from_json(std::string_view json, CompactedBlockMeta* out);
};

// A random UUIDv4 string (lowercase, 36 characters), from the kernel's random source.
std::string new_block_id();

// Timestamps as Go's time.RFC3339Nano writes them in UTC ("2024-01-02T03:04:05.5Z": trailing
// zeros of the fraction dropped). parse_rfc3339 also accepts "+hh:mm"/"-hh:mm" offsets;
// times before 1970 clamp to 0.
std::string format_rfc3339_nano(uint64_t unix_nano);
bool parse_rfc3339(std::string_view s, uint64_t* unix_nano);

}  // namespace tempo::block
