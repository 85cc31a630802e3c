#include "ingester/tenant_instance.h"

#include <algorithm>

#include "tempo/observability/log.h"
#include "tempo/observability/metrics.h"

namespace tempo::ingester {
namespace {

prometheus::Family<prometheus::Gauge>& live_traces_family() {
  static auto& f = metrics::gauge_family("tempo_ingester_live_traces",
                                         "The current number of live traces per tenant.");
  return f;
}
prometheus::Family<prometheus::Counter>& traces_created_family() {
  static auto& f = metrics::counter_family("tempo_ingester_traces_created_total",
                                           "The total number of traces created per tenant.");
  return f;
}
prometheus::Family<prometheus::Counter>& flush_backlog_refusals_family() {
  static auto& f = metrics::counter_family(
      "tempo_ingester_flush_backlog_refusals_total",
      "Pushes refused because the tenant's sealed blocks waiting for their flush reached "
      "ingester.max_unflushed_blocks.");
  return f;
}
prometheus::Family<prometheus::Counter>& flush_backlog_waits_family() {
  static auto& f = metrics::counter_family(
      "tempo_ingester_flush_backlog_waits_total",
      "Pushes that met ingester.max_unflushed_blocks and waited for a flush to make room "
      "(those still facing the bound after the wait are refused, and counted in "
      "tempo_ingester_flush_backlog_refusals_total too).");
  return f;
}
prometheus::Family<prometheus::Counter>& bytes_received_family() {
  static auto& f = metrics::counter_family("tempo_ingester_bytes_received_total",
                                           "The total bytes received per tenant.");
  return f;
}
prometheus::Family<prometheus::Counter>& blocks_cut_family() {
  static auto& f = metrics::counter_family("tempo_ingester_blocks_cut_total",
                                           "The total number of head blocks cut per tenant.");
  return f;
}

}  // namespace

TenantInstance::TenantInstance(std::string tenant, const IngesterOptions& options)
    : tenant_(std::move(tenant)), options_(options) {}

std::string TenantInstance::dir() const { return options_.wal_path + "/" + tenant_; }

bool TenantInstance::admit(std::span<const model::TraceSegment> segments, Refused* refused,
                           std::vector<size_t>* admitted, size_t* created, size_t* live) {
  const Ticks now = ticks(Clock::now());
  const TraceLimits limits =
      options_.limits_for ? options_.limits_for(tenant_)
                          : TraceLimits{options_.max_bytes_per_trace, options_.max_traces_per_user};
  const uint64_t max_bytes = limits.max_bytes_per_trace;
  const uint64_t max_traces = limits.max_traces_per_user;
  bool any_refused = false;
  std::lock_guard<std::mutex> lock(live_mu_);
  for (size_t i = 0; i < segments.size(); ++i) {
    const auto& s = segments[i];
    auto it = live_.find(s.id);
    if (it == live_.end() && max_traces && live_.size() >= max_traces) {
      refused->live_traces_exceeded += s.spans;
      if (refused->message.empty()) {
        refused->message = "LIVE_TRACES_EXCEEDED: max live traces exceeded for tenant " + tenant_ +
                           ": per-user traces limit (local: " + std::to_string(max_traces) +
                           " global: 0 actual local: " + std::to_string(live_.size()) +
                           ") exceeded";
      }
    } else if (max_bytes &&
               (it == live_.end() ? 0 : it->second.bytes) + s.bytes.size() > max_bytes) {
      refused->trace_too_large += s.spans;
      if (refused->message.empty()) {
        refused->message = "TRACE_TOO_LARGE: max size of trace (" + std::to_string(max_bytes) +
                           ") exceeded while adding " + std::to_string(s.bytes.size()) +
                           " bytes to trace " + s.id.hex() + " for tenant " + tenant_;
      }
    } else {
      if (it == live_.end()) {
        it = live_.emplace(s.id, LiveTrace{now, now, 0}).first;
        expiry_.push_back({s.id, now});
        ++*created;
      } else if (ticks_since(now, it->second.queued) >= kExpiryGranularityMs) {
        it->second.queued = now;
        expiry_.push_back({s.id, now});
      }
      it->second.last_seen = now;
      it->second.bytes = static_cast<uint32_t>(
          std::min<uint64_t>(uint64_t{it->second.bytes} + s.bytes.size(), UINT32_MAX));
      if (any_refused) admitted->push_back(i);
      continue;
    }
    if (!any_refused) {  // from now on admitted indexes are listed explicitly
      any_refused = true;
      for (size_t j = 0; j < i; ++j) admitted->push_back(j);
    }
  }
  *live = live_.size();
  return !any_refused;
}

Status TenantInstance::push(std::span<const model::TraceSegment> segments, Refused* refused) {
  // Limits first, then the WAL: a refused segment is never written. (A WAL failure after
  // admission leaves the live set counting bytes that were not stored; the request fails
  // and is retried, so the count is at most one request high.)
  // Ingest faster than blocks are built would grow the WAL and the sealed blocks' indexes
  // without bound; past the backlog the push is refused before anything is admitted, and the
  // client retries once the flusher has caught up.
  if (options_.max_unflushed_blocks > 0) {
    std::unique_lock<std::mutex> lock(sealed_mu_);
    if (sealed_.size() >= options_.max_unflushed_blocks) {
      // A short overload (a burst, one slow flush) costs the client some latency, not a
      // refused call and its exporter's retry backoff (5 s for OTLP exporters by default).
      flush_backlog_waits_family().Add({{"tenant", tenant_}}).Increment();
      sealed_cv_.wait_for(lock, options_.backlog_wait,
                          [&] { return sealed_.size() < options_.max_unflushed_blocks; });
    }
    const size_t waiting = sealed_.size();
    lock.unlock();
    if (waiting >= options_.max_unflushed_blocks) {
      flush_backlog_refusals_family().Add({{"tenant", tenant_}}).Increment();
      refused->flush_backlog = true;
      return Status::unavailable(
          "ingester is behind: " + std::to_string(waiting) + " blocks of tenant " + tenant_ +
          " wait to be flushed (ingester.max_unflushed_blocks); retry later");
    }
  }
  size_t created = 0, live = 0;
  std::vector<size_t> admitted;
  std::vector<model::TraceSegment> kept;
  if (!admit(segments, refused, &admitted, &created, &live)) {
    kept.reserve(admitted.size());
    for (size_t i : admitted) kept.push_back(segments[i]);  // rare path: copy the admitted
    segments = kept;
  }
  if (created) traces_created_family().Add({{"tenant", tenant_}}).Increment(created);
  live_traces_family().Add({{"tenant", tenant_}}).Set(static_cast<double>(live));
  if (segments.empty()) return Status::ok();

  uint64_t bytes = 0;
  for (const auto& s : segments) bytes += s.bytes.size();
  Status s;
  for (;;) {
    {
      std::shared_lock<std::shared_mutex> lock(head_mu_);
      if (head_) {
        s = head_->append(segments);
        break;
      }
    }
    std::unique_lock<std::shared_mutex> lock(head_mu_);
    if (!head_) {
      s = WalBlock::create(*options_.env, dir(), tenant_, options_.wal_sync, &head_);
      if (!s.is_ok()) break;
    }
  }
  if (!s.is_ok()) {
    // Nothing of this push is acknowledged. A disk that is full or failing is a condition to
    // retry after (503 with Retry-After at the receivers), not a bad request.
    if (!s.is(Status::Code::kIOError)) return s;
    return Status::unavailable("storing spans in the wal of tenant " + tenant_ + ": " +
                               s.message());
  }
  bytes_received_family().Add({{"tenant", tenant_}}).Increment(static_cast<double>(bytes));
  return Status::ok();
}

Status TenantInstance::find(const TraceId& id, std::vector<std::string>* segments,
                            uint64_t* bytes_read) {
  // Sealed first: their data is older. A block moving from head to sealed (or sealed to the
  // backend) while we look may be read twice; duplicates are dropped when spans are combined.
  for (const auto& b : sealed()) TEMPO_RETURN_IF_ERROR(b->find(id, segments, bytes_read));
  std::shared_lock<std::shared_mutex> lock(head_mu_);
  if (head_) TEMPO_RETURN_IF_ERROR(head_->find(id, segments, bytes_read));
  return Status::ok();
}

std::vector<std::shared_ptr<WalBlock>> TenantInstance::blocks() {
  auto out = sealed();
  std::shared_lock<std::shared_mutex> lock(head_mu_);
  if (head_) out.push_back(head_);
  return out;
}

std::shared_ptr<WalBlock> TenantInstance::cut_if_due(bool force) {
  std::unique_lock<std::shared_mutex> lock(head_mu_);
  if (!head_) return nullptr;
  const bool broken = head_->broken();
  if (head_->empty()) {
    // A head whose very first append failed holds nothing acknowledged: start afresh.
    if (broken) {
      std::shared_ptr<WalBlock> dead = std::move(head_);
      head_.reset();
      Status rm = dead->remove_file();
      if (!rm.is_ok()) log::warn("removing a failed empty wal block", {{"err", rm.to_string()}});
    }
    return nullptr;
  }
  // A broken head (its WAL failed to sync) is sealed at once: its acknowledged records are
  // intact and get flushed like any others, and the next push starts a new file.
  bool due = force || broken || head_->bytes() >= options_.max_block_bytes ||
             std::chrono::steady_clock::now() - head_->created() >= options_.max_block_duration;
  if (!due) return nullptr;
  std::shared_ptr<WalBlock> cut = std::move(head_);
  head_.reset();
  lock.unlock();
  cut->seal();
  {
    std::lock_guard<std::mutex> sl(sealed_mu_);
    sealed_.push_back(cut);
  }
  blocks_cut_family().Add({{"tenant", tenant_}}).Increment();
  log::info("head block cut", {{"tenant", tenant_},
                               {"block", cut->id()},
                               {"traces", cut->trace_count()},
                               {"bytes", cut->bytes()}});
  return cut;
}

void TenantInstance::add_sealed(std::shared_ptr<WalBlock> block) {
  std::lock_guard<std::mutex> lock(sealed_mu_);
  sealed_.push_back(std::move(block));
}

size_t TenantInstance::sealed_count() const {
  std::lock_guard<std::mutex> lock(sealed_mu_);
  return sealed_.size();
}

std::vector<std::shared_ptr<WalBlock>> TenantInstance::sealed() const {
  std::lock_guard<std::mutex> lock(sealed_mu_);
  return sealed_;
}

void TenantInstance::remove_sealed(const std::shared_ptr<WalBlock>& block) {
  std::lock_guard<std::mutex> lock(sealed_mu_);
  sealed_.erase(std::remove(sealed_.begin(), sealed_.end(), block), sealed_.end());
  sealed_cv_.notify_all();
}

void TenantInstance::sweep_live_traces() {
  // Clamped so that every gap compared stays within the half of the 32-bit range where
  // wrapping differences are right.
  const auto idle = static_cast<Ticks>(std::clamp<int64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.trace_idle_period).count(), 0,
      INT32_MAX));
  const Ticks now = ticks(Clock::now());
  size_t live;
  {
    std::lock_guard<std::mutex> lock(live_mu_);
    while (!expiry_.empty() && ticks_since(now, expiry_.front().at) > idle) {
      const Expiry e = expiry_.front();
      expiry_.pop_front();
      auto it = live_.find(e.id);
      // Gone already, or a newer entry of the trace is further back.
      if (it == live_.end() || it->second.queued != e.at) continue;
      if (ticks_since(now, it->second.last_seen) > idle) {
        live_.erase(it);
      } else {  // seen again within kExpiryGranularityMs of this entry: look again later
        it->second.queued = it->second.last_seen;
        expiry_.push_back({e.id, it->second.last_seen});
      }
    }
    // A table never shrinks by itself: after a burst, give back what the next one can
    // regrow (a quarter full at most, so a steady load does not rehash back and forth).
    if (live_.capacity() > 4096 && live_.size() < live_.capacity() / 4) live_.rehash(0);
    live = live_.size();
  }
  live_traces_family().Add({{"tenant", tenant_}}).Set(static_cast<double>(live));
}

}  // namespace tempo::ingester
