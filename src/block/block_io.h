#pragma once
// What every format's reader and writer share: access to one block's objects (counting the
// reads, so ReadStats and query statistics see them) and the sharded trace-ID bloom filter,
// whose layout is the same in every format.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tempo/backend/backend.h"
#include "tempo/block/block_meta.h"
#include "tempo/block/block_writer.h"
#include "tempo/block/bloom.h"
#include "tempo/model/trace_id.h"
#include "tempo/util/status.h"

namespace tempo::block {

// Thread-safe. `backend` must outlive it.
class BlockIo {
 public:
  BlockIo(backend::Backend& backend, const BlockMeta& meta);

  backend::Backend& backend() { return backend_; }
  // "<tenant>/<block-id>/<object>".
  std::string key(std::string_view object) const;

  Status read_whole(std::string_view object, std::string* out);
  // A range past the end of the object is kCorruption: only a damaged index points there.
  Status read_range(std::string_view object, uint64_t offset, uint64_t length, std::string* out);

  // Whether the block may hold `id`: reads bloom-<shard> once and caches it.
  Status bloom_may_contain(const TraceId& id, bool* may_contain);

  uint64_t bytes_read() const { return bytes_read_.load(std::memory_order_relaxed); }
  uint64_t backend_reads() const { return backend_reads_.load(std::memory_order_relaxed); }

 private:
  backend::Backend& backend_;
  const std::string prefix_;  // "<tenant>/<block-id>/"
  const uint32_t bloom_shards_;
  std::atomic<uint64_t> bytes_read_{0}, backend_reads_{0};
  std::mutex mu_;
  std::unordered_map<uint32_t, std::shared_ptr<const BloomFilter>> blooms_;
};

// The bloom shards (bloom-0 .. bloom-(n-1)) of a block being written. When the writer knows
// an upper bound of its trace count (WriterOptions::expected_traces: exact at a flush, the sum
// of the inputs' counts in a compaction), each ID goes into its shard's filter as it is added,
// so a writer holds about 1.2 bytes per trace (at 1% false positives) rather than a list of
// every ID (16 bytes each, up to twice that while the list grows, and a second copy split by
// shard at the end): tens of MB for a block of millions of traces, at the moment a flush or a
// merge peaks. Shards are sized for their expected share plus a margin for the spread of the
// shard hash. Without a bound the IDs are kept and every shard is sized from the IDs it holds.
// More IDs than the bound still go into the filters (never a false negative), at a higher
// false-positive rate; `over_bound()` says so.
class BloomShards {
 public:
  explicit BloomShards(const WriterOptions& options);

  void add(const TraceId& id);
  // Writes the shards under `dir` ("<tenant>/<block-id>/"), appending the keys written to
  // *written (so a failed block can remove them), and sets *shards to their count. Frees the
  // filters as it goes.
  Status write(backend::Backend& backend, const std::string& dir, std::vector<std::string>* written,
               uint32_t* shards);
  bool over_bound() const { return bound_ > 0 && added_ > bound_; }

 private:
  double fp_;
  size_t shard_bytes_;
  uint64_t bound_;  // 0: no bound known, IDs are kept in ids_
  uint64_t added_ = 0;
  std::vector<BloomFilter> filters_;  // one per shard, filled as IDs come, when bound_ > 0
  std::vector<TraceId> ids_;
};

}  // namespace tempo::block
