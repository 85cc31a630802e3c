#include <algorithm>
#include <thread>

#include "generator/remote_write/disk_queue.h"
#include "generator/remote_write/sender.h"
#include "generator/remote_write/write_request.h"
#include "tempo/generator/remote_write.h"
#include "tempo/observability/log.h"

namespace tempo::generator {

using remote_write::Batch;
using remote_write::DiskQueue;
using remote_write::QueueCounts;
using remote_write::QueueMetrics;
using remote_write::Sender;
using remote_write::SenderOptions;

// One tenant's queue for one endpoint, and the thread sending it.
struct RemoteWriteSink::Queue {
  const config::RemoteWriteConfig* endpoint;
  std::unique_ptr<DiskQueue> disk;
  std::unique_ptr<QueueMetrics> metrics;
  std::unique_ptr<Sender> sender;
};

namespace {

bool plain(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string tenant_dir_name(std::string_view tenant) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < tenant.size(); ++i) {
    const char c = tenant[i];
    // A leading '.' too, so neither "." nor ".." nor a hidden name comes out.
    if (plain(c) && !(i == 0 && c == '.')) {
      out += c;
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

bool tenant_from_dir_name(std::string_view name, std::string* tenant) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '%') {
      out += name[i];
      continue;
    }
    if (i + 2 >= name.size()) return false;
    int hi = hex_value(name[i + 1]), lo = hex_value(name[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  if (out.empty() || tenant_dir_name(out) != name) return false;
  *tenant = std::move(out);
  return true;
}

RemoteWriteSink::RemoteWriteSink(config::MetricsGeneratorStorageConfig config,
                                 RemoteWriteOptions options)
    : config_(std::move(config)), options_(options) {}

RemoteWriteSink::~RemoteWriteSink() { shutdown(); }

Status RemoteWriteSink::open_tenant(const std::string& tenant,
                                    std::vector<std::unique_ptr<Queue>>* out) {
  std::vector<std::unique_ptr<Queue>> queues;
  for (const auto& ep : config_.remote_write) {
    auto q = std::make_unique<Queue>();
    q->endpoint = &ep;
    remote_write::QueueOptions qo;
    qo.dir = config_.path + "/" + tenant_dir_name(tenant) + "/" + tenant_dir_name(ep.name);
    qo.max_bytes = static_cast<uint64_t>(config_.remote_write_queue_max_bytes);
    qo.segment_bytes = std::min<uint64_t>(options_.segment_bytes, qo.max_bytes / 4 + 1);
    qo.sync = options_.sync;
    qo.env = options_.env;
    Status s = DiskQueue::open(qo, &q->disk);
    if (!s.is_ok()) {
      return Status(s.code(), "remote write queue of tenant " + tenant + " for " + ep.name +
                                  " in " + qo.dir + ": " + s.message());
    }
    q->metrics = std::make_unique<QueueMetrics>(tenant, ep);
    q->metrics->set_pending(q->disk->pending());
    SenderOptions so;
    so.tenant = tenant;
    so.endpoint = ep;
    so.add_org_id_header = config_.remote_write_add_org_id_header;
    so.min_backoff = options_.min_backoff;
    so.max_backoff = options_.max_backoff;
    q->sender = std::make_unique<Sender>(std::move(so), q->disk.get(), q->metrics.get());
    queues.push_back(std::move(q));
  }
  // Only once every queue opened: a half-opened tenant starts nothing.
  for (auto& q : queues) q->sender->start();
  *out = std::move(queues);
  return Status::ok();
}

Status RemoteWriteSink::open(const config::MetricsGeneratorStorageConfig& config,
                             const RemoteWriteOptions& options,
                             std::unique_ptr<RemoteWriteSink>* out) {
  if (config.path.empty()) {
    return Status::invalid_argument("metrics_generator.storage.path must be set for remote write");
  }
  std::unique_ptr<RemoteWriteSink> sink(new RemoteWriteSink(config, options));
  Env& env = *options.env;
  TEMPO_RETURN_IF_ERROR(env.create_dirs(config.path));
  std::vector<DirEntry> listing;
  TEMPO_RETURN_IF_ERROR(env.list_dir(config.path, &listing));
  uint64_t recovered = 0;
  for (const auto& e : listing) {
    std::string tenant;
    if (e.type != DirEntry::Type::kDir || !tenant_from_dir_name(e.name, &tenant)) continue;
    std::vector<std::unique_ptr<Queue>> queues;
    TEMPO_RETURN_IF_ERROR(sink->open_tenant(tenant, &queues));
    for (const auto& q : queues) recovered += q->disk->pending().samples;
    sink->tenants_.emplace(tenant, std::move(queues));
  }
  log::info("remote write started", {{"path", config.path},
                                     {"endpoints", config.remote_write.size()},
                                     {"tenants_recovered", sink->tenants_.size()},
                                     {"samples_recovered", recovered}});
  *out = std::move(sink);
  return Status::ok();
}

Status RemoteWriteSink::append(std::string_view tenant, std::vector<Sample> samples) {
  if (samples.empty()) return Status::ok();
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_) return Status::unavailable("remote write is shut down");
  auto it = tenants_.find(tenant);
  if (it == tenants_.end()) {
    std::vector<std::unique_ptr<Queue>> queues;
    TEMPO_RETURN_IF_ERROR(open_tenant(std::string(tenant), &queues));
    it = tenants_.emplace(std::string(tenant), std::move(queues)).first;
  }
  // Encoded at most twice: with exemplars and without.
  std::vector<Batch> encoded[2];
  bool done[2] = {false, false};
  Status first_error;
  for (auto& q : it->second) {
    const int x = q->endpoint->send_exemplars ? 1 : 0;
    if (!done[x]) {
      encoded[x] = remote_write::encode_batches(samples, x == 1, options_.max_samples_per_send);
      done[x] = true;
    }
    for (size_t i = 0; i < encoded[x].size(); ++i) {
      const Batch& b = encoded[x][i];
      QueueCounts dropped;
      Status s = q->disk->push(b, &dropped);
      q->metrics->add_dropped(dropped);
      if (dropped.samples > 0) {
        log::warn(
            "remote write queue full, dropped oldest samples",
            {{"tenant", tenant}, {"remote_name", q->endpoint->name}, {"samples", dropped.samples}});
      }
      if (!s.is_ok()) {
        // This batch and the rest of the collection are lost for this endpoint.
        QueueCounts lost;
        for (size_t j = i; j < encoded[x].size(); ++j) {
          lost.samples += encoded[x][j].samples;
          lost.exemplars += encoded[x][j].exemplars;
        }
        q->metrics->add_dropped(lost);
        log::error("remote write queue append failed", {{"tenant", tenant},
                                                        {"remote_name", q->endpoint->name},
                                                        {"samples", lost.samples},
                                                        {"err", s.to_string()}});
        if (first_error.is_ok()) first_error = s;
        break;
      }
    }
    q->metrics->set_pending(q->disk->pending());
  }
  return first_error;
}

void RemoteWriteSink::shutdown(std::chrono::steady_clock::time_point not_after) {
  std::map<std::string, std::vector<std::unique_ptr<Queue>>, std::less<>> tenants;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_down_) return;
    shut_down_ = true;
    tenants.swap(tenants_);
  }
  const auto deadline =
      std::min(not_after, std::chrono::steady_clock::now() +
                              std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                  config_.remote_write_flush_deadline));
  Pending before;
  for (const auto& [t, queues] : tenants) {
    for (const auto& q : queues) before.samples += q->disk->pending().samples;
  }
  // Every sender drains at once; stop() returns when its queue is empty or the deadline
  // passed, so the whole shutdown takes at most the deadline.
  std::vector<std::thread> stoppers;
  for (auto& [t, queues] : tenants) {
    for (auto& q : queues) {
      Sender* s = q->sender.get();
      stoppers.emplace_back([s, deadline] { s->stop(deadline); });
    }
  }
  for (auto& th : stoppers) th.join();
  uint64_t left = 0;
  for (const auto& [t, queues] : tenants) {
    for (const auto& q : queues) left += q->disk->pending().samples;
  }
  log::info("remote write stopped",
            {{"samples_flushed", before.samples - std::min(before.samples, left)},
             {"samples_left_on_disk", left}});
}

RemoteWriteSink::Pending RemoteWriteSink::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  Pending p;
  for (const auto& [t, queues] : tenants_) {
    for (const auto& q : queues) {
      auto c = q->disk->pending();
      p.batches += c.batches;
      p.samples += c.samples;
      p.exemplars += c.exemplars;
    }
  }
  return p;
}

Status make_remote_write_sink(const config::Config& config, std::unique_ptr<RemoteWriteSink>* out) {
  out->reset();
  if (config.metrics_generator.storage.remote_write.empty()) return Status::ok();
  return RemoteWriteSink::open(config.metrics_generator.storage, RemoteWriteOptions{}, out);
}

}  // namespace tempo::generator
