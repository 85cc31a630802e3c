#include "tempo/ingester/ingester.h"

#include <algorithm>

#include "ingester/tenant_instance.h"
#include "ingester/wal_span_source.h"
#include "ingester/wal_block.h"
#include "tempo/observability/log.h"
#include "tempo/observability/metrics.h"
#include "tempo/util/memory.h"
#include "tempo/util/thread_name.h"

namespace tempo::ingester {
namespace {

prometheus::Family<prometheus::Counter>& blocks_flushed_family() {
  static auto& f = metrics::counter_family("tempo_ingester_blocks_flushed_total",
                                           "The total number of blocks flushed.");
  return f;
}
prometheus::Family<prometheus::Counter>& failed_flushes_family() {
  static auto& f = metrics::counter_family("tempo_ingester_failed_flushes_total",
                                           "The total number of failed block flushes.");
  return f;
}
prometheus::Family<prometheus::Counter>& replay_errors_family() {
  static auto& f = metrics::counter_family("tempo_ingester_replay_errors_total",
                                           "The total number of WAL replay errors.");
  return f;
}
prometheus::Histogram& flush_duration() {
  static auto& h = metrics::histogram_family("tempo_ingester_flush_duration_seconds",
                                             "Time spent writing a block to the backend.")
                       .Add({}, prometheus::Histogram::BucketBoundaries{
                                    0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120});
  return h;
}

constexpr std::chrono::seconds kMaxBackoff{30};

}  // namespace

Ingester::Ingester(IngesterOptions options, backend::Backend& backend, BlockFlushedFn on_flushed)
    : options_(std::move(options)),
      live_budget_(std::make_shared<LiveCacheBudget>(options_.live_search_cache_bytes)),
      backend_(backend),
      on_flushed_(std::move(on_flushed)) {}

Ingester::~Ingester() { stop(); }

Status Ingester::start() {
  Env& env = *options_.env;
  TEMPO_RETURN_IF_ERROR(env.create_dirs(options_.wal_path));
  if (options_.wal_sync) TEMPO_RETURN_IF_ERROR(env.sync_dir(dir_of(options_.wal_path)));

  // Every WAL block on disk was either the head or waiting to be flushed when the process
  // stopped: replay each and queue it to become a backend block. A directory that cannot be
  // listed fails the start: serving without its acknowledged data would hide it until restart.
  std::vector<DirEntry> tenants;
  TEMPO_RETURN_IF_ERROR(env.list_dir(options_.wal_path, &tenants));
  size_t replayed = 0;
  for (const auto& tenant_dir : tenants) {
    if (tenant_dir.type != DirEntry::Type::kDir) continue;
    const std::string& tenant = tenant_dir.name;
    const std::string dir = options_.wal_path + "/" + tenant;
    std::vector<DirEntry> files;
    TEMPO_RETURN_IF_ERROR(env.list_dir(dir, &files));
    for (const auto& f : files) {
      if (f.type != DirEntry::Type::kFile || !f.name.ends_with(".wal")) continue;
      const std::string path = dir + "/" + f.name;
      std::shared_ptr<WalBlock> block;
      wal::ReplayStats stats;
      Status s = WalBlock::replay(env, path, tenant, &block, &stats);
      if (!s.is_ok()) {
        replay_errors_family().Add({{"tenant", tenant}}).Increment();
        log::error("wal replay failed; file left in place",
                   {{"tenant", tenant}, {"path", path}, {"err", s.to_string()}});
        continue;
      }
      log::info("replayed wal block",
                {{"tenant", tenant}, {"block", block->id()}, {"records", stats.records},
                 {"traces", block->trace_count()}, {"truncated_bytes", stats.truncated_bytes}});
      if (block->empty()) {
        Status rm = block->remove_file();
        if (!rm.is_ok()) log::warn("removing an empty wal block", {{"err", rm.to_string()}});
        continue;
      }
      auto inst = instance(tenant, true);
      inst->add_sealed(block);
      enqueue(block, inst);
      ++replayed;
    }
  }
  if (replayed) log::info("wal replay complete", {{"blocks", replayed}});

  std::lock_guard<std::mutex> lock(queue_mu_);
  stopping_ = false;
  threads_.emplace_back([this] { sweep_loop(); });
  int flushers = std::max(1, options_.concurrent_flushes);
  for (int i = 0; i < flushers; ++i) threads_.emplace_back([this] { flush_loop(); });
  return Status::ok();
}

void Ingester::stop() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  queue_cv_.notify_all();
  for (auto& t : threads_) t.join();
  // Wake flush() waiters only now: they return once they see no threads left.
  std::lock_guard<std::mutex> lock(queue_mu_);
  threads_.clear();
  done_cv_.notify_all();
}

