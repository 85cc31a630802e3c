#pragma once
// Prometheus remote write delivery of the metrics generator's series: a SeriesSink that
// queues each tenant's batches on disk under metrics_generator.storage.path, one queue per
// tenant and remote_write endpoint, and sends them in order from a thread per queue, retrying
// with backoff until the endpoint takes them. append() never waits on the network. Queues an
// earlier run left behind are sent after a restart. See docs/remote_write.md.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/config/config.h"
#include "tempo/generator/series_sink.h"
#include "tempo/util/env.h"

namespace tempo::generator {

// Knobs beyond the config, for tests and benchmarks; the defaults are Prometheus's.
struct RemoteWriteOptions {
  std::chrono::milliseconds min_backoff{30};
  std::chrono::milliseconds max_backoff{5000};
  size_t max_samples_per_send = 2000;
  uint64_t segment_bytes = 16u << 20;
  bool sync = true;
  Env* env = Env::posix();  // must outlive the sink
};

class RemoteWriteSink final : public SeriesSink {
 public:
  // Opens (and starts sending) every queue an earlier run left under storage.path for the
  // configured endpoints. An I/O error is returned with the path named.
  static Status open(const config::MetricsGeneratorStorageConfig& config,
                     const RemoteWriteOptions& options, std::unique_ptr<RemoteWriteSink>* out);
  // shutdown(), if not called yet.
  ~RemoteWriteSink() override;

  // Encodes `samples` once per endpoint and queues them on disk; returns once they are
  // durable. The first error of any endpoint is returned (the others still get the batch).
  Status append(std::string_view tenant, std::vector<Sample> samples) override;

  // Sends what is queued for up to remote_write_flush_deadline (all queues in parallel), then
  // stops; what is left stays on disk for the next start. append() fails afterwards.
  void shutdown() { shutdown(std::chrono::steady_clock::time_point::max()); }
  // The same, stopping by `not_after` if that comes first (the app's graceful shutdown
  // deadline, so a long flush deadline never outlives server.graceful_shutdown_timeout).
  void shutdown(std::chrono::steady_clock::time_point not_after);

  // Batches, samples and exemplars queued and not yet sent, over all queues.
  struct Pending {
    uint64_t batches = 0, samples = 0, exemplars = 0;
  };
  Pending pending() const;

 private:
  struct Queue;
  RemoteWriteSink(config::MetricsGeneratorStorageConfig config, RemoteWriteOptions options);
  Status open_tenant(const std::string& tenant, std::vector<std::unique_ptr<Queue>>* out);

  config::MetricsGeneratorStorageConfig config_;
  RemoteWriteOptions options_;
  mutable std::mutex mu_;
  bool shut_down_ = false;
  std::map<std::string, std::vector<std::unique_ptr<Queue>>, std::less<>> tenants_;
};

// The app's factory: a sink for config.metrics_generator.storage, or *out = nullptr when no
// remote_write endpoint is configured (the generator then only serves /metrics, if asked).
Status make_remote_write_sink(const config::Config& config, std::unique_ptr<RemoteWriteSink>* out);

// The directory name of a tenant's queues: the tenant ID with every byte outside
// [A-Za-z0-9_.-] (and a leading '.') written as %XX, so any ID is one safe path component.
std::string tenant_dir_name(std::string_view tenant);
// The inverse; false when `name` is not one tenant_dir_name() makes.
bool tenant_from_dir_name(std::string_view name, std::string* tenant);

}  // namespace tempo::generator
