#pragma once
// The set of blocks readers may consult, per tenant, plus a cache of opened readers.
//
// Several processes may share one bucket or directory (replicas, a query-only process, a
// compactor), so the list is re-read from the backend by poll(), every
// storage.trace.blocklist_poll once start_polling() runs: blocks other processes flushed
// appear, blocks marked compacted (meta.compacted.json, next to or instead of meta.json) and
// deleted blocks disappear. A poll costs one LIST of the tenants and one recursive listing
// per tenant; only metas of blocks it has not seen before are read.
//
// Changes this process makes (add, remove, mark_compacted) show at once, and a poll that
// started before such a change never undoes it: a block flushed here stays listed, a block
// removed here stays gone until the backend agrees, and a compacted block never comes back.
// A poll that fails for a tenant keeps that tenant's list as it was. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tempo/backend/backend.h"
#include "tempo/block/block.h"
#include "tempo/util/status.h"

namespace tempo::block {

class BlockList {
 public:
  explicit BlockList(backend::Backend& backend) : backend_(backend) {}
  ~BlockList() { stop_polling(); }
  BlockList(const BlockList&) = delete;
  BlockList& operator=(const BlockList&) = delete;

  // Reads what the backend holds now (startup): the first poll.
  Status load() { return poll(); }
  // Brings the list up to date with the backend. Returns the first error; tenants whose
  // listing or meta reads failed keep their previous list (and count in
  // tempodb_blocklist_poll_errors_total), the others are updated.
  Status poll();
  // Polls every `period` on a thread of its own (never a network thread) until
  // stop_polling() or destruction. A period of zero does not poll.
  void start_polling(std::chrono::nanoseconds period);
  void stop_polling();

  // A block this process wrote (flush, compaction): listed from now on.
  void add(const BlockMeta& meta);
  // A block this process is deleting: unlisted from now on.
  void remove(const std::string& tenant, const std::string& block_id);
  // A block this process marked compacted (after writing its meta.compacted.json): no longer
  // queried, listed in compacted_metas() until removed.
  void mark_compacted(const CompactedBlockMeta& compacted);

  // The blocks queries read, in block-ID order.
  std::vector<BlockMeta> metas(std::string_view tenant) const;
  // Blocks marked compacted that still exist, in block-ID order.
  std::vector<CompactedBlockMeta> compacted_metas(std::string_view tenant) const;
  // Tenants with anything in the backend, sorted.
  std::vector<std::string> tenants() const;

  // Block directories the last poll found without meta.json or meta.compacted.json: a write
  // in progress, or the leftovers of one that crashed. `first_seen` is the steady-clock time
  // of the first poll that found it so, which lets a sweeper judge its age without object
  // timestamps.
  struct Unfinished {
    std::string block_id;
    std::chrono::steady_clock::time_point first_seen;
  };
  std::vector<Unfinished> unfinished(std::string_view tenant) const;

  // An opened reader for a listed block; opened once and shared.
  Status reader(const BlockMeta& meta, std::shared_ptr<BlockReader>* out);

 private:
  struct Tenant {
    std::map<std::string, BlockMeta> live;
    std::map<std::string, CompactedBlockMeta> compacted;
    // Sequence number of this process's last add/mark_compacted of a block; a poll that
    // started before it cannot undo it.
    std::map<std::string, uint64_t> touched;
    std::map<std::string, uint64_t> removed;  // removed here: hidden until the backend agrees
    std::map<std::string, std::chrono::steady_clock::time_point> unfinished;
    std::set<std::string> unreadable;  // meta.json this build cannot read: warned once
  };
  struct TenantPoll;

  Status poll_tenant(const std::string& tenant, const Tenant& known, TenantPoll* out);
  void apply(const std::string& tenant, TenantPoll& polled, uint64_t started_seq,
             std::chrono::steady_clock::time_point now);
  void update_length_metric(const std::string& tenant);

  backend::Backend& backend_;
  std::mutex poll_mu_;  // one poll at a time
  mutable std::mutex mu_;
  uint64_t seq_ = 0;
  std::map<std::string, Tenant> tenants_;
  std::map<std::string, std::shared_ptr<BlockReader>> readers_;  // block id -> reader

  std::thread poller_;
  std::mutex poller_mu_;
  std::condition_variable poller_cv_;
  bool stopping_ = false;
};

}  // namespace tempo::block