std::shared_ptr<TenantInstance> Ingester::instance(std::string_view tenant, bool create) {
  std::lock_guard<std::mutex> lock(tenants_mu_);
  auto it = tenants_.find(tenant);
  if (it != tenants_.end()) return it->second;
  if (!create) return nullptr;
  auto inst = std::make_shared<TenantInstance>(std::string(tenant), options_);
  tenants_.emplace(std::string(tenant), inst);
  return inst;
}

std::vector<std::shared_ptr<TenantInstance>> Ingester::instances() {
  std::lock_guard<std::mutex> lock(tenants_mu_);
  std::vector<std::shared_ptr<TenantInstance>> out;
  for (const auto& [name, inst] : tenants_) out.push_back(inst);
  return out;
}

Status Ingester::push(std::string_view tenant, std::span<const model::TraceSegment> segments,
                      Refused* refused) {
  if (segments.empty()) return Status::ok();
  auto inst = instance(tenant, true);
  Status s = inst->push(segments, refused);
  // A head whose WAL no longer takes appends is sealed now, so the next push gets a new file.
  if (!s.is_ok()) {
    if (auto cut = inst->cut_if_due(false)) enqueue(cut, inst);
  }
  return s;
}

Status Ingester::find(std::string_view tenant, const TraceId& id,
                      std::vector<std::string>* segments, uint64_t* bytes_read) {
  auto inst = instance(tenant, false);
  if (!inst) return Status::ok();
  return inst->find(id, segments, bytes_read);
}

Status Ingester::sources(std::string_view tenant,
                         std::vector<std::shared_ptr<columnar::SpanSource>>* out) {
  auto inst = instance(tenant, false);
  if (!inst) return Status::ok();
  for (auto& b : inst->blocks()) out->push_back(std::make_shared<WalSpanSource>(std::move(b), live_budget_));
  return Status::ok();
}

void Ingester::enqueue(std::shared_ptr<WalBlock> block, std::shared_ptr<TenantInstance> owner) {
  if (block->queued.exchange(true)) return;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    queue_.push_back(Job{std::move(block), std::move(owner), std::chrono::steady_clock::now(), 0});
  }
  // notify_all: the sweep thread waits on the same condition variable.
  queue_cv_.notify_all();
}

Status Ingester::flush(std::string_view tenant) {
  std::vector<std::shared_ptr<TenantInstance>> targets;
  if (tenant.empty()) {
    targets = instances();
  } else if (auto inst = instance(tenant, false)) {
    targets.push_back(inst);
  }
  for (auto& inst : targets) {
    inst->cut_if_due(/*force=*/true);
    for (auto& b : inst->sealed()) enqueue(b, inst);
  }
  // Wait until the sealed sets are empty; a failing backend keeps blocks queued and retried,
  // so give up waiting (not retrying) after a bound and report it.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  std::unique_lock<std::mutex> lock(queue_mu_);
  for (;;) {
    bool pending = false;
    for (auto& inst : targets) {
      if (!inst->sealed().empty()) pending = true;
    }
    if (!pending) return Status::ok();
    if (stopping_ && threads_.empty()) return Status::unavailable("ingester is stopped");
    if (done_cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      return Status::unavailable("flush did not complete within 5m; blocks stay queued");
    }
  }
}

