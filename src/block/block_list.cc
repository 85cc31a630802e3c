#include "tempo/block/block_list.h"

#include "tempo/observability/log.h"
#include "tempo/observability/metrics.h"

namespace tempo::block {
namespace {

prometheus::Family<prometheus::Gauge>& blocklist_length() {
  static auto& f = metrics::gauge_family("tempodb_blocklist_length",
                                         "Total number of blocks per tenant.");
  return f;
}

}  // namespace

Status BlockList::load() {
  std::vector<std::string> tenants;
  TEMPO_RETURN_IF_ERROR(list_tenants(backend_, &tenants));
  std::map<std::string, std::map<std::string, BlockMeta>> fresh;
  for (const auto& tenant : tenants) {
    std::vector<BlockMeta> metas;
    TEMPO_RETURN_IF_ERROR(list_blocks(backend_, tenant, &metas));
    for (auto& m : metas) fresh[tenant][m.block_id] = std::move(m);
  }
  std::lock_guard<std::mutex> lock(mu_);
  by_tenant_ = std::move(fresh);
  for (const auto& [tenant, blocks] : by_tenant_) update_length_metric(tenant);
  return Status::ok();
}

void BlockList::add(const BlockMeta& meta) {
  std::lock_guard<std::mutex> lock(mu_);
  by_tenant_[meta.tenant_id][meta.block_id] = meta;
  update_length_metric(meta.tenant_id);
}

void BlockList::remove(const std::string& tenant, const std::string& block_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_tenant_.find(tenant);
  if (it != by_tenant_.end()) it->second.erase(block_id);
  readers_.erase(block_id);
  update_length_metric(tenant);
}

std::vector<BlockMeta> BlockList::metas(std::string_view tenant) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<BlockMeta> out;
  auto it = by_tenant_.find(std::string(tenant));
  if (it == by_tenant_.end()) return out;
  out.reserve(it->second.size());
  for (const auto& [id, m] : it->second) out.push_back(m);
  return out;
}

std::vector<std::string> BlockList::tenants() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [t, blocks] : by_tenant_) out.push_back(t);
  return out;
}

Status BlockList::reader(const BlockMeta& meta, std::shared_ptr<BlockReader>* out) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = readers_.find(meta.block_id);
    if (it != readers_.end()) {
      *out = it->second;
      return Status::ok();
    }
  }
  // Opened outside the lock: opening may read the backend.
  std::unique_ptr<BlockReader> r;
  TEMPO_RETURN_IF_ERROR(BlockReader::open_with_meta(backend_, meta, &r));
  std::shared_ptr<BlockReader> shared = std::move(r);
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = readers_.emplace(meta.block_id, shared);
  *out = it->second;
  return Status::ok();
}

void BlockList::update_length_metric(const std::string& tenant) {
  auto it = by_tenant_.find(tenant);
  double n = it == by_tenant_.end() ? 0 : static_cast<double>(it->second.size());
  blocklist_length().Add({{"tenant", tenant}}).Set(n);
}

}  // namespace tempo::block
