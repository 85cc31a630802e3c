#pragma once
// The write-ahead log: one append-only segment file of framed, checksummed records.
// A record is durable (written and fdatasync'ed) before append() returns; concurrent
// appenders share one write and one sync (group commit). Recovery never fails on a torn or
// corrupt tail: it is truncated. A corrupt record in the middle is skipped and reading
// resynchronises on the next intact record. Format: docs/wal_format.md.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/util/env.h"
#include "tempo/util/status.h"

namespace tempo::wal {

inline constexpr size_t kFileHeaderSize = 16;
inline constexpr size_t kRecordHeaderSize = 12;  // sync word, length, crc
inline constexpr size_t kMaxRecordSize = 64u << 20;

struct WriterOptions {
  bool sync = true;         // false only for tests and benchmarks
  Env* env = Env::posix();  // must outlive the Writer
};

class Writer {
 public:
  // Opens (creating if needed) the segment at `path` for appending. An existing file is first
  // scanned and any torn or corrupt tail truncated, so appends continue after the last good
  // record. With options.sync, a new file's header and directory entry are durable on return.
  static Status open(const std::string& path, const WriterOptions& options,
                     std::unique_ptr<Writer>* out);
  ~Writer();

  // Appends all `records` in order and returns once they are durable. Thread-safe. `offsets`
  // (optional) receives each record's offset, for RandomReader::read(). On error none of the
  // records is acknowledged and the file is cut back to its previous size. A failed write
  // (ENOSPC, EIO) leaves the writer usable; after a failed fdatasync (or a failed cut-back) the
  // kernel may have dropped pages it reported written, so every later append fails too and the
  // caller must move to a new segment (see broken()).
  Status append(std::span<const std::string_view> records, std::vector<uint64_t>* offsets);
  // A record whose payload is `head` followed by `body`: for callers that put their own
  // header in front of bytes they hold elsewhere, which are then written without first being
  // joined in a buffer. Read back, the payload is the two, joined.
  struct Parts {
    std::string_view head, body;
  };
  // As above, for records in two parts.
  Status append(std::span<const Parts> records, std::vector<uint64_t>* offsets);

  // True once an append has left the file in a state no later append may build on.
  bool broken() const { return broken_.load(); }
  uint64_t size() const { return size_.load(); }
  const std::string& path() const { return path_; }
  uint64_t sync_count() const { return syncs_.load(); }
  Status close();

 private:
  struct Pending;
  Writer(std::string path, std::unique_ptr<File> file, uint64_t size, WriterOptions options);
  Status write_and_sync(uint64_t base, bool* poisoned);
  Status append(Pending* self, std::vector<uint64_t>* offsets);  // either kind, queued
  static Status record_too_large(size_t size);

  std::string path_;
  std::unique_ptr<File> file_;
  WriterOptions options_;
  std::atomic<uint64_t> size_;
  std::atomic<bool> broken_{false};
  Status broken_status_;  // guarded by mu_
  std::atomic<uint64_t> syncs_{0};
  std::mutex mu_;
  std::deque<Pending*> queue_;
  // Reused by the group leader: every record's frame header, and what goes to write_all()
  // (header, head, body of each record), pointing into headers_ and the appenders' bytes.
  std::string headers_;
  std::vector<std::string_view> parts_;
  bool closed_ = false;
};

struct ReplayStats {
  uint64_t records = 0;
  uint64_t bytes = 0;
  uint64_t truncated_bytes = 0;
  uint64_t skipped_corrupt = 0;
};

// Calls fn(offset, payload) for every intact record in order, truncating a torn or corrupt
// tail from the file (with a warning). Only I/O errors are errors.
Status replay(Env& env, const std::string& path,
              const std::function<void(uint64_t offset, std::string_view payload)>& fn,
              ReplayStats* stats);

// Random access to one record by the offset append()/replay() reported. Thread-safe.
class RandomReader {
 public:
  static Status open(Env& env, const std::string& path, std::unique_ptr<RandomReader>* out);
  // kCorruption when the record at `offset` fails its checksum.
  Status read(uint64_t offset, std::string* payload) const;
  // The same, with the payload left where it was read: `*payload` views `*buf`. One read
  // call per record (with the header, when the record fits in kReadAhead bytes) and no copy;
  // what a flush runs for every record of a block.
  Status read_view(uint64_t offset, std::string* buf, std::string_view* payload) const;
  static constexpr size_t kReadAhead = 4 * 1024;
  Status size(uint64_t* size) const { return file_->size(size); }

 private:
  explicit RandomReader(std::unique_ptr<File> file) : file_(std::move(file)) {}
  std::unique_ptr<File> file_;
};

}  // namespace tempo::wal