void Ingester::sweep_loop() {
  set_thread_name("live-sweep");
  // The cut check is cheap, so run it at least every second: max_block_duration is honoured
  // closely even when flush_check_period is long.
  auto period = std::min<std::chrono::nanoseconds>(options_.flush_check_period,
                                                   std::chrono::seconds(1));
  std::unique_lock<std::mutex> lock(queue_mu_);
  while (!stopping_) {
    queue_cv_.wait_for(lock, period, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    for (auto& inst : instances()) {
      inst->sweep_live_traces();
      if (auto cut = inst->cut_if_due(false)) enqueue(cut, inst);
    }
    lock.lock();
  }
}

void Ingester::flush_loop() {
  set_thread_name("flush");
  std::unique_lock<std::mutex> lock(queue_mu_);
  for (;;) {
    if (stopping_) return;
    auto now = std::chrono::steady_clock::now();
    auto it = std::find_if(queue_.begin(), queue_.end(),
                           [&](const Job& j) { return j.not_before <= now; });
    if (it == queue_.end()) {
      auto next = now + std::chrono::seconds(1);
      for (const auto& j : queue_) next = std::min(next, j.not_before);
      queue_cv_.wait_until(lock, next);
      continue;
    }
    Job job = std::move(*it);
    queue_.erase(it);
    ++in_flight_;
    lock.unlock();
    Status s = flush_one(job.block, *job.owner);
    if (s.is_ok()) {
      // Usually the last reference: the block's WAL index and live-search tables go with it.
      // Their pages go back to the system before /flush returns; glibc would keep them
      // (after live searches over 1.2M spans and their flush: 109 MB of heap kept, 2 MB used).
      job.block.reset();
      auto t0 = std::chrono::steady_clock::now();
      release_free_memory();
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      log::debug("released free memory after a flush", {{"seconds", secs}});
    }
    lock.lock();
    --in_flight_;
    if (!s.is_ok()) {
      ++job.attempts;
      auto backoff = std::min<std::chrono::steady_clock::duration>(
          std::chrono::seconds(1) * (1 << std::min(job.attempts, 5)), kMaxBackoff);
      failed_flushes_family().Add({{"tenant", job.block->tenant()}}).Increment();
      log::error("failed to flush block; will retry",
                 {{"tenant", job.block->tenant()}, {"block", job.block->id()},
                  {"attempt", job.attempts}, {"err", s.to_string()}});
      job.not_before = std::chrono::steady_clock::now() + backoff;
      queue_.push_back(std::move(job));
    }
    done_cv_.notify_all();
  }
}

Status Ingester::flush_one(const std::shared_ptr<WalBlock>& block, TenantInstance& owner) {
  auto start = std::chrono::steady_clock::now();
  block::BlockMeta meta;
  TEMPO_RETURN_IF_ERROR(block->write_block(backend_, options_.block_options, &meta));
  // Announce before deleting the WAL so readers always find the data in one or the other.
  if (on_flushed_) on_flushed_(meta);
  owner.remove_sealed(block);
  Status rm = block->remove_file();
  if (!rm.is_ok()) {
    log::warn("flushed block but could not delete its wal",
              {{"tenant", block->tenant()}, {"block", block->id()}, {"err", rm.to_string()}});
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  flush_duration().Observe(secs);
  blocks_flushed_family().Add({{"tenant", block->tenant()}}).Increment();
  log::info("block flushed", {{"tenant", block->tenant()}, {"block", block->id()},
                              {"traces", meta.total_objects}, {"size", meta.size},
                              {"duration", secs}});
  return Status::ok();
}

}  // namespace tempo::ingester
