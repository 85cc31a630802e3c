#pragma once
// One WAL block: an append-only WAL segment file `<wal>/<tenant>/<block-id>.wal` plus an
// in-memory index of its records (RecordIndex). Only IDs and offsets stay in memory; span
// data is read back from the file, so memory does not grow with the data held.
//
// Record payload layout (inside the WAL's own framing):
//   trace id (16 bytes) | start unix nano (u64 LE) | end unix nano (u64 LE) | TracesData bytes

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "ingester/live_tables.h"
#include "ingester/record_index.h"
#include "tempo/backend/backend.h"
#include "tempo/block/block.h"
#include "tempo/model/trace_id.h"
#include "tempo/model/trace_split.h"
#include "tempo/wal/wal.h"

namespace tempo::ingester {

class WalBlock {
 public:
  static constexpr size_t kRecordHeader = 32;

  // Creates a new, empty head block with a fresh block ID under `tenant_dir`. With `sync`, the
  // file and the directories leading to it are durable on return. `env` must outlive the block.
  static Status create(Env& env, const std::string& tenant_dir, std::string tenant, bool sync,
                       std::shared_ptr<WalBlock>* out);
  // Rebuilds a block from an existing WAL file (torn tails are truncated by the WAL).
  static Status replay(Env& env, const std::string& path, std::string tenant,
                       std::shared_ptr<WalBlock>* out, wal::ReplayStats* stats);

  // Appends the segments durably and indexes them. Thread-safe.
  Status append(std::span<const model::TraceSegment> segments);
  // Appends every stored piece of `id`, in append order.
  Status find(const TraceId& id, std::vector<std::string>* segments, uint64_t* bytes_read) const;
  // Appends to `ids` the trace of every record indexed since the first `from` records, and
  // returns how many records are indexed now. Thread-safe.
  size_t changed_since(size_t from, std::vector<TraceId>* ids) const;
  // The offsets of every record of `id`, in append order; false when the block lacks it.
  bool offsets_of(const TraceId& id, std::vector<uint64_t>* out) const;
  // The payloads of `offsets` concatenated: a valid serialized TracesData (it may repeat
  // spans a client sent twice). With `start`/`end`, also the earliest start and latest end
  // their record headers give.
  Status read_trace(std::span<const uint64_t> offsets, std::string* out, uint64_t* start = nullptr,
                    uint64_t* end = nullptr) const;
  // Search's cached columnar copy of this block (created on first use).
  LiveTables& live_tables(const std::shared_ptr<LiveCacheBudget>& budget) const;
  bool sealed() const { return sealed_.load(); }
  // True when the head's WAL writer refuses appends after a failed sync: the block must be
  // sealed and a new head started (its acknowledged records are intact). Call only where
  // append() and seal() cannot run at the same time (the tenant's head lock).
  bool broken() const;
  // Writes the whole block to the backend, traces sorted by ID; the block keeps this ID.
  // Only for a sealed block (it reads the index without copying it).
  Status write_block(backend::Backend& backend, const block::WriterOptions& options,
                     block::BlockMeta* meta) const;
  // Closes and deletes the WAL file.
  Status remove_file();
  // No more appends: closes the writer, keeps the reader.
  void seal();

  const std::string& id() const { return id_; }
  const std::string& tenant() const { return tenant_; }
  const std::string& path() const { return path_; }
  uint64_t bytes() const { return bytes_.load(); }
  size_t trace_count() const;
  bool empty() const { return trace_count() == 0; }
  std::chrono::steady_clock::time_point created() const { return created_; }

  std::atomic<bool> queued{false};

 private:
  WalBlock(Env& env, std::string id, std::string tenant, std::string path);
  void index(const TraceId& id, uint64_t offset);

  Env& env_;
  std::string id_, tenant_, path_;
  std::chrono::steady_clock::time_point created_;
  std::unique_ptr<wal::Writer> writer_;
  std::unique_ptr<wal::RandomReader> reader_;
  std::atomic<uint64_t> bytes_{0};
  std::atomic<bool> sealed_{false};
  mutable std::once_flag live_once_;
  mutable std::unique_ptr<LiveTables> live_;
  mutable std::mutex mu_;  // guards index_
  RecordIndex index_;
};

}  // namespace tempo::ingester
