#pragma once
// The on-disk queue of one remote write endpoint for one tenant: request bodies waiting to be
// sent, in order, bounded in bytes. Batches are records of WAL segments (src/wal/, so every
// record is checksummed and a torn tail after a crash is truncated on open), and a small
// cursor file remembers where sending stands, so a restart resends neither what was already
// delivered nor loses what was not. Format: docs/remote_write.md.
//
// One thread pushes (the sink) and one thread sends (front, then pop); both may run at once.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "tempo/util/env.h"
#include "tempo/util/status.h"
#include "tempo/wal/wal.h"

namespace tempo::generator::remote_write {

struct QueueOptions {
  std::string dir;  // created if missing
  // Bytes of queued batches (record payloads) at most; pushing beyond drops the oldest.
  uint64_t max_bytes = 256u << 20;
  // A segment takes appends until it holds this many bytes; fully sent segments are deleted.
  uint64_t segment_bytes = 16u << 20;
  bool sync = true;         // fdatasync pushes and the cursor (false only in tests)
  Env* env = Env::posix();  // must outlive the queue
};

// One queued request: its body (snappy-compressed WriteRequest) and what it carries.
struct Batch {
  std::string body;
  uint32_t samples = 0;
  uint32_t exemplars = 0;
};

struct QueueCounts {
  uint64_t batches = 0;
  uint64_t samples = 0;
  uint64_t exemplars = 0;
  uint64_t bytes = 0;
};

class DiskQueue {
 public:
  // Opens the queue in options.dir, recovering what an earlier process left unsent.
  static Status open(const QueueOptions& options, std::unique_ptr<DiskQueue>* out);
  ~DiskQueue();

  // Appends `batch` durably. When the queue would exceed max_bytes, the oldest batches (never
  // the one the sender holds) are dropped first; *dropped says what went.
  Status push(const Batch& batch, QueueCounts* dropped);

  // The oldest batch not yet popped, again and again until pop(). kNotFound when empty;
  // kCorruption when its record cannot be read back (pop it and count it lost).
  Status front(Batch* out);
  // Removes the batch front() returned (delivered or given up) and makes that durable.
  Status pop();

  // Waits until a batch is queued, interrupt() is called, or `timeout` passes.
  void wait(std::chrono::milliseconds timeout);
  void interrupt();

  QueueCounts pending() const;
  const std::string& dir() const { return options_.dir; }

 private:
  struct Entry {
    uint64_t seg;
    uint64_t offset;
    uint32_t bytes;  // record payload size
    uint32_t samples;
    uint32_t exemplars;
  };
  explicit DiskQueue(QueueOptions options) : options_(std::move(options)) {}
  Status recover();
  Status open_segment(uint64_t seq);                  // mu_ held
  Status save_cursor();                               // mu_ held
  void drop_entry(size_t index, QueueCounts* count);  // mu_ held
  void remove_unused_segments();                      // mu_ held
  std::string segment_path(uint64_t seq) const;

  QueueOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool interrupted_ = false;
  std::deque<Entry> entries_;
  std::map<uint64_t, uint64_t> live_per_segment_;  // segment -> entries not yet popped/dropped
  uint64_t active_seq_ = 0;
  std::unique_ptr<wal::Writer> writer_;
  uint64_t reader_seq_ = 0;
  std::unique_ptr<wal::RandomReader> reader_;
  bool in_flight_ = false;  // front() handed out entries_[0]
  QueueCounts pending_;
  uint64_t cursor_gen_ = 0;
  std::unique_ptr<File> cursor_;
};

}  // namespace tempo::generator::remote_write
