#pragma once
// Every tenant's limits (Tempo's overrides), as the running server sees them: tempo.yaml's
// `overrides:` for every tenant, replaced per tenant by the runtime overrides file
// (include/tempo/config/runtime_overrides.h). A reload swaps in a whole new immutable
// Snapshot; readers never wait for it and never see half of one. A caller may keep the
// Limits it was handed for as long as it likes: they never change under it.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "tempo/config/config.h"
#include "tempo/config/runtime_overrides.h"

namespace tempo::overrides {

// One tenant's complete limits.
using Limits = config::OverridesConfig;

// The limits of every tenant at one moment.
class Snapshot {
 public:
  Snapshot(const config::OverridesConfig& defaults, const config::RuntimeOverrides& runtime);

  // The tenant's own entry, else the wildcard tenant "*"'s, else the defaults (Tempo's order).
  const std::shared_ptr<const Limits>& for_tenant(std::string_view tenant) const;
  const Limits& defaults() const { return *defaults_; }
  // The tenants the runtime file lists, "*" included.
  const std::map<std::string, std::shared_ptr<const Limits>, std::less<>>& tenants() const {
    return tenants_;
  }

 private:
  std::shared_ptr<const Limits> defaults_;
  std::shared_ptr<const Limits> fallback_;  // "*" when listed, else defaults_
  std::map<std::string, std::shared_ptr<const Limits>, std::less<>> tenants_;
};

class Overrides {
 public:
  // Every tenant has `defaults` until set_runtime() is called.
  explicit Overrides(config::OverridesConfig defaults);

  // The tenant's limits now: an atomic load of the current snapshot (no mutex shared with
  // other readers or with a reload) and a map lookup, cheap enough for every request.
  std::shared_ptr<const Limits> for_tenant(std::string_view tenant) const;
  std::shared_ptr<const Snapshot> snapshot() const { return current_.load(); }
  const config::OverridesConfig& defaults() const { return defaults_; }

  // Replaces every tenant's entry at once (a runtime file was loaded).
  void set_runtime(const config::RuntimeOverrides& runtime);

 private:
  const config::OverridesConfig defaults_;
  std::atomic<std::shared_ptr<const Snapshot>> current_;
};

}  // namespace tempo::overrides
