#pragma once
// A lease that lets one process at a time compact (and sweep) a tenant's blocks, kept as an
// object in the backend: <tenant>/compactor-lease.json = {"owner", "token", "expires"}.
// docs/shared_storage.md says why a lease rather than Tempo's ring, and what the worst case is.
//
// S3 has no compare-and-swap, so taking a lease is write-then-read-back: a process that finds
// no lease, or an expired one, writes its own with a fresh random token, waits `settle`, and
// holds the lease only if the object then still carries its token. A writer that needed more
// than settle/2 between reading the free lease and finishing its write gives up that attempt,
// since a rival's read-back might have come before its write landed. Holding ends at the local
// steady-clock deadline `ttl - max_clock_skew` after the read that took or renewed it, which
// is before any other process can see the lease expire on its own clock.
//
// Callers check held() right before each step that must not run twice (marking blocks
// compacted, deleting), and renew() well within the ttl. Thread-safe.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "tempo/backend/backend.h"
#include "tempo/util/status.h"

namespace tempo::compactor {

// The time sources a lease uses, injectable for tests: wall time (written as expiry, compared
// across processes) and a monotonic time (local deadlines), and a way to wait.
class LeaseClock {
 public:
  virtual ~LeaseClock() = default;
  virtual std::chrono::system_clock::time_point wall() = 0;
  virtual std::chrono::steady_clock::time_point steady() = 0;
  virtual void sleep(std::chrono::nanoseconds d) = 0;
};
// The real clocks and a real sleep.
std::shared_ptr<LeaseClock> system_lease_clock();

struct LeaseOptions {
  // Who holds the lease, the same across restarts of one process (the app uses the host name
  // and its WAL directory, which no two live processes share); empty: default_lease_owner().
  // A lease that names this owner but another incarnation was left by an earlier run of this
  // process, which is gone, so it is taken back at once instead of after its expiry: a
  // restart after a crash does not stall compaction for a whole ttl.
  std::string owner;
  // This run of the process; empty: random.
  std::string incarnation;
  std::chrono::nanoseconds ttl{std::chrono::minutes(2)};
  // The wait between writing a lease and reading it back; must exceed the time a write can
  // take to become visible after the PUT returns (0 on S3 and local disk, which are strongly
  // consistent) plus the spread of request latencies that is tolerated.
  std::chrono::nanoseconds settle{std::chrono::seconds(2)};
  // How far apart the wall clocks of processes sharing the backend may be.
  std::chrono::nanoseconds max_clock_skew{std::chrono::seconds(1)};
};

// "<hostname>-<pid>-<8 random hex digits>": unique, but a restart cannot take its lease back.
std::string default_lease_owner();
// "<hostname>:<data_dir>": stable across restarts of the process that uses `data_dir`.
std::string stable_lease_owner(const std::string& data_dir);
// "<tenant>/compactor-lease.json".
std::string lease_key(std::string_view tenant);

class Lease {
 public:
  Lease(backend::Backend& backend, LeaseOptions options,
        std::shared_ptr<LeaseClock> clock = system_lease_clock());

  // Takes the tenant's lease if nobody holds it (none, or expired), or renews it if this
  // process holds it. *held says whether this process holds it on return. An error is a
  // backend failure; *held is then false.
  Status try_acquire(const std::string& tenant, bool* held);
  // Extends a lease this process holds. *held is false when it was not held, had run out
  // locally, or the object now names another owner or token (taken over after expiry).
  Status renew(const std::string& tenant, bool* held);
  // Gives the lease up: deletes the object if it is still ours, so another process can take
  // it without waiting for expiry. Not holding it is ok.
  Status release(const std::string& tenant);
  // Releases every lease this process holds (shutdown), so another process need not wait for
  // them to expire. Returns the first error; tries them all.
  Status release_all();
  // Whether this process holds the tenant's lease now, by its local deadline (no request).
  bool held(const std::string& tenant);
  // How much longer this process holds the tenant's lease by its local deadline; zero when it
  // does not. A long task renews when this falls below half the ttl.
  std::chrono::nanoseconds remaining(const std::string& tenant);
  std::chrono::nanoseconds ttl() const { return options_.ttl; }

  const std::string& owner() const { return options_.owner; }

 private:
  struct Held {
    std::string token;
    std::chrono::steady_clock::time_point until;
  };
  struct Record {
    std::string owner, incarnation, token;
    std::chrono::system_clock::time_point expires;
  };
  Status read_record(const std::string& tenant, bool* found, Record* out);
  Status write_record(const std::string& tenant, const std::string& token);
  void forget(const std::string& tenant);

  backend::Backend& backend_;
  LeaseOptions options_;
  std::shared_ptr<LeaseClock> clock_;
  std::mutex op_mu_;  // one backend exchange at a time
  std::mutex mu_;     // held_
  std::map<std::string, Held> held_;
};

}  // namespace tempo::compactor
