#pragma once
// Reads one block, whatever its format (dispatched on meta.json `format`): trace-by-ID
// lookups, whole-trace scans (compaction) and column scans for search (SpanSource).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "tempo/backend/backend.h"
#include "tempo/block/block_meta.h"
#include "tempo/columnar/fetch.h"
#include "tempo/model/trace_id.h"
#include "tempo/util/status.h"

namespace tempo::block {

class BlockIo;
class FormatReader;

// Thread-safe: several queries may use one reader at once. `backend` must outlive it.
// The bloom shards it has read and the index are cached for the reader's lifetime.
class BlockReader final : public columnar::SpanSource {
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
  ~BlockReader() override;

  const BlockMeta& meta() const { return meta_; }

  // Sets *found and, when found, *payload to the trace: for vcpp1 the exact bytes added, for
  // vcpp2 a serialized TracesData assembled from the columns (equal to what was added, as
  // protobuf messages, after combining). A cold lookup reads one bloom shard, the index and
  // one page (vcpp1) or row group (vcpp2); IDs outside [min_id, max_id] read nothing.
  // kNotFound if the block's objects are gone (deleted since it was listed); kCorruption if
  // stored bytes fail their checks.
  Status find(const TraceId& id, std::string* payload, bool* found);

  // Calls fn for every trace in ascending ID order (for compaction), with the payload find()
  // would return; stops at and returns the first non-ok Status fn returns.
  Status scan(const std::function<Status(const TraceId&, std::string_view payload)>& fn);
  // The same over one share of the block's meta().total_records pages (vcpp1) or row groups
  // (vcpp2): with {i, total_records} exactly the i-th, which is how the compactor pulls one
  // group at a time from each input and so holds one group per input in memory.
  Status scan(const std::function<Status(const TraceId&, std::string_view payload)>& fn,
              const columnar::ScanPart& part);

  // SpanSource: the block's row groups as SpanTables. vcpp2 reads, per group, the string
  // dictionary first (for `keep`), then only the chunks `cols` needs. vcpp1 blocks are read,
  // not converted: each page is decoded and rebuilt into a table with every column (slow).
  Status scan(const columnar::ColumnSet& cols, const columnar::RowGroupFilter& keep,
              const columnar::RowGroupFn& fn, columnar::ScanStats* stats) override;
  // The same for one share of the block's row groups (vcpp2) or pages (vcpp1): how a search
  // splits a large block into several jobs.
  Status scan(const columnar::ColumnSet& cols, const columnar::RowGroupFilter& keep,
              const columnar::RowGroupFn& fn, const columnar::ScanPart& part,
              columnar::ScanStats* stats);

  ReadStats stats() const;

 private:
  BlockReader(backend::Backend& backend, BlockMeta meta);

  const BlockMeta meta_;
  std::unique_ptr<BlockIo> io_;
  std::unique_ptr<FormatReader> impl_;
};

}  // namespace tempo::block
