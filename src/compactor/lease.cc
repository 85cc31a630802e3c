#include "tempo/compactor/lease.h"

#include <sys/random.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "tempo/block/block_meta.h"
#include "tempo/observability/log.h"
#include "tempo/util/hex.h"

namespace tempo::compactor {
namespace {

class SystemLeaseClock final : public LeaseClock {
 public:
  std::chrono::system_clock::time_point wall() override { return std::chrono::system_clock::now(); }
  std::chrono::steady_clock::time_point steady() override {
    return std::chrono::steady_clock::now();
  }
  void sleep(std::chrono::nanoseconds d) override { std::this_thread::sleep_for(d); }
};

std::string random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  size_t got = 0;
  while (got < bytes) {
    ssize_t n = ::getrandom(raw.data() + got, bytes - got, 0);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  if (got < bytes) {
    std::random_device rd;
    for (auto& c : raw) c = static_cast<char>(rd());
  }
  std::string out;
  hex::append(raw, &out);
  return out;
}

uint64_t unix_nanos(std::chrono::system_clock::time_point t) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  return ns < 0 ? 0 : static_cast<uint64_t>(ns);
}

}  // namespace

std::shared_ptr<LeaseClock> system_lease_clock() { return std::make_shared<SystemLeaseClock>(); }

std::string default_lease_owner() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
    std::snprintf(host, sizeof host, "host");
  return std::string(host) + "-" + std::to_string(::getpid()) + "-" + random_hex(4);
}

std::string stable_lease_owner(const std::string& data_dir) {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
    std::snprintf(host, sizeof host, "host");
  return std::string(host) + ":" + data_dir;
}

std::string lease_key(std::string_view tenant) {
  return std::string(tenant) + "/compactor-lease.json";
}

Lease::Lease(backend::Backend& backend, LeaseOptions options, std::shared_ptr<LeaseClock> clock)
    : backend_(backend), options_(std::move(options)), clock_(std::move(clock)) {
  if (options_.owner.empty()) options_.owner = default_lease_owner();
  if (options_.incarnation.empty()) options_.incarnation = random_hex(8);
}

Status Lease::read_record(const std::string& tenant, bool* found, Record* out) {
  std::string json;
  Status s = backend_.read(lease_key(tenant), &json);
  *found = false;
  if (s.is(Status::Code::kNotFound)) return Status::ok();
  TEMPO_RETURN_IF_ERROR(s);
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  uint64_t expires = 0;
  if (j.is_discarded() || !j.is_object() || !j.value("owner", nlohmann::json()).is_string() ||
      !j.value("token", nlohmann::json()).is_string() ||
      !block::parse_rfc3339(j.value("expires", ""), &expires)) {
    // Unreadable: nobody can prove they hold it, so it counts as expired and is overwritten.
    log::warn("unreadable compactor lease; treating it as expired", {{"tenant", tenant}});
    return Status::ok();
  }
  *found = true;
  out->owner = j["owner"].get<std::string>();
  out->token = j["token"].get<std::string>();
  // Absent in leases written before incarnations existed: never taken for a restart of ours.
  if (j.value("incarnation", nlohmann::json()).is_string()) {
    out->incarnation = j["incarnation"].get<std::string>();
  }
  out->expires = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(expires)));
  return Status::ok();
}

Status Lease::write_record(const std::string& tenant, const std::string& token) {
  nlohmann::json j = {
      {"owner", options_.owner},
      {"incarnation", options_.incarnation},
      {"token", token},
      {"expires", block::format_rfc3339_nano(unix_nanos(clock_->wall() + options_.ttl))},
  };
  return backend_.write(lease_key(tenant), j.dump());
}

void Lease::forget(const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  held_.erase(tenant);
}

bool Lease::held(const std::string& tenant) {
  const auto now = clock_->steady();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = held_.find(tenant);
  return it != held_.end() && now < it->second.until;
}

std::chrono::nanoseconds Lease::remaining(const std::string& tenant) {
  const auto now = clock_->steady();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = held_.find(tenant);
  if (it == held_.end() || now >= it->second.until) return std::chrono::nanoseconds::zero();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(it->second.until - now);
}

