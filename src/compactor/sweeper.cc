#include "tempo/compactor/sweeper.h"

#include "block/block_format.h"
#include "tempo/observability/log.h"
#include "tempo/observability/metrics.h"

namespace tempo::compactor {
namespace {

prometheus::Family<prometheus::Counter>& removed_total() {
  static auto& f = metrics::counter_family(
      "tempodb_sweep_removed_objects_total",
      "Objects removed by the sweeper: kind=orphaned_block for objects of block directories "
      "that never got a meta.json, kind=temporary_file for leftovers of interrupted writes.");
  return f;
}
prometheus::Family<prometheus::Counter>& errors_total() {
  static auto& f = metrics::counter_family("tempodb_sweep_errors_total",
                                           "Sweeper passes over a tenant that failed.");
  return f;
}

}  // namespace

Status Sweeper::sweep_tenant(const std::string& tenant, std::chrono::steady_clock::time_point now,
                             SweepCounts* counts) {
  if (!lease_.held(tenant)) return Status::ok();
  for (const auto& u : blocks_.unfinished(tenant)) {
    if (now - u.first_seen < options_.grace) continue;
    // The holder may have lost the lease during a long pass; stop rather than race the next.
    if (!lease_.held(tenant)) return Status::ok();
    const std::string prefix = tenant + "/" + u.block_id + "/";
    std::vector<std::string> objects;
    TEMPO_RETURN_IF_ERROR(backend_.list(prefix, &objects));
    bool has_meta = false;
    for (const auto& o : objects) {
      has_meta |= o == block::format::kMetaObject || o == block::format::kCompactedMetaObject;
    }
    if (has_meta || objects.empty()) continue;  // finished after all, or already gone
    size_t removed = 0;
    for (const auto& o : objects) {
      TEMPO_RETURN_IF_ERROR(backend_.remove(prefix + o));
      ++removed;
    }
    removed_total().Add({{"kind", "orphaned_block"}}).Increment(static_cast<double>(removed));
    counts->orphaned_objects += removed;
    ++counts->orphaned_blocks;
    log::info(
        "removed orphaned block: its objects had no meta.json for longer than the grace "
        "period",
        {{"tenant", tenant}, {"block", u.block_id}, {"objects", removed}});
  }
  size_t temporary = 0;
  TEMPO_RETURN_IF_ERROR(backend_.sweep_temporary(tenant + "/", options_.grace, &temporary));
  removed_total().Add({{"kind", "temporary_file"}}).Increment(static_cast<double>(temporary));
  counts->temporary_files += temporary;
  return Status::ok();
}

void Sweeper::pass() {
  for (const auto& tenant : blocks_.tenants()) {
    bool held = false;
    Status s = lease_.try_acquire(tenant, &held);
    SweepCounts counts;
    if (s.is_ok() && held) s = sweep_tenant(tenant, std::chrono::steady_clock::now(), &counts);
    if (!s.is_ok()) {
      errors_total().Add({}).Increment();
      log::warn("sweep failed", {{"tenant", tenant}, {"err", s.to_string()}});
    }
  }
}

void Sweeper::start() {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      lock.unlock();
      pass();
      lock.lock();
      cv_.wait_for(lock, options_.period, [this] { return stopping_; });
    }
  });
}

void Sweeper::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace tempo::compactor
