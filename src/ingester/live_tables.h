#pragma once
// Search's columnar copy of one WAL block, kept between searches so a query over live data
// does not decode the WAL again. Each search first catches up with the records appended since
// the previous one: their traces become pending (a trace already cached that grew is marked
// dead in its old chunk). Pending traces are built into a new chunk once there are enough of
// them for a row group (or the block is sealed); until then each search decodes that small
// remainder itself. All chunks of all blocks share one memory budget: past it, pending
// traces are decoded for each search and not kept.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tempo/columnar/fetch.h"
#include "tempo/columnar/span_table.h"
#include "tempo/model/trace_id.h"
#include "tempo/util/status.h"

namespace tempo::ingester {

class WalBlock;

struct LiveCacheBudget {
  explicit LiveCacheBudget(int64_t limit_bytes) : limit(limit_bytes) {}
  const int64_t limit;
  std::atomic<int64_t> used{0};
};

class LiveTables {
 public:
  // Pending traces become kept chunks of this many (about a block row group of spans).
  static constexpr size_t kChunkTraces = 256;

  struct Group {
    std::shared_ptr<const columnar::SpanTable> table;
    std::shared_ptr<const std::vector<uint8_t>> skip;  // trace rows to ignore, or null
    std::shared_ptr<const columnar::RowGroupStats> stats;
  };

  explicit LiveTables(std::shared_ptr<LiveCacheBudget> budget) : budget_(std::move(budget)) {}
  ~LiveTables();

  // Every trace of `block` as of now, in groups. Thread-safe; concurrent callers on one block
  // wait for each other (the second then finds the first's work cached).
  Status groups(const WalBlock& block, bool sealed, std::vector<Group>* out);

 private:
  struct Chunk {
    std::shared_ptr<const columnar::SpanTable> table;
    // Rows whose trace grew after the chunk was built. Replaced (never changed in place):
    // earlier searches may still hold the old one.
    std::shared_ptr<const std::vector<uint8_t>> dead;
    size_t dead_rows = 0;
    int64_t bytes = 0;
    std::shared_ptr<const columnar::RowGroupStats> stats;
  };
  void mark_dead(uint32_t chunk, uint32_t row);
  void drop_mostly_dead_chunks();

  std::shared_ptr<LiveCacheBudget> budget_;
  std::mutex mu_;
  size_t synced_ = 0;  // records of the block already accounted for
  std::vector<Chunk> chunks_;
  struct Where {
    uint32_t chunk, row;
  };
  std::unordered_map<TraceId, Where, TraceIdHash> where_;  // cached traces
  std::unordered_set<TraceId, TraceIdHash> pending_;      // traces not (or no longer) cached
};

// Approximate heap bytes held by a table (for the budget).
int64_t approx_bytes(const columnar::SpanTable& t);

}  // namespace tempo::ingester
