#pragma once
// Immutable per-tenant blocks in the backend:
//   <tenant>/<block-id>/data       zstd pages of (trace id, length, payload), sorted by ID
//   <tenant>/<block-id>/index      per page: first/last trace ID, offset, length, count
//   <tenant>/<block-id>/bloom-N    sharded trace-ID bloom filter
//   <tenant>/<block-id>/meta.json  written last: a block exists once this does
// A lookup reads one bloom shard, the index and one page. Format: docs/block_format.md.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tempo/backend/backend.h"
#include "tempo/block/bloom.h"
#include "tempo/model/trace_id.h"
#include "tempo/util/status.h"

namespace tempo::block {

inline constexpr std::string_view kFormat = "vcpp1";
inline constexpr int kFormatVersion = 1;

struct BlockMeta {
  std::string block_id;
  std::string tenant_id;
  std::string format{kFormat};
  int format_version = kFormatVersion;
  uint64_t start_unix_nano = 0;
  uint64_t end_unix_nano = 0;
  uint64_t total_objects = 0;  // traces
  uint64_t size = 0;           // bytes of the data object
  uint32_t compaction_level = 0;
  uint32_t total_records = 0;  // pages
  uint32_t bloom_shards = 0;
  uint32_t index_page_size = 0;  // target uncompressed page size
  // Extra per-block objects beyond data/index/bloom (columns added by later format
  // revisions). Readers ignore names they do not know.
  std::vector<std::string> columns;

  std::string to_json() const;
  // Ignores unknown fields; rejects a format_version newer than this build reads.
  static Status from_json(std::string_view json, BlockMeta* out);
};

struct WriterOptions {
  size_t page_size_bytes = 256 * 1024;
  double bloom_false_positive = 0.01;
  size_t bloom_shard_size_bytes = 100 * 1024;
  uint64_t expected_traces = 0;  // sizes the bloom filter; 0 = guess from what was added
};

// A random UUIDv4 string.
std::string new_block_id();

class BlockWriter {
 public:
  BlockWriter(backend::Backend& backend, std::string tenant, std::string block_id,
              WriterOptions options);
  ~BlockWriter();

  // Traces must arrive in strictly ascending ID order (kInvalidArgument otherwise).
  Status add(const TraceId& id, std::string_view payload, uint64_t start_unix_nano,
             uint64_t end_unix_nano);
  // Writes the rest of data, then index and bloom shards, then meta.json.
  Status finish(BlockMeta* out);

 private:
  Status cut_page();

  struct PageEntry {
    TraceId first, last;
    uint64_t offset;
    uint32_t length, count;
  };
  backend::Backend& backend_;
  WriterOptions options_;
  BlockMeta meta_;
  std::unique_ptr<backend::ObjectWriter> data_;
  std::string page_, compressed_;
  TraceId page_first_, last_;
  uint32_t page_count_ = 0;
  bool any_ = false;
  uint64_t offset_ = 0;
  std::vector<PageEntry> index_;
  std::vector<TraceId> ids_;  // for the bloom filter, sized once the count is known
  void* cctx_ = nullptr;
};

class BlockReader {
 public:
  struct ReadStats {
    uint64_t bytes_read = 0;
    uint64_t backend_reads = 0;
  };

  static Status open(backend::Backend& backend, const std::string& tenant,
                     const std::string& block_id, std::unique_ptr<BlockReader>* out);
  static Status open_with_meta(backend::Backend& backend, BlockMeta meta,
                               std::unique_ptr<BlockReader>* out);

  const BlockMeta& meta() const { return meta_; }
  // found=false when absent. Thread-safe.
  Status find(const TraceId& id, std::string* payload, bool* found);
  // Every trace in ID order.
  Status scan(const std::function<Status(const TraceId&, std::string_view payload)>& fn);
  ReadStats stats() const;

 private:
  struct PageEntry {
    TraceId first, last;
    uint64_t offset;
    uint32_t length, count;
  };
  BlockReader(backend::Backend& backend, BlockMeta meta) : backend_(backend), meta_(std::move(meta)) {}
  std::string key(std::string_view object) const;
  Status load_index();
  Status bloom(uint32_t shard, std::shared_ptr<const BloomFilter>* out);
  Status read_page(const PageEntry& e, std::string* page);
  void count(uint64_t bytes);

  backend::Backend& backend_;
  BlockMeta meta_;
  mutable std::mutex mu_;
  bool index_loaded_ = false;
  std::vector<PageEntry> index_;
  std::unordered_map<uint32_t, std::shared_ptr<const BloomFilter>> blooms_;
  ReadStats stats_;
};

Status list_tenants(backend::Backend& backend, std::vector<std::string>* out);
// Metas of every complete block of `tenant` (directories without meta.json are skipped).
Status list_blocks(backend::Backend& backend, std::string_view tenant,
                   std::vector<BlockMeta>* out);

}  // namespace tempo::block
