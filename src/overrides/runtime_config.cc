#include "tempo/overrides/runtime_config.h"

#include <openssl/sha.h>

#include <chrono>

#include "tempo/config/runtime_overrides.h"
#include "tempo/observability/log.h"
#include "tempo/observability/metrics.h"
#include "tempo/util/hex.h"

namespace tempo::overrides {
namespace {

prometheus::Gauge& last_reload_successful() {
  static auto& g = metrics::gauge_family("tempo_runtime_config_last_reload_successful",
                                         "Whether the last runtime-config reload attempt was "
                                         "successful.")
                       .Add({});
  return g;
}
prometheus::Gauge& last_reload_timestamp() {
  static auto& g =
      metrics::gauge_family("tempo_runtime_config_last_reload_successful_timestamp_seconds",
                            "Timestamp of the last successful runtime-config reload.")
          .Add({});
  return g;
}
prometheus::Family<prometheus::Gauge>& config_hash() {
  static auto& f = metrics::gauge_family("tempo_runtime_config_hash",
                                         "Hash of the currently active runtime config file.");
  return f;
}
prometheus::Counter& reload_failures() {
  static auto& c = metrics::counter_family("tempo_runtime_config_reload_failures_total",
                                           "Runtime-config reloads that failed and left the "
                                           "previous overrides in force.")
                       .Add({});
  return c;
}

std::string sha256_hex(const std::string& text) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), d);
  return hex::encode(std::string_view(reinterpret_cast<const char*>(d), sizeof d));
}

}  // namespace

RuntimeConfig::RuntimeConfig(Overrides& target, config::PerTenantOverridesFile file)
    : target_(target), file_(std::move(file)) {
  reload_failures();  // exported from the start, at 0
}

Status RuntimeConfig::load() { return apply(true); }

Status RuntimeConfig::reload() { return apply(false); }

Status RuntimeConfig::apply(bool at_start) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string text;
  Status s = config::read_runtime_overrides_file(file_.path, &text);
  std::string hash;
  config::RuntimeOverrides parsed;
  if (s.is_ok()) {
    hash = sha256_hex(text);
    if (!at_start && hash == hash_) {  // unchanged: what is in force stays
      last_reload_successful().Set(1);
      return Status::ok();
    }
    s = config::parse_runtime_overrides(text, file_.path, target_.defaults(), file_.expand_env,
                                        &parsed);
  }
  if (!s.is_ok()) {
    last_reload_successful().Set(0);
    if (!at_start) {
      reload_failures().Increment();
      log::warn("runtime overrides not reloaded; the previous ones stay in force",
                {{"file", file_.path}, {"err", s.message()}});
    }
    return s;
  }
  for (const auto& w : parsed.warnings) log::warn(w, {{"file", file_.path}});
  if (parsed.legacy_format) {
    log::warn(
        "per-tenant overrides file uses the legacy flat format; Tempo deprecates it in "
        "favour of the scoped one",
        {{"file", file_.path}});
  }
  target_.set_runtime(parsed);
  if (!hash_.empty()) config_hash().Remove(&config_hash().Add({{"sha256", hash_}}));
  config_hash().Add({{"sha256", hash}}).Set(1);
  text_ = std::move(text);
  hash_ = std::move(hash);
  last_reload_successful().Set(1);
  last_reload_timestamp().Set(
      static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count()));
  log::info("runtime overrides loaded",
            {{"file", file_.path}, {"tenants", parsed.tenants.size()}, {"sha256", hash_}});
  return Status::ok();
}

void RuntimeConfig::start() {
  if (file_.period <= config::Duration::zero() || thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, file_.period, [this] { return stopping_; })) {
      lock.unlock();
      (void)reload();  // a failure is logged and counted there
      lock.lock();
    }
  });
}

void RuntimeConfig::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string RuntimeConfig::text() const {
  std::lock_guard<std::mutex> lock(mu_);
  return text_;
}

}  // namespace tempo::overrides
