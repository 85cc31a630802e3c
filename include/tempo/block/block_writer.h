#pragma once
// Builds one immutable block from traces given in ascending ID order.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tempo/backend/backend.h"
#include "tempo/block/block_meta.h"
#include "tempo/model/trace_id.h"
#include "tempo/util/status.h"

namespace tempo::block {

struct WriterOptions {
  // A page is cut once its uncompressed size reaches this; one large trace may make a page
  // larger.
  size_t page_size_bytes = 256 * 1024;
  double bloom_false_positive = 0.01;          // storage.trace.block.bloom_filter_false_positive
  size_t bloom_shard_size_bytes = 100 * 1024;  // storage.trace.block.bloom_filter_shard_size_bytes
  uint64_t expected_traces = 0;  // hint for the bloom shard count; the real count wins if larger
  uint32_t compaction_level = 0;  // 0 for blocks cut by the ingester; the compactor sets more
};

// Not thread-safe. `backend` must outlive the writer. Destroying a writer without a
// successful finish() leaves no visible block (meta.json is never written) and removes what
// it can of the objects it wrote.
class BlockWriter {
 public:
  BlockWriter(backend::Backend& backend, std::string tenant, std::string block_id,
              WriterOptions options);
  ~BlockWriter();
  BlockWriter(const BlockWriter&) = delete;
  BlockWriter& operator=(const BlockWriter&) = delete;

  // Traces must arrive in strictly ascending ID order (kInvalidArgument otherwise, and the
  // writer stays usable). start/end widen the block's time range. `payload` is opaque.
  Status add(const TraceId& id, std::string_view payload, uint64_t start_unix_nano,
             uint64_t end_unix_nano);
  // Writes the rest of data, then index and bloom shards, then meta.json — last, so the
  // block exists for readers only once it is complete. kInvalidArgument for an empty block.
  Status finish(BlockMeta* out);

 private:
  struct State;
  Status cut_page();
  Status write_rest();
  void remove_partial();

  backend::Backend& backend_;
  std::unique_ptr<State> s_;
};

}  // namespace tempo::block
