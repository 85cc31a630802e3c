#include "tempo/compactor/retention.h"

#include "tempo/observability/log.h"
#include "tempo/observability/metrics.h"
#include "tempo/util/duration.h"

namespace tempo::compactor {
namespace {

prometheus::Family<prometheus::Counter>& deleted_total() {
  static auto& f = metrics::counter_family("tempodb_retention_deleted_total",
                                           "Blocks deleted because they passed retention.");
  return f;
}
prometheus::Family<prometheus::Counter>& errors_total() {
  static auto& f = metrics::counter_family("tempodb_retention_errors_total",
                                           "Blocks retention failed to delete.");
  return f;
}
prometheus::Family<prometheus::Histogram>& duration_seconds() {
  static auto& f = metrics::histogram_family("tempodb_retention_duration_seconds",
                                             "Time one retention pass took.");
  return f;
}

}  // namespace

void Retention::start() {
  if (options_.retention <= std::chrono::nanoseconds::zero()) {
    log::info("retention disabled: blocks are kept forever");
    return;
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

size_t Retention::sweep(std::chrono::system_clock::time_point now) {
  if (options_.retention <= std::chrono::nanoseconds::zero()) return 0;
  const auto started = std::chrono::steady_clock::now();
  const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch());
  const uint64_t cutoff =
      now_ns > options_.retention ? static_cast<uint64_t>((now_ns - options_.retention).count()) : 0;
  size_t deleted = 0;
  for (const auto& tenant : blocks_.tenants()) {
    for (const auto& meta : blocks_.metas(tenant)) {
      if (meta.end_unix_nano >= cutoff) continue;
      blocks_.remove(tenant, meta.block_id);
      Status s = block::delete_block(backend_, tenant, meta.block_id);
      if (!s.is_ok()) {
        // The block is out of the list already; what is left of it is invisible (meta.json
        // goes first) or is retried at the next start when the list is reloaded.
        errors_total().Add({}).Increment();
        log::error("retention failed to delete block",
                   {{"tenant", tenant}, {"block", meta.block_id}, {"err", s.to_string()}});
        continue;
      }
      deleted_total().Add({}).Increment();
      ++deleted;
      log::info("deleted block past retention",
                {{"tenant", tenant}, {"block", meta.block_id}, {"retention", format_duration(options_.retention)}});
    }
  }
  duration_seconds().Add({}, metrics::request_duration_buckets()).Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return deleted;
}

}  // namespace tempo::compactor
