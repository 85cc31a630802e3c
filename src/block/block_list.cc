#include "tempo/block/block_list.h"

#include "block/block_format.h"
#include "tempo/observability/log.h"
#include "tempo/observability/metrics.h"
#include "tempo/util/thread_name.h"

namespace tempo::block {
namespace {

using SteadyClock = std::chrono::steady_clock;

prometheus::Family<prometheus::Gauge>& blocklist_length() {
  static auto& f =
      metrics::gauge_family("tempodb_blocklist_length", "Total number of blocks per tenant.");
  return f;
}
prometheus::Family<prometheus::Counter>& poll_errors_total() {
  static auto& f = metrics::counter_family(
      "tempodb_blocklist_poll_errors_total",
      "Total number of times an error occurred while polling the blocklist.");
  return f;
}
prometheus::Family<prometheus::Histogram>& poll_duration_seconds() {
  static auto& f = metrics::histogram_family("tempodb_blocklist_poll_duration_seconds",
                                             "Time a poll of the blocklist took.");
  return f;
}

// Block directories are named by UUID (new_block_id); anything else under a tenant (a lease
// object, Tempo's index.json.gz) is not a block.
bool is_block_id(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

}  // namespace

// What one tenant's listing said, and the metas read for blocks not known before.
struct BlockList::TenantPoll {
  std::set<std::string> listed_live;        // meta.json and no meta.compacted.json
  std::set<std::string> listed_compacted;   // meta.compacted.json
  std::set<std::string> listed_unfinished;  // neither
  std::map<std::string, BlockMeta> new_live;
  std::map<std::string, CompactedBlockMeta> new_compacted;
  std::set<std::string> unreadable;
};

Status BlockList::poll_tenant(const std::string& tenant, const Tenant& known, TenantPoll* out) {
  const std::string prefix = tenant + "/";
  std::vector<std::string> keys;
  TEMPO_RETURN_IF_ERROR(backend_.list_objects(prefix, &keys));
  struct Seen {
    bool meta = false, compacted = false;
  };
  std::map<std::string, Seen> blocks;
  for (const auto& key : keys) {
    const size_t slash = key.find('/');
    if (slash == std::string::npos) continue;  // an object directly under the tenant
    const std::string_view id = std::string_view(key).substr(0, slash);
    if (!is_block_id(id)) continue;
    const std::string_view object = std::string_view(key).substr(slash + 1);
    Seen& seen = blocks[std::string(id)];
    if (object == format::kMetaObject) seen.meta = true;
    if (object == format::kCompactedMetaObject) seen.compacted = true;
  }
  std::string json;
  for (const auto& [id, seen] : blocks) {
    if (seen.compacted) {
      out->listed_compacted.insert(id);
      if (known.compacted.count(id) || known.unreadable.count(id)) continue;
      Status s =
          backend_.read(prefix + id + "/" + std::string(format::kCompactedMetaObject), &json);
      if (s.is(Status::Code::kNotFound)) continue;  // deleted since the listing
      TEMPO_RETURN_IF_ERROR(s);
      CompactedBlockMeta c;
      s = parse_listed_compacted_meta(json, tenant, id, &c);
      if (!s.is_ok()) {
        // Still compacted: the marker's existence is what counts; the block is not queried.
        log::warn("unreadable meta.compacted.json",
                  {{"tenant", tenant}, {"block", id}, {"err", s.to_string()}});
        out->unreadable.insert(id);
        continue;
      }
      out->new_compacted.emplace(id, std::move(c));
    } else if (seen.meta) {
      out->listed_live.insert(id);
      if (known.live.count(id) || known.compacted.count(id) || known.removed.count(id) ||
          known.unreadable.count(id)) {
        continue;  // known: its meta.json is immutable, never read twice
      }
      Status s = backend_.read(prefix + id + "/" + std::string(format::kMetaObject), &json);
      if (s.is(Status::Code::kNotFound)) {  // deleted or compacted since the listing
        out->listed_live.erase(id);
        continue;
      }
      TEMPO_RETURN_IF_ERROR(s);
      BlockMeta meta;
      s = parse_listed_meta(json, tenant, id, &meta);
      if (!s.is_ok()) {
        // Another format, a newer formatVersion, damage: skipped so one bad block does not
        // hide the others, and warned about once rather than every poll.
        log::warn("skipping unreadable block",
                  {{"tenant", tenant}, {"block", id}, {"err", s.to_string()}});
        out->unreadable.insert(id);
        continue;
      }
      out->new_live.emplace(id, std::move(meta));
    } else {
      out->listed_unfinished.insert(id);
    }
  }
  return Status::ok();
}

void BlockList::apply(const std::string& tenant, TenantPoll& polled, uint64_t started_seq,
                      SteadyClock::time_point now) {
  Tenant& t = tenants_[tenant];
  auto local_after_start = [&](const std::string& id) {
    auto it = t.touched.find(id);
    return it != t.touched.end() && it->second > started_seq;
  };
  auto drop_reader = [&](const std::string& id) { readers_.erase(id); };

  // Compacted: one way. A listed marker takes the block out of the live list for good.
  for (const auto& id : polled.listed_compacted) {
    if (auto it = polled.new_compacted.find(id); it != polled.new_compacted.end()) {
      t.compacted[id] = std::move(it->second);
    } else if (!t.compacted.count(id)) {
      auto live = t.live.find(id);
      if (live != t.live.end()) {  // the marker is unreadable: keep what meta.json said
        t.compacted[id] = CompactedBlockMeta{live->second, 0};
      }
    }
    t.live.erase(id);
    drop_reader(id);
  }
  for (auto it = t.compacted.begin(); it != t.compacted.end();) {
    const bool keep = polled.listed_compacted.count(it->first) || local_after_start(it->first);
    it = keep ? std::next(it) : t.compacted.erase(it);
  }

  // Live.
  for (const auto& id : polled.listed_live) {
    if (t.compacted.count(id) || t.removed.count(id)) continue;
    if (auto it = polled.new_live.find(id); it != polled.new_live.end()) {
      t.live.emplace(id, std::move(it->second));
    }
  }
  for (auto it = t.live.begin(); it != t.live.end();) {
    const bool keep = polled.listed_live.count(it->first) || local_after_start(it->first);
    if (!keep) drop_reader(it->first);
    it = keep ? std::next(it) : t.live.erase(it);
  }

  // A removal is forgotten once a listing taken after it no longer shows the block.
  for (auto it = t.removed.begin(); it != t.removed.end();) {
    const std::string& id = it->first;
    const bool gone = !polled.listed_live.count(id) && !polled.listed_compacted.count(id);
    it = gone && it->second <= started_seq ? t.removed.erase(it) : std::next(it);
  }

  std::map<std::string, SteadyClock::time_point> unfinished;
  for (const auto& id : polled.listed_unfinished) {
    if (t.live.count(id) || t.compacted.count(id)) continue;  // added here during the poll
    auto it = t.unfinished.find(id);
    unfinished[id] = it == t.unfinished.end() ? now : it->second;
  }
  t.unfinished = std::move(unfinished);

  std::set<std::string> unreadable = std::move(polled.unreadable);
  for (const auto& id : t.unreadable) {
    if (polled.listed_live.count(id) || polled.listed_compacted.count(id)) unreadable.insert(id);
  }
  t.unreadable = std::move(unreadable);

  for (auto it = t.touched.begin(); it != t.touched.end();) {
    it = it->second <= started_seq ? t.touched.erase(it) : std::next(it);
  }
  update_length_metric(tenant);
  if (t.live.empty() && t.compacted.empty() && t.touched.empty() && t.removed.empty() &&
      t.unfinished.empty() && t.unreadable.empty()) {
    tenants_.erase(tenant);
  }
}

Status BlockList::poll() {
  std::lock_guard<std::mutex> one_poll(poll_mu_);
  const auto started = SteadyClock::now();
  uint64_t started_seq = 0;
  std::map<std::string, Tenant> known;
  {
    std::lock_guard<std::mutex> lock(mu_);
    started_seq = seq_;
    known = tenants_;
  }
  Status first_error;
  auto failed = [&](const std::string& tenant, const Status& s) {
    poll_errors_total().Add({{"tenant", tenant}}).Increment();
    log::warn("blocklist poll failed; keeping the previous list",
              {{"tenant", tenant}, {"err", s.to_string()}});
    if (first_error.is_ok()) first_error = s;
  };

  std::vector<std::string> listed;
  Status s = list_tenants(backend_, &listed);
  if (!s.is_ok()) {
    failed("", s);
  } else {
    // Tenants gone from the listing are polled too: their listing is empty now.
    std::set<std::string> all(listed.begin(), listed.end());
    for (const auto& [tenant, t] : known) all.insert(tenant);
    for (const auto& tenant : all) {
      if (tenant.empty() || tenant.front() == '.') continue;
      TenantPoll polled;
      static const Tenant kNone;
      auto k = known.find(tenant);
      s = poll_tenant(tenant, k == known.end() ? kNone : k->second, &polled);
      if (!s.is_ok()) {
        failed(tenant, s);
        continue;
      }
      std::lock_guard<std::mutex> lock(mu_);
      apply(tenant, polled, started_seq, started);
    }
  }
  poll_duration_seconds()
      .Add({}, metrics::request_duration_buckets())
      .Observe(std::chrono::duration<double>(SteadyClock::now() - started).count());
  return first_error;
}

void BlockList::start_polling(std::chrono::nanoseconds period) {
  if (period <= std::chrono::nanoseconds::zero() || poller_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(poller_mu_);
    stopping_ = false;
  }
  poller_ = std::thread([this, period] {
    set_thread_name("blocklist-poll");
    std::unique_lock<std::mutex> lock(poller_mu_);
    while (!poller_cv_.wait_for(lock, period, [this] { return stopping_; })) {
      lock.unlock();
      poll().is_ok();  // failures are logged and counted; the list stays as it was
      lock.lock();
    }
  });
}

void BlockList::stop_polling() {
  {
    std::lock_guard<std::mutex> lock(poller_mu_);
    stopping_ = true;
  }
  poller_cv_.notify_all();
  if (poller_.joinable()) poller_.join();
}

void BlockList::add(const BlockMeta& meta) {
  std::lock_guard<std::mutex> lock(mu_);
  Tenant& t = tenants_[meta.tenant_id];
  t.live[meta.block_id] = meta;
  t.touched[meta.block_id] = ++seq_;
  t.unfinished.erase(meta.block_id);
  update_length_metric(meta.tenant_id);
}

void BlockList::remove(const std::string& tenant, const std::string& block_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Tenant& t = tenants_[tenant];
  t.live.erase(block_id);
  t.compacted.erase(block_id);
  t.touched.erase(block_id);
  t.removed[block_id] = ++seq_;
  readers_.erase(block_id);
  update_length_metric(tenant);
}

void BlockList::mark_compacted(const CompactedBlockMeta& compacted) {
  const std::string& tenant = compacted.meta.tenant_id;
  const std::string& id = compacted.meta.block_id;
  std::lock_guard<std::mutex> lock(mu_);
  Tenant& t = tenants_[tenant];
  t.live.erase(id);
  t.compacted[id] = compacted;
  t.touched[id] = ++seq_;
  readers_.erase(id);
  update_length_metric(tenant);
}

std::vector<BlockMeta> BlockList::metas(std::string_view tenant) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<BlockMeta> out;
  auto it = tenants_.find(std::string(tenant));
  if (it == tenants_.end()) return out;
  out.reserve(it->second.live.size());
  for (const auto& [id, m] : it->second.live) out.push_back(m);
  return out;
}

std::vector<CompactedBlockMeta> BlockList::compacted_metas(std::string_view tenant) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<CompactedBlockMeta> out;
  auto it = tenants_.find(std::string(tenant));
  if (it == tenants_.end()) return out;
  for (const auto& [id, m] : it->second.compacted) out.push_back(m);
  return out;
}

std::vector<BlockList::Unfinished> BlockList::unfinished(std::string_view tenant) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Unfinished> out;
  auto it = tenants_.find(std::string(tenant));
  if (it == tenants_.end()) return out;
  for (const auto& [id, first_seen] : it->second.unfinished) out.push_back({id, first_seen});
  return out;
}

std::vector<std::string> BlockList::tenants() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [t, blocks] : tenants_) out.push_back(t);
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
  auto it = tenants_.find(tenant);
  double n = it == tenants_.end() ? 0 : static_cast<double>(it->second.live.size());
  blocklist_length().Add({{"tenant", tenant}}).Set(n);
}

}  // namespace tempo::block
