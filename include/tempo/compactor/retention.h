#pragma once
// Retention, as Tempo's compactor runs it, in two steps per pass:
//   1. a block whose newest span is older than the tenant's retention
//      (overrides.defaults.compaction.block_retention, else compactor.compaction.block_retention;
//      0 keeps blocks forever) is marked compacted (meta.compacted.json) and dropped from the
//      block list, so queries stop listing it (tempodb_retention_marked_for_deletion_total);
//   2. a block marked compacted — by step 1 or by the compactor — is deleted from the backend
//      once compacted_block_retention has passed since it was marked, so a query that listed
//      it before keeps reading it for that long (tempodb_retention_deleted_total).
// With a Lease, processes sharing a backend split this work by tenant: a pass takes or renews
// each tenant's lease and does both steps for it only while holding it (checked right before
// each marker and each deletion), so two processes never mark or delete the same blocks.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>

#include "tempo/backend/backend.h"
#include "tempo/block/block_list.h"
#include "tempo/compactor/lease.h"

namespace tempo::compactor {

struct RetentionOptions {
  std::chrono::nanoseconds retention{std::chrono::hours(336)};
  // When set, each tenant's retention, asked on every pass (the runtime overrides), in place of
  // `retention`; 0 keeps that tenant's blocks.
  std::function<std::chrono::nanoseconds(std::string_view tenant)> retention_for;
  std::chrono::nanoseconds compacted_retention{std::chrono::hours(1)};
  std::chrono::nanoseconds period{std::chrono::minutes(5)};  // between sweeps
  size_t concurrency = 10;  // retention_concurrency: blocks deleted at once
};

class Retention {
 public:
  // `backend`, `blocks` and `lease` must outlive this. Without a lease this is the only process
  // applying retention to the backend.
  Retention(backend::Backend& backend, block::BlockList& blocks, RetentionOptions options,
            Lease* lease = nullptr)
      : backend_(backend), blocks_(blocks), options_(options), lease_(lease) {}
  ~Retention() { stop(); }

  // Sweeps now and then every `period` on a thread of its own.
  void start();
  void stop();

  // One pass over every tenant as of `now`: returns how many blocks were marked for deletion
  // (step 1) and sets *deleted (when not null) to how many were deleted (step 2).
  size_t sweep(std::chrono::system_clock::time_point now, size_t* deleted = nullptr);

 private:
  size_t delete_compacted(uint64_t now_ns);
  // Takes or renews the tenant's lease; true when this process may maintain the tenant (always
  // without a lease).
  bool acquire(const std::string& tenant);
  bool held(const std::string& tenant) { return !lease_ || lease_->held(tenant); }

  backend::Backend& backend_;
  block::BlockList& blocks_;
  RetentionOptions options_;
  Lease* lease_;  // null: the only process applying retention
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace tempo::compactor
