#pragma once
// The ingester: per-tenant write-ahead logs of everything accepted, cut into immutable
// blocks in the backend. A push returns only once its spans are durable in the WAL.
//
// Each tenant has one head WAL block taking appends. It is sealed when it reaches
// max_block_bytes or max_block_duration; sealed blocks are written to the backend by a
// small flush pool and their WAL file is deleted only after the block (meta.json last) is
// stored and announced. Until then they stay queryable here. A WAL block keeps its block ID
// when it becomes a backend block, so a flush interrupted by a crash and repeated after
// replay rewrites the same block instead of creating a duplicate.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tempo/backend/backend.h"
#include "tempo/block/block.h"
#include "tempo/ingester/live_reader.h"
#include "tempo/ingester/pusher.h"
#include "tempo/model/trace_id.h"
#include "tempo/util/env.h"

namespace tempo::ingester {

// A tenant's limits on live traces (overrides global.max_bytes_per_trace and
// ingestion.max_traces_per_user); 0 means none.
struct TraceLimits {
  uint64_t max_bytes_per_trace = 0;
  uint64_t max_traces_per_user = 0;
};

struct IngesterOptions {
  std::string wal_path;
  std::chrono::nanoseconds trace_idle_period = std::chrono::seconds(10);
  std::chrono::nanoseconds flush_check_period = std::chrono::seconds(10);
  uint64_t max_block_bytes = 500ULL << 20;
  std::chrono::nanoseconds max_block_duration = std::chrono::minutes(30);
  int concurrent_flushes = 2;
  // Sealed blocks of a tenant waiting for their flush beyond which pushes are refused with
  // kUnavailable (ingester.max_unflushed_blocks); 0 = no bound.
  uint64_t max_unflushed_blocks = 4;
  // How long a push that meets that bound first waits for a flush to make room. Under
  // sustained overload clients then see slower answers instead of refusals, and intake slows
  // to what the flushers build; a backlog that lasts past the wait is still refused.
  std::chrono::nanoseconds backlog_wait = std::chrono::seconds(2);
  // Memory that search may keep of WAL blocks in columnar form between queries (all tenants).
  int64_t live_search_cache_bytes = 1LL << 30;
  bool wal_sync = true;  // false only in tests and benchmarks
  // Every access to the WAL directory goes through this (tests inject faults); must outlive
  // the Ingester.
  Env* env = Env::posix();
  // Tempo's per-tenant ingestion limits; 0 means none. A trace may grow by at most
  // max_bytes_per_trace (serialized OTLP) while it is live; a tenant may have at most
  // max_traces_per_user live traces.
  uint64_t max_bytes_per_trace = 0;
  uint64_t max_traces_per_user = 0;
  // When set, asked for the tenant's two limits above on every push (the runtime overrides),
  // so a changed limit applies to the next push; must be cheap and thread-safe.
  std::function<TraceLimits(std::string_view tenant)> limits_for;
  block::WriterOptions block_options;
};

// Called once a block is durably in the backend and before its WAL is deleted, so readers
// never lose sight of the data.
using BlockFlushedFn = std::function<void(const block::BlockMeta&)>;

class TenantInstance;
struct LiveCacheBudget;
class WalBlock;

class Ingester : public Pusher, public LiveReader {
 public:
  Ingester(IngesterOptions options, backend::Backend& backend, BlockFlushedFn on_flushed);
  ~Ingester() override;

  // Replays every WAL block left on disk (each is queued to be written as a block) and
  // starts the sweep and flush threads.
  Status start();
  // Stops the threads. Does not flush: unflushed WAL blocks are replayed on the next start.
  void stop();

  Status push(std::string_view tenant, std::span<const model::TraceSegment> segments,
              Refused* refused) override;

  // Appends to `segments` every stored piece of trace `id` still held in WAL blocks (each is
  // a serialized TracesData). `bytes_read` accumulates the bytes read.
  Status find(std::string_view tenant, const TraceId& id, std::vector<std::string>* segments,
              uint64_t* bytes_read) override;
  // One source per WAL block (sealed and head) of `tenant`.
  Status sources(std::string_view tenant,
                 std::vector<std::shared_ptr<columnar::SpanSource>>* out) override;

  // Seals every head block (or only `tenant`'s when not empty) and returns once every sealed
  // block has been written to the backend and its WAL deleted.
  Status flush(std::string_view tenant = {});

 private:
  std::shared_ptr<TenantInstance> instance(std::string_view tenant, bool create);
  std::vector<std::shared_ptr<TenantInstance>> instances();
  void enqueue(std::shared_ptr<WalBlock> block, std::shared_ptr<TenantInstance> owner);
  void sweep_loop();
  void flush_loop();
  Status flush_one(const std::shared_ptr<WalBlock>& block, TenantInstance& owner);

  IngesterOptions options_;
  std::shared_ptr<LiveCacheBudget> live_budget_;  // shared with the WAL blocks' caches
  backend::Backend& backend_;
  BlockFlushedFn on_flushed_;

  std::mutex tenants_mu_;
  std::map<std::string, std::shared_ptr<TenantInstance>, std::less<>> tenants_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::condition_variable done_cv_;  // signalled whenever a block leaves the queue for good
  struct Job {
    std::shared_ptr<WalBlock> block;
    std::shared_ptr<TenantInstance> owner;
    std::chrono::steady_clock::time_point not_before;
    int attempts = 0;
  };
  std::deque<Job> queue_;
  size_t in_flight_ = 0;
  bool stopping_ = false;

  std::vector<std::thread> threads_;
};

}  // namespace tempo::ingester
