#include "generator/remote_write/sender.h"

#include <openssl/evp.h>
#include <strings.h>

#include <algorithm>
#include <ctime>

#include "tempo/distributor/distributor.h"
#include "tempo/observability/log.h"
#include "tempo/observability/metrics.h"

namespace tempo::generator::remote_write {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool has_header(const server::HeaderList& h, std::string_view name) {
  for (const auto& [k, v] : h) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return true;
  }
  return false;
}

// Prometheus's sent_batch_duration_seconds buckets (client_golang's DefBuckets).
const prometheus::Histogram::BucketBoundaries& batch_buckets() {
  static const prometheus::Histogram::BucketBoundaries b{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                         0.5,   1,    2.5,   5,    10};
  return b;
}

std::string trimmed(std::string s) {
  if (s.size() > 256) s.resize(256);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

Verdict classify(const Status& transport, int http_status) {
  if (!transport.is_ok()) return Verdict::kRetry;  // refused, reset, timed out, TLS
  if (http_status >= 200 && http_status < 300) return Verdict::kDelivered;
  if (http_status == 429 || http_status >= 500) return Verdict::kRetry;
  return Verdict::kDrop;  // the endpoint will never take this batch (400 bad data, 401, 404)
}

milliseconds next_backoff(milliseconds current, milliseconds min, milliseconds max) {
  if (current <= milliseconds::zero()) return std::min(min, max);
  return std::min(current * 2, max);
}

milliseconds retry_after(std::string_view header, std::chrono::system_clock::time_point now) {
  while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) header.remove_prefix(1);
  while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) header.remove_suffix(1);
  if (header.empty()) return milliseconds::zero();
  milliseconds wait{0};
  if (std::all_of(header.begin(), header.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // delay-seconds; more digits than any sane wait saturates instead of overflowing.
    if (header.size() > 9) return kMaxRetryAfter;
    wait = std::chrono::seconds(std::stol(std::string(header)));
  } else {
    // IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT", the form RFC 9110 requires senders
    // to use; the obsolete forms are not read (Prometheus reads only this one too).
    std::tm tm{};
    const std::string text(header);
    const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == nullptr || *end != '\0') return milliseconds::zero();
    const auto at = std::chrono::system_clock::from_time_t(timegm(&tm));
    if (at <= now) return milliseconds::zero();
    wait = std::chrono::duration_cast<milliseconds>(at - now);
  }
  return std::min(wait, kMaxRetryAfter);
}

QueueMetrics::QueueMetrics(const std::string& tenant, const config::RemoteWriteConfig& ep) {
  const prometheus::Labels l{{"tenant", tenant}, {"remote_name", ep.name}, {"url", ep.url}};
  auto counter = [&](const char* name, const char* help) {
    return &metrics::counter_family(std::string("prometheus_remote_storage_") + name, help).Add(l);
  };
  auto gauge = [&](const char* name, const char* help) {
    return &metrics::gauge_family(std::string("prometheus_remote_storage_") + name, help).Add(l);
  };
  samples = counter("samples_total", "Total number of samples sent to remote storage.");
  samples_failed = counter("samples_failed_total",
                           "Total number of samples which failed on send to remote storage, "
                           "non-recoverable errors.");
  samples_retried = counter("samples_retried_total",
                            "Total number of samples which failed on send to remote storage but "
                            "were retried because the send error was recoverable.");
  samples_dropped = counter("samples_dropped_total",
                            "Total number of samples which were dropped from the on-disk queue "
                            "before being sent, because the queue was full.");
  exemplars = counter("exemplars_total", "Total number of exemplars sent to remote storage.");
  exemplars_failed = counter("exemplars_failed_total",
                             "Total number of exemplars which failed on send to remote storage, "
                             "non-recoverable errors.");
  exemplars_retried = counter("exemplars_retried_total",
                              "Total number of exemplars which failed on send to remote storage "
                              "but were retried because the send error was recoverable.");
  exemplars_dropped = counter("exemplars_dropped_total",
                              "Total number of exemplars which were dropped from the on-disk "
                              "queue before being sent, because the queue was full.");
  bytes = counter("bytes_total",
                  "The total number of bytes of data sent by the queue after compression.");
  samples_pending = gauge("samples_pending",
                          "The number of samples pending in the queue to be sent to the remote "
                          "storage.");
  exemplars_pending = gauge("exemplars_pending",
                            "The number of exemplars pending in the queue to be sent to the "
                            "remote storage.");
  sent_batch_duration =
      &metrics::histogram_family("prometheus_remote_storage_sent_batch_duration_seconds",
                                 "Duration of send calls to the remote storage.")
           .Add(l, batch_buckets());
}