Status Lease::try_acquire(const std::string& tenant, bool* held) {
  *held = false;
  if (this->held(tenant)) return renew(tenant, held);
  forget(tenant);
  std::lock_guard<std::mutex> op(op_mu_);
  const auto started = clock_->steady();
  bool found = false;
  Record current;
  TEMPO_RETURN_IF_ERROR(read_record(tenant, &found, &current));
  // Another owner's lease, or one of our own earlier attempts that gave up: wait for expiry.
  // One left by an earlier run of this process (same owner, another incarnation) is taken
  // back now: that run is gone, and no other process uses this owner.
  const bool earlier_run = found && current.owner == options_.owner &&
                           !current.incarnation.empty() &&
                           current.incarnation != options_.incarnation;
  if (found && !earlier_run && clock_->wall() < current.expires) return Status::ok();
  const std::string token = random_hex(8);
  TEMPO_RETURN_IF_ERROR(write_record(tenant, token));
  if (clock_->steady() - started > options_.settle / 2) {
    // A rival that read the lease free before our write landed may have read back its own
    // write before ours replaced it; it would then hold the lease while the object names us.
    // Our token is dropped, so the object names nobody and the lease lapses at its expiry.
    log::warn("compactor lease write was too slow to be safe; giving up this attempt",
              {{"tenant", tenant}});
    return Status::ok();
  }
  clock_->sleep(options_.settle);
  TEMPO_RETURN_IF_ERROR(read_record(tenant, &found, &current));
  if (!found || current.owner != options_.owner || current.token != token) return Status::ok();
  const auto until = started + options_.ttl - options_.max_clock_skew;
  if (clock_->steady() >= until) return Status::ok();
  {
    std::lock_guard<std::mutex> lock(mu_);
    held_[tenant] = Held{token, until};
  }
  log::info("compactor lease acquired", {{"tenant", tenant}, {"owner", options_.owner}});
  *held = true;
  return Status::ok();
}

Status Lease::renew(const std::string& tenant, bool* held) {
  *held = false;
  std::lock_guard<std::mutex> op(op_mu_);
  const auto started = clock_->steady();
  Held mine;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = held_.find(tenant);
    if (it == held_.end()) return Status::ok();
    mine = it->second;
  }
  auto lost = [&](const char* why) {
    forget(tenant);
    log::warn("compactor lease lost", {{"tenant", tenant}, {"why", why}});
    return Status::ok();
  };
  if (started >= mine.until) return lost("expired before renewal");
  bool found = false;
  Record current;
  Status s = read_record(tenant, &found, &current);
  if (!s.is_ok()) {
    forget(tenant);
    return s;
  }
  if (!found || current.owner != options_.owner || current.token != mine.token) {
    return lost("taken over or removed");
  }
  s = write_record(tenant, mine.token);
  if (!s.is_ok()) {
    forget(tenant);
    return s;
  }
  // Landed before our old deadline, so before anyone could have seen the lease expire.
  if (clock_->steady() >= mine.until) return lost("renewal finished after the deadline");
  {
    std::lock_guard<std::mutex> lock(mu_);
    held_[tenant] = Held{mine.token, started + options_.ttl - options_.max_clock_skew};
  }
  *held = true;
  return Status::ok();
}

Status Lease::release(const std::string& tenant) {
  std::lock_guard<std::mutex> op(op_mu_);
  Held mine;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = held_.find(tenant);
    if (it == held_.end()) return Status::ok();
    mine = it->second;
    held_.erase(it);
  }
  bool found = false;
  Record current;
  TEMPO_RETURN_IF_ERROR(read_record(tenant, &found, &current));
  if (!found || current.owner != options_.owner || current.token != mine.token) {
    return Status::ok();
  }
  TEMPO_RETURN_IF_ERROR(backend_.remove(lease_key(tenant)));
  log::info("compactor lease released", {{"tenant", tenant}, {"owner", options_.owner}});
  return Status::ok();
}

Status Lease::release_all() {
  std::vector<std::string> tenants;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [tenant, h] : held_) tenants.push_back(tenant);
  }
  Status first;
  for (const auto& tenant : tenants) {
    Status s = release(tenant);
    if (!s.is_ok() && first.is_ok()) first = s;
  }
  return first;
}

}  // namespace tempo::compactor
