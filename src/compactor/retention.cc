#include "tempo/compactor/retention.h"

#include <algorithm>
#include <atomic>

#include "tempo/block/block.h"
#include "tempo/observability/log.h"
#include "tempo/observability/metrics.h"
#include "tempo/util/duration.h"

namespace tempo::compactor {
namespace {

prometheus::Family<prometheus::Counter>& deleted_total() {
  static auto& f =
      metrics::counter_family("tempodb_retention_deleted_total", "Total number of blocks deleted.");
  return f;
}
prometheus::Family<prometheus::Counter>& marked_total() {
  static auto& f = metrics::counter_family("tempodb_retention_marked_for_deletion_total",
                                           "Total number of blocks marked for deletion.");
  return f;
}
prometheus::Family<prometheus::Counter>& errors_total() {
  static auto& f = metrics::counter_family("tempodb_retention_errors_total",
                                           "Total number of times an error occurred while "
                                           "performing retention.");
  return f;
}
prometheus::Family<prometheus::Histogram>& duration_seconds() {
  static auto& f = metrics::histogram_family("tempodb_retention_duration_seconds",
                                             "Records the amount of time to perform retention.");
  return f;
}

uint64_t to_unix_nano(std::chrono::system_clock::time_point t) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch());
  return ns.count() > 0 ? static_cast<uint64_t>(ns.count()) : 0;
}

uint64_t minus(uint64_t now_ns, std::chrono::nanoseconds d) {
  const auto n = static_cast<uint64_t>(std::max<int64_t>(d.count(), 0));
  return now_ns > n ? now_ns - n : 0;
}

}  // namespace

void Retention::start() {
  if (!options_.retention_for && options_.retention <= std::chrono::nanoseconds::zero()) {
    log::info("retention disabled: blocks are kept forever (compacted blocks are still deleted)");
  }
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      lock.unlock();
      sweep(std::chrono::system_clock::now());
      lock.lock();
      cv_.wait_for(lock, options_.period, [this] { return stopping_; });
    }
  });
}

void Retention::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Retention::acquire(const std::string& tenant) {
  if (!lease_) return true;
  bool held = false;
  Status s = lease_->try_acquire(tenant, &held);
  if (!s.is_ok()) {
    errors_total().Add({}).Increment();
    log::warn("compactor lease check failed; skipping retention for tenant this pass",
              {{"tenant", tenant}, {"err", s.to_string()}});
    return false;
  }
  if (!held) {
    log::debug("skipping retention for tenant: another process holds its compactor lease",
               {{"tenant", tenant}});
  }
  return held;
}

size_t Retention::sweep(std::chrono::system_clock::time_point now, size_t* deleted) {
  const auto started = std::chrono::steady_clock::now();
  const uint64_t now_ns = to_unix_nano(now);
  size_t marked = 0;
  for (const auto& tenant : blocks_.tenants()) {
    const std::chrono::nanoseconds retention =
        options_.retention_for ? options_.retention_for(tenant) : options_.retention;
    if (retention <= std::chrono::nanoseconds::zero()) continue;
    const uint64_t cutoff = minus(now_ns, retention);
    if (!acquire(tenant)) continue;
    for (const auto& meta : blocks_.metas(tenant)) {
      if (meta.end_unix_nano >= cutoff) continue;
      // The holder marks; a process that lost the lease mid-pass leaves the rest to it.
      if (!held(tenant)) break;
      Status s = block::mark_compacted(backend_, meta, now_ns);
      if (!s.is_ok()) {
        // Still listed, and retried next pass.
        errors_total().Add({}).Increment();
        log::error("retention failed to mark block for deletion",
                   {{"tenant", tenant}, {"block", meta.block_id}, {"err", s.to_string()}});
        continue;
      }
      blocks_.remove(tenant, meta.block_id);
      marked_total().Add({}).Increment();
      ++marked;
      log::info("marking block for deletion: past retention",
                {{"tenant", tenant},
                 {"block", meta.block_id},
                 {"retention", format_duration(retention)}});
    }
  }
  const size_t gone = delete_compacted(now_ns);
  if (deleted) *deleted = gone;
  duration_seconds()
      .Add({}, metrics::request_duration_buckets())
      .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return marked;
}

size_t Retention::delete_compacted(uint64_t now_ns) {
  const uint64_t cutoff = minus(now_ns, options_.compacted_retention);
  std::vector<std::string> tenants;
  Status s = block::list_tenants(backend_, &tenants);
  if (!s.is_ok()) {
    errors_total().Add({}).Increment();
    log::error("retention failed to list tenants", {{"err", s.to_string()}});
    return 0;
  }
  std::vector<block::CompactedBlockMeta> due;
  for (const auto& tenant : tenants) {
    if (!acquire(tenant)) continue;
    std::vector<block::BlockMeta> live;
    std::vector<block::CompactedBlockMeta> compacted;
    s = block::list_blocks(backend_, tenant, &live, &compacted);
    if (!s.is_ok()) {
      errors_total().Add({}).Increment();
      log::error("retention failed to list blocks", {{"tenant", tenant}, {"err", s.to_string()}});
      continue;
    }
    for (auto& c : compacted) {
      if (c.compacted_unix_nano <= cutoff) due.push_back(std::move(c));
    }
  }
  // retention_concurrency deletions at once: on an object store each is several requests.
  std::atomic<size_t> next{0}, done{0};
  auto worker = [&] {
    for (size_t i = next++; i < due.size(); i = next++) {
      const auto& m = due[i].meta;
      // Only the holder deletes: two processes deleting one block's objects at once would
      // count errors for each other's deletions.
      if (!held(m.tenant_id)) continue;
      Status ds = block::delete_block(backend_, m.tenant_id, m.block_id);
      if (!ds.is_ok()) {
        // Still marked compacted, so the next pass tries again.
        errors_total().Add({}).Increment();
        log::error("retention failed to delete compacted block",
                   {{"tenant", m.tenant_id}, {"block", m.block_id}, {"err", ds.to_string()}});
        continue;
      }
      deleted_total().Add({}).Increment();
      ++done;
      log::info("deleted compacted block",
                {{"tenant", m.tenant_id},
                 {"block", m.block_id},
                 {"compacted_time", block::format_rfc3339_nano(due[i].compacted_unix_nano)}});
    }
  };
  const size_t threads = std::min(std::max<size_t>(options_.concurrency, 1), due.size());
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  if (threads > 0) worker();
  for (auto& t : pool) t.join();
  return done.load();
}

}  // namespace tempo::compactor
