#pragma once
// Reads one block: trace-by-ID lookups and full scans.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "tempo/backend/backend.h"
#include "tempo/block/block_meta.h"
#include "tempo/model/trace_id.h"
#include "tempo/util/status.h"

namespace tempo::block {

// Thread-safe: several queries may use one reader at once. `backend` must outlive it.
// The bloom shards it has read and the index are cached for the reader's lifetime.
class BlockReader {
 public:
  struct ReadStats {
    uint64_t bytes_read = 0;     // bytes fetched from the backend
    uint64_t backend_reads = 0;  // backend requests
  };

  // Reads and checks meta.json (kNotFound if the block does not exist, or is incomplete).
  static Status open(backend::Backend& backend, const std::string& tenant,
                     const std::string& block_id, std::unique_ptr<BlockReader>* out);
  // Trusts a meta already read (e.g. from a block list): no backend access.
  static Status open_with_meta(backend::Backend& backend, BlockMeta meta,
                               std::unique_ptr<BlockReader>* out);
  ~BlockReader();

  const BlockMeta& meta() const { return meta_; }

  // Sets *found and, when found, *payload to the exact bytes added. A cold lookup reads one
  // bloom shard, the index and one page of data; IDs outside [min_id, max_id] read nothing.
  // kNotFound if the block's objects are gone (deleted since it was listed); kCorruption if
  // stored bytes fail their checks.
  Status find(const TraceId& id, std::string* payload, bool* found);

  // Calls fn for every trace in ascending ID order (for compaction and search), page by
  // page; stops at and returns the first non-ok Status fn returns.
  Status scan(const std::function<Status(const TraceId&, std::string_view payload)>& fn);

  ReadStats stats() const;

 private:
  struct State;
  BlockReader(backend::Backend& backend, BlockMeta meta);
  std::string key(std::string_view object) const;
  Status read_whole(std::string_view object, std::string* out);
  Status load_index();
  Status load_bloom(uint32_t shard, bool* may_contain, const TraceId& id);

  backend::Backend& backend_;
  const BlockMeta meta_;
  std::unique_ptr<State> s_;
};

}  // namespace tempo::block
