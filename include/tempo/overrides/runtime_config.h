#pragma once
// Loads the runtime overrides file (overrides.per_tenant_override_config) into an Overrides,
// and re-reads it every per_tenant_override_period, as Tempo's runtime config manager does:
// a file that does not load at start stops the start; one that does not load later keeps the
// overrides in force, logs a warning and counts it. Exported, with Tempo's names:
//   tempo_runtime_config_last_reload_successful                   1 or 0
//   tempo_runtime_config_hash{sha256="<hex of the file>"}         1
//   tempo_runtime_config_last_reload_successful_timestamp_seconds unix time
// and this build's own tempo_runtime_config_reload_failures_total.

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "tempo/config/config.h"
#include "tempo/overrides/overrides.h"
#include "tempo/util/status.h"

namespace tempo::overrides {

class RuntimeConfig {
 public:
  // `target` must outlive this.
  RuntimeConfig(Overrides& target, config::PerTenantOverridesFile file);
  ~RuntimeConfig() { stop(); }

  // Reads the file the first time; an error (naming the file, the line and the key) is for
  // the caller to stop the start with.
  Status load();
  // Re-reads the file every period on a thread of its own (nothing when the period is 0).
  void start();
  void stop();

  // One re-read now: applies the file when its contents changed and it loads; otherwise
  // keeps what is in force and returns why (also logged and counted).
  Status reload();

  // The text of the file now in force ("" before the first load).
  std::string text() const;

 private:
  Status apply(bool at_start);

  Overrides& target_;
  const config::PerTenantOverridesFile file_;
  mutable std::mutex mu_;  // text_, hash_; one reload at a time
  std::string text_, hash_;
  std::thread thread_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace tempo::overrides