void QueueMetrics::set_pending(const QueueCounts& c) {
  samples_pending->Set(static_cast<double>(c.samples));
  exemplars_pending->Set(static_cast<double>(c.exemplars));
}

void QueueMetrics::add_dropped(const QueueCounts& c) {
  if (c.samples) samples_dropped->Increment(static_cast<double>(c.samples));
  if (c.exemplars) exemplars_dropped->Increment(static_cast<double>(c.exemplars));
}

server::HeaderList request_headers(const SenderOptions& o) {
  server::HeaderList h = {
      {"Content-Encoding", "snappy"},
      {"Content-Type", "application/x-protobuf"},
      {"X-Prometheus-Remote-Write-Version", "0.1.0"},
      {"User-Agent", "tempo-cpp/" + std::string(metrics::version())},
  };
  for (const auto& kv : o.endpoint.headers) h.push_back(kv);
  // As Tempo: the tenant goes along unless the endpoint's headers name one already, and never
  // for the single tenant of a server without multitenancy.
  if (o.add_org_id_header && o.tenant != distributor::kSingleTenant &&
      !has_header(o.endpoint.headers, "X-Scope-OrgID")) {
    h.emplace_back("X-Scope-OrgID", o.tenant);
  }
  if (o.endpoint.basic_auth) {
    h.emplace_back("Authorization", "Basic " + base64(o.endpoint.basic_auth_username + ":" +
                                                      o.endpoint.basic_auth_password));
  }
  return h;
}

Sender::Sender(SenderOptions options, DiskQueue* queue, QueueMetrics* metrics)
    : options_(std::move(options)), queue_(queue), metrics_(metrics) {
  headers_ = request_headers(options_);
}

Sender::~Sender() { stop(Clock::now()); }

void Sender::start() {
  thread_ = std::thread([this] { run(); });
}

void Sender::stop(Clock::time_point deadline) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!draining_ || deadline < deadline_) deadline_ = deadline;
    draining_ = true;
    cv_.notify_all();
  }
  queue_->interrupt();
  if (thread_.joinable()) thread_.join();
}

bool Sender::stopping() const {
  // Only read under mu_ by the callers below.
  return draining_ && Clock::now() >= deadline_;
}

bool Sender::sleep_for(milliseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  auto until = Clock::now() + d;
  if (draining_) until = std::min(until, deadline_);
  cv_.wait_until(lock, until, [&] { return stopping(); });
  return !stopping();
}

void Sender::run() {
  const auto& ep = options_.endpoint;
  for (;;) {
    bool draining;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping()) break;
      draining = draining_;
    }
    Batch batch;
    Status s = queue_->front(&batch);
    if (s.is(Status::Code::kNotFound)) {
      if (draining) break;  // everything is sent
      queue_->wait(std::chrono::seconds(1));
      continue;
    }
    if (s.is(Status::Code::kCorruption)) {
      log::error("remote write batch unreadable, dropped",
                 {{"tenant", options_.tenant}, {"remote_name", ep.name}, {"err", s.to_string()}});
      ignore_error(queue_->pop(), "the next pop or start saves the cursor again");
      continue;
    }
    if (!s.is_ok()) {
      log::error("remote write queue read failed",
                 {{"tenant", options_.tenant}, {"remote_name", ep.name}, {"err", s.to_string()}});
      if (!sleep_for(options_.max_backoff)) break;
      continue;
    }
    if (!deliver(batch)) break;
    Status p = queue_->pop();
    if (!p.is_ok()) {
      // The batch may be sent again after a restart; the receiver takes it as duplicates.
      log::warn("remote write cursor not saved",
                {{"tenant", options_.tenant}, {"remote_name", ep.name}, {"err", p.to_string()}});
    }
    metrics_->set_pending(queue_->pending());
  }
  metrics_->set_pending(queue_->pending());
}

