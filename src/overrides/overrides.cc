#include "tempo/overrides/overrides.h"

namespace tempo::overrides {

Snapshot::Snapshot(const config::OverridesConfig& defaults, const config::RuntimeOverrides& runtime)
    : defaults_(std::make_shared<const Limits>(defaults)), fallback_(defaults_) {
  for (const auto& [tenant, limits] : runtime.tenants) {
    tenants_.emplace(tenant, std::make_shared<const Limits>(limits));
  }
  auto wildcard = tenants_.find(config::kWildcardTenant);
  if (wildcard != tenants_.end()) fallback_ = wildcard->second;
}

const std::shared_ptr<const Limits>& Snapshot::for_tenant(std::string_view tenant) const {
  auto it = tenants_.find(tenant);
  return it != tenants_.end() ? it->second : fallback_;
}

Overrides::Overrides(config::OverridesConfig defaults)
    : defaults_(std::move(defaults)),
      current_(std::make_shared<const Snapshot>(defaults_, config::RuntimeOverrides{})) {}

std::shared_ptr<const Limits> Overrides::for_tenant(std::string_view tenant) const {
  // The snapshot is held while its entry is copied out; the entry then outlives any reload.
  const std::shared_ptr<const Snapshot> s = current_.load(std::memory_order_acquire);
  return s->for_tenant(tenant);
}

void Overrides::set_runtime(const config::RuntimeOverrides& runtime) {
  current_.store(std::make_shared<const Snapshot>(defaults_, runtime), std::memory_order_release);
}

}  // namespace tempo::overrides
