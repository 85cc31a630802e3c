#pragma once
// A block that compaction has replaced: <tenant>/<block-id>/meta.compacted.json, Tempo's shape,
// i.e. the block's meta.json fields plus "compactedTime" (RFC 3339). A block with this object,
// whether or not its meta.json is still there, is never queried again; its objects are
// deleted once compactor.compaction.compacted_block_retention has passed since compactedTime.

#include <cstdint>
#include <string>
#include <string_view>

#include "tempo/block/block_meta.h"
#include "tempo/util/status.h"

namespace tempo::block {

inline constexpr std::string_view kCompactedMetaObject = "meta.compacted.json";

struct CompactedBlockMeta {
  BlockMeta meta;
  uint64_t compacted_unix_nano = 0;

  std::string to_json() const;
  // kCorruption when the meta part is not a valid meta.json (BlockMeta::from_json) or
  // compactedTime is missing or not an RFC 3339 time.
  static Status from_json(std::string_view json, CompactedBlockMeta* out);
};

// "<tenant>/<block-id>/meta.compacted.json".
std::string compacted_meta_key(std::string_view tenant, std::string_view block_id);

}  // namespace tempo::block
