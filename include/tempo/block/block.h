#pragma once
// Immutable per-tenant blocks in the backend (format: docs/block_format.md):
//   <tenant>/<block-id>/data       zstd pages of (trace id, length, payload), sorted by ID
//   <tenant>/<block-id>/index      per page: first/last trace ID, offset, lengths, count
//   <tenant>/<block-id>/bloom-N    trace-ID bloom filter, sharded so a lookup reads one shard
//   <tenant>/<block-id>/meta.json  written last: a block exists once this does
// This header gathers the block API and the operations over a tenant's set of blocks.

#include <string>
#include <string_view>
#include <vector>

#include "tempo/backend/backend.h"
#include "tempo/block/block_meta.h"
#include "tempo/block/block_reader.h"
#include "tempo/block/block_writer.h"
#include "tempo/block/bloom.h"
#include "tempo/util/status.h"

namespace tempo::block {

// The tenants with anything stored (the top-level names of the backend), sorted.
Status list_tenants(backend::Backend& backend, std::vector<std::string>* out);

// Metas of every complete block of `tenant`, in block-ID order. Directories without
// meta.json (being written, or half-deleted) are skipped; so are blocks whose meta.json this
// build cannot read (another format, a newer formatVersion, damage), with a warning logged,
// so one bad block does not hide the others. Blocks marked compacted (meta.compacted.json)
// are not listed: their traces are in a newer block.
Status list_blocks(backend::Backend& backend, std::string_view tenant,
                   std::vector<BlockMeta>* out);
// The same, also filling *compacted (when not null) with the blocks marked compacted, in
// block-ID order: one listing for both (retention needs both).
Status list_blocks(backend::Backend& backend, std::string_view tenant,
                   std::vector<BlockMeta>* out, std::vector<CompactedBlockMeta>* compacted);

// Parses a block's meta.json / meta.compacted.json read from <tenant>/<id>/, and checks that
// it names that block (kCorruption otherwise): a copied or misplaced object must not pass for
// another block.
Status parse_listed_meta(std::string_view json, std::string_view tenant, std::string_view id,
                         BlockMeta* out);
Status parse_listed_compacted_meta(std::string_view json, std::string_view tenant,
                                   std::string_view id, CompactedBlockMeta* out);

// Marks a block compacted by writing <tenant>/<block-id>/meta.compacted.json (its meta plus
// `compacted_unix_nano`). From then on list_blocks leaves it out; its objects stay for
// readers that listed it before, until retention deletes it.
Status mark_compacted(backend::Backend& backend, const BlockMeta& meta,
                      uint64_t compacted_unix_nano);

// Deletes a block: meta.json first, so the block stops existing for every reader in one step
// and an interrupted delete leaves only invisible leftovers, then its other objects, and
// meta.compacted.json last, so an interrupted delete of a compacted block is still listed as
// compacted and retried.
Status delete_block(backend::Backend& backend, std::string_view tenant, std::string_view block_id);

}  // namespace tempo::block
