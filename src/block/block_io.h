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

// Writes bloom-0 .. bloom-(n-1) for `ids` under `dir` ("<tenant>/<block-id>/"), appending the
// keys written to *written (so a failed block can remove them), and sets *shards to n.
Status write_bloom_shards(backend::Backend& backend, const std::string& dir,
                          const std::vector<TraceId>& ids, const WriterOptions& options,
                          std::vector<std::string>* written, uint32_t* shards);

}  // namespace tempo::block
