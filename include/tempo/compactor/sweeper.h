#pragma once
// Sweeping: removes what interrupted writes leave in the backend. A flush or compaction that
// crashed before writing meta.json leaves a block directory nobody will ever read or delete;
// the local backend's writers leave ".tmp-*" files when killed mid-object. Only the holder of
// a tenant's compactor lease sweeps it, so two processes never race on the same leftovers.
//
// A block directory is an orphan once polls of the block list have found it without meta.json
// and without meta.compacted.json for longer than `grace` (object timestamps are not needed, so
// every backend is swept the same way). Right before deleting, the directory is listed again
// and left alone if a meta has appeared. Counted in tempodb_sweep_removed_objects_total.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "tempo/backend/backend.h"
#include "tempo/block/block_list.h"
#include "tempo/compactor/lease.h"
#include "tempo/util/status.h"

namespace tempo::compactor {

struct SweepOptions {
  // How long a block directory may lack a meta before it is an orphan. Far longer than any
  // block takes to write, which is what makes deleting it safe.
  std::chrono::nanoseconds grace{std::chrono::hours(1)};
  std::chrono::nanoseconds period{std::chrono::minutes(5)};  // between passes (start())
};

struct SweepCounts {
  size_t orphaned_blocks = 0;   // block directories removed
  size_t orphaned_objects = 0;  // objects in them
  size_t temporary_files = 0;   // ".tmp-*" files of interrupted writes
};

class Sweeper {
 public:
  Sweeper(backend::Backend& backend, block::BlockList& blocks, Lease& lease, SweepOptions options)
      : backend_(backend), blocks_(blocks), lease_(lease), options_(options) {}
  ~Sweeper() { stop(); }

  // Sweeps every tenant whose lease this process holds or can take, now and every `period`,
  // on a thread of its own.
  void start();
  void stop();

  // One pass over `tenant` as of `now` (steady clock, as BlockList::unfinished()). Does nothing
  // unless this process holds the tenant's lease (Lease::held); adds what it removed to *counts.
  Status sweep_tenant(const std::string& tenant, std::chrono::steady_clock::time_point now,
                      SweepCounts* counts);

 private:
  void pass();

  backend::Backend& backend_;
  block::BlockList& blocks_;
  Lease& lease_;
  SweepOptions options_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace tempo::compactor
