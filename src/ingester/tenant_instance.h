#pragma once
// One tenant's share of the ingester: the head WAL block taking appends, the sealed blocks
// waiting to be written to the backend, and the set of live (recently written) traces.

#include <absl/container/flat_hash_map.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "ingester/wal_block.h"
#include "tempo/ingester/ingester.h"

namespace tempo::ingester {

class TenantInstance {
 public:
  TenantInstance(std::string tenant, const IngesterOptions& options);

  const std::string& tenant() const { return tenant_; }
  std::string dir() const;

  // Appends the segments the limits admit (see IngesterOptions); the others are counted in
  // *refused.
  Status push(std::span<const model::TraceSegment> segments, Refused* refused);
  Status find(const TraceId& id, std::vector<std::string>* segments, uint64_t* bytes_read);

  // Seals the head block when it is due (size, age, or a WAL that takes no more appends) or
  // when `force` is set and it holds data. Returns the newly sealed block, or nullptr.
  std::shared_ptr<WalBlock> cut_if_due(bool force);
  // Adds a block replayed from disk to the sealed set.
  void add_sealed(std::shared_ptr<WalBlock> block);
  std::vector<std::shared_ptr<WalBlock>> sealed() const;
  size_t sealed_count() const;  // sealed blocks not yet flushed
  // Sealed blocks and the head block (if any): everything not yet in the backend.
  std::vector<std::shared_ptr<WalBlock>> blocks();
  // Drops a block whose data is now in the backend.
  void remove_sealed(const std::shared_ptr<WalBlock>& block);
  // Forgets traces idle for longer than trace_idle_period (updates the live-traces gauge).
  void sweep_live_traces();

 private:
  std::string tenant_;
  const IngesterOptions& options_;

  std::shared_mutex head_mu_;  // shared: appends; exclusive: replacing or sealing the head
  std::shared_ptr<WalBlock> head_;

  mutable std::mutex sealed_mu_;
  std::condition_variable sealed_cv_;  // a sealed block was flushed (pushes wait for room)
  std::vector<std::shared_ptr<WalBlock>> sealed_;

  // Admits each segment under the limits, updating the live set. True when all were
  // admitted; otherwise *admitted lists the indexes of those that were.
  bool admit(std::span<const model::TraceSegment> segments, Refused* refused,
             std::vector<size_t>* admitted, size_t* created, size_t* live);

  using Clock = std::chrono::steady_clock;
  // Times in the live set are milliseconds since epoch_ in 32 bits, compared by wrapping
  // difference (`ticks_since`): right for any gap under 24 days, and a trace is forgotten
  // after trace_idle_period. Flat out the set holds every trace of the last idle period
  // (600k at 60k new traces a second over 10 s), so its entry size is the ingester's largest
  // single cost in memory: 28 bytes a slot here against 56 with time_points and a 64-bit
  // count (measured with jemalloc's heap profile, docs/wal_format.md).
  using Ticks = uint32_t;
  struct LiveTrace {
    Ticks last_seen;
    Ticks queued;  // time of its newest entry in expiry_
    // Bytes written since the trace became live, saturating at 4 GiB - 1 (a
    // max_bytes_per_trace above that cannot be told apart from it).
    uint32_t bytes;
  };
  // Expiry in arrival order, so a sweep visits only what may have expired instead of every
  // live trace: a trace gets an entry when it becomes live and again when it is seen at least
  // kExpiryGranularity after its newest entry. Entries are pushed with the current time under
  // live_mu_, so they are in time order to within kExpiryGranularity, and a trace expires at
  // most that late.
  struct Expiry {
    TraceId id;
    Ticks at;
  };
  static constexpr Ticks kExpiryGranularityMs = 1000;
  // The 32-bit clock starts 2 s before it wraps (as Linux starts jiffies 5 minutes before
  // theirs), so every instance, in tests too, passes a wrap early instead of after 49 days.
  static constexpr std::chrono::milliseconds kFirstWrapAfter{2000};
  const Clock::time_point epoch_ =
      Clock::now() - (std::chrono::milliseconds(int64_t{1} << 32) - kFirstWrapAfter);
  Ticks ticks(Clock::time_point t) const {
    return static_cast<Ticks>(
        std::chrono::duration_cast<std::chrono::milliseconds>(t - epoch_).count());
  }
  static Ticks ticks_since(Ticks now, Ticks then) { return static_cast<Ticks>(now - then); }
  std::mutex live_mu_;
  // Open addressing: no allocation per trace, and a lookup touches one cache line or two.
  absl::flat_hash_map<TraceId, LiveTrace, TraceIdHash> live_;
  std::deque<Expiry> expiry_;
};

}  // namespace tempo::ingester