bool Sender::deliver(const Batch& batch) {
  const auto& ep = options_.endpoint;
  milliseconds backoff{0};
  int failures = 0;
  for (;;) {
    auto timeout = std::chrono::duration_cast<milliseconds>(ep.remote_timeout);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping()) return false;
      if (draining_) {
        auto left = std::chrono::duration_cast<milliseconds>(deadline_ - Clock::now());
        timeout = std::max(milliseconds(1), std::min(timeout, left));
      }
    }
    if (!client_ || client_timeout_ != timeout) {
      server::ClientTls tls;
      tls.enabled = ep.https;
      tls.ca_file = ep.tls_ca_file;
      tls.cert_file = ep.tls_cert_file;
      tls.key_file = ep.tls_key_file;
      tls.server_name = ep.tls_server_name;
      tls.insecure_skip_verify = ep.tls_insecure_skip_verify;
      client_ = std::make_unique<server::HttpClient>(ep.host, static_cast<uint16_t>(ep.port),
                                                     timeout, tls);
      client_timeout_ = timeout;
    }
    server::ClientResponse res;
    auto t0 = Clock::now();
    Status s = client_->request("POST", ep.target, batch.body, headers_, &res);
    metrics_->sent_batch_duration->Observe(
        std::chrono::duration<double>(Clock::now() - t0).count());
    switch (classify(s, res.status)) {
      case Verdict::kDelivered:
        metrics_->samples->Increment(batch.samples);
        metrics_->exemplars->Increment(batch.exemplars);
        metrics_->bytes->Increment(static_cast<double>(batch.body.size()));
        if (failures > 0) {
          log::info("remote write recovered", {{"tenant", options_.tenant},
                                               {"remote_name", ep.name},
                                               {"failed_attempts", failures}});
        }
        return true;
      case Verdict::kDrop:
        metrics_->samples_failed->Increment(batch.samples);
        metrics_->exemplars_failed->Increment(batch.exemplars);
        log::error("remote write batch refused, dropped", {{"tenant", options_.tenant},
                                                           {"remote_name", ep.name},
                                                           {"url", ep.url},
                                                           {"status", res.status},
                                                           {"samples", batch.samples},
                                                           {"body", trimmed(res.body)}});
        return true;
      case Verdict::kRetry:
        break;
    }
    metrics_->samples_retried->Increment(batch.samples);
    metrics_->exemplars_retried->Increment(batch.exemplars);
    // As Prometheus: a Retry-After the endpoint sends replaces this wait, and the backoff
    // carries on from twice it.
    const milliseconds asked =
        s.is_ok() ? retry_after(res.header("Retry-After"), std::chrono::system_clock::now())
                  : milliseconds::zero();
    milliseconds wait;
    if (asked > milliseconds::zero()) {
      wait = asked;
      backoff = std::min(asked * 2, options_.max_backoff);
    } else {
      backoff = next_backoff(backoff, options_.min_backoff, options_.max_backoff);
      wait = backoff;
    }
    if (failures++ == 0 || failures % 20 == 0) {
      log::warn("remote write failed, retrying",
                {{"tenant", options_.tenant},
                 {"remote_name", ep.name},
                 {"url", ep.url},
                 {"attempt", failures},
                 {"retry_in_ms", static_cast<int64_t>(wait.count())},
                 {"err", s.is_ok() ? "HTTP " + std::to_string(res.status) + ": " + trimmed(res.body)
                                   : s.to_string()}});
    }
    if (!sleep_for(wait)) return false;
  }
}

}  // namespace tempo::generator::remote_write
