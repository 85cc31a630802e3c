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

Status TenantInstance::push(std::span<const model::TraceSegment> segments) {
  uint64_t bytes = 0;
  for (const auto& s : segments) bytes += s.bytes.size();
  for (;;) {
    {
      std::shared_lock<std::shared_mutex> lock(head_mu_);
      if (head_) {
        TEMPO_RETURN_IF_ERROR(head_->append(segments));
        break;
      }
    }
    std::unique_lock<std::shared_mutex> lock(head_mu_);
    if (!head_) TEMPO_RETURN_IF_ERROR(WalBlock::create(dir(), tenant_, options_.wal_sync, &head_));
  }
  bytes_received_family().Add({{"tenant", tenant_}}).Increment(static_cast<double>(bytes));

  auto now = std::chrono::steady_clock::now();
  size_t created = 0, live = 0;
  {
    std::lock_guard<std::mutex> lock(live_mu_);
    for (const auto& s : segments) {
      auto [it, inserted] = live_.try_emplace(s.id, now);
      if (inserted) ++created;
      else it->second = now;
    }
    live = live_.size();
  }
  if (created) traces_created_family().Add({{"tenant", tenant_}}).Increment(created);
  live_traces_family().Add({{"tenant", tenant_}}).Set(static_cast<double>(live));
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

std::shared_ptr<WalBlock> TenantInstance::cut_if_due(bool force) {
  std::unique_lock<std::shared_mutex> lock(head_mu_);
  if (!head_ || head_->empty()) return nullptr;
  bool due = force || head_->bytes() >= options_.max_block_bytes ||
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
  log::info("head block cut", {{"tenant", tenant_}, {"block", cut->id()},
                               {"traces", cut->trace_count()}, {"bytes", cut->bytes()}});
  return cut;
}

void TenantInstance::add_sealed(std::shared_ptr<WalBlock> block) {
  std::lock_guard<std::mutex> lock(sealed_mu_);
  sealed_.push_back(std::move(block));
}

std::vector<std::shared_ptr<WalBlock>> TenantInstance::sealed() const {
  std::lock_guard<std::mutex> lock(sealed_mu_);
  return sealed_;
}

void TenantInstance::remove_sealed(const std::shared_ptr<WalBlock>& block) {
  std::lock_guard<std::mutex> lock(sealed_mu_);
  sealed_.erase(std::remove(sealed_.begin(), sealed_.end(), block), sealed_.end());
}

void TenantInstance::sweep_live_traces() {
  auto cutoff = std::chrono::steady_clock::now() -
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    options_.trace_idle_period);
  size_t live;
  {
    std::lock_guard<std::mutex> lock(live_mu_);
    std::erase_if(live_, [&](const auto& kv) { return kv.second < cutoff; });
    live = live_.size();
  }
  live_traces_family().Add({{"tenant", tenant_}}).Set(static_cast<double>(live));
}

}  // namespace tempo::ingester
