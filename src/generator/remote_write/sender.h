#pragma once
// Sends one queue's batches to one remote write endpoint, oldest first, on its own thread.
// A batch leaves the queue only once the endpoint has taken it (2xx) or can never take it
// (a 4xx other than 429); 5xx, 429 and connection errors are retried with exponential
// backoff (or after the response's Retry-After, when it gives one), so an endpoint that is down (a Prometheus restart) loses nothing.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "generator/remote_write/disk_queue.h"
#include "tempo/config/config.h"
#include "tempo/server/http_client.h"
#include "tempo/util/status.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
}  // namespace prometheus

namespace tempo::generator::remote_write {

enum class Verdict { kDelivered, kRetry, kDrop };

// What to do after one attempt: `transport` is the client's status, `http_status` the
// response's (when transport is ok). As Prometheus's remote write client.
Verdict classify(const Status& transport, int http_status);

// The next wait after `current` (0 = first failure): min, 2*min, 4*min, ... up to max.
std::chrono::milliseconds next_backoff(std::chrono::milliseconds current,
                                       std::chrono::milliseconds min,
                                       std::chrono::milliseconds max);

// The wait a 429 or 5xx response asks for in its Retry-After header, read as Prometheus reads
// it: delay-seconds or an HTTP-date (RFC 9110). Zero when absent, unreadable or in the past,
// and never more than kMaxRetryAfter, so one bad header cannot park the queue for a day.
inline constexpr std::chrono::milliseconds kMaxRetryAfter = std::chrono::minutes(5);
std::chrono::milliseconds retry_after(std::string_view header,
                                      std::chrono::system_clock::time_point now);

// Prometheus's remote storage metrics of one queue (labels tenant, remote_name, url).
struct QueueMetrics {
  QueueMetrics(const std::string& tenant, const config::RemoteWriteConfig& endpoint);
  prometheus::Counter *samples, *samples_failed, *samples_retried, *samples_dropped;
  prometheus::Counter *exemplars, *exemplars_failed, *exemplars_retried, *exemplars_dropped;
  prometheus::Counter* bytes;
  prometheus::Gauge *samples_pending, *exemplars_pending;
  prometheus::Histogram* sent_batch_duration;
  void set_pending(const QueueCounts& c);
  void add_dropped(const QueueCounts& c);
};

struct SenderOptions {
  std::string tenant;
  config::RemoteWriteConfig endpoint;
  bool add_org_id_header = true;
  std::chrono::milliseconds min_backoff{30};  // Prometheus's queue_config defaults
  std::chrono::milliseconds max_backoff{5000};
};

// The headers of every request to the endpoint for the tenant: the protocol's, the
// configured ones, basic auth and X-Scope-OrgID.
server::HeaderList request_headers(const SenderOptions& options);

class Sender {
 public:
  // `queue` and `metrics` must outlive the Sender.
  Sender(SenderOptions options, DiskQueue* queue, QueueMetrics* metrics);
  ~Sender();  // stop() with no time to drain, if not stopped yet
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  void start();
  // Keeps sending until the queue is empty or `deadline` passes (no request starts after it,
  // and one started meanwhile times out by it; one already on the wire keeps its
  // remote_timeout), then ends the thread. What was not sent stays queued on disk.
  void stop(std::chrono::steady_clock::time_point deadline);

 private:
  void run();
  // Sends `batch` until delivered or dropped; false when stopped first.
  bool deliver(const Batch& batch);
  bool stopping() const;
  // Sleeps `d`, or less when stop() shortens it; false when the thread must end.
  bool sleep_for(std::chrono::milliseconds d);

  SenderOptions options_;
  DiskQueue* queue_;
  QueueMetrics* metrics_;
  server::HeaderList headers_;
  std::unique_ptr<server::HttpClient> client_;
  std::chrono::milliseconds client_timeout_{0};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool draining_ = false;  // guarded by mu_
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace tempo::generator::remote_write
