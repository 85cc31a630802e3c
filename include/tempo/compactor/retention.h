#pragma once
// Retention: deletes backend blocks whose newest span is older than the tenant's retention
// (overrides.defaults.compaction.block_retention, else compactor.compaction.block_retention;
// 0 keeps blocks forever), as Tempo's compactor does. A block is dropped from the block list
// before it is deleted, so queries stop reading it first.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "tempo/backend/backend.h"
#include "tempo/block/block_list.h"

namespace tempo::compactor {

struct RetentionOptions {
  std::chrono::nanoseconds retention{std::chrono::hours(336)};
  std::chrono::nanoseconds period{std::chrono::minutes(5)};  // between sweeps
};

class Retention {
 public:
  Retention(backend::Backend& backend, block::BlockList& blocks, RetentionOptions options)
      : backend_(backend), blocks_(blocks), options_(options) {}
  ~Retention() { stop(); }

  // Sweeps now and then every `period` on a thread of its own.
  void start();
  void stop();

  // One pass over every tenant as of `now`; returns how many blocks were deleted.
  size_t sweep(std::chrono::system_clock::time_point now);

 private:
  backend::Backend& backend_;
  block::BlockList& blocks_;
  RetentionOptions options_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace tempo::compactor
