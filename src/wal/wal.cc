#include "tempo/wal/wal.h"

#include <chrono>
#include <cstring>

#include "tempo/observability/log.h"
#include "tempo/observability/metrics.h"
#include "tempo/util/little_endian.h"

namespace tempo::wal {
namespace {

constexpr char kMagic[4] = {'T', 'W', 'A', 'L'};
constexpr uint32_t kVersion = 1;
// Every record starts with this word so that reading can find the next record after a
// corrupt one instead of giving up on everything behind it.
constexpr uint32_t kSyncWord = 0x57A1C0DE;

// CRC-32 over the length field and the payload, so a damaged length is caught too.
uint32_t record_crc(const char* len_field, std::string_view payload) {
  return crc32_update(crc32_of(std::string_view(len_field, 4)), payload);
}
// The same over a payload given in two parts.
uint32_t record_crc(const char* len_field, std::string_view head, std::string_view body) {
  return crc32_update(record_crc(len_field, head), body);
}

Status read_full(const File& f, char* buf, size_t n, uint64_t off, size_t* got) {
  return f.read(off, n, buf, got);
}

prometheus::Histogram& fsync_duration() {
  static auto& h = metrics::histogram_family("tempo_wal_fsync_duration_seconds",
                                             "Time spent in fdatasync of the WAL.")
                       .Add({}, prometheus::Histogram::BucketBoundaries{
                                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1});
  return h;
}
prometheus::Counter& bytes_written() {
  static auto& c =
      metrics::counter_family("tempo_wal_bytes_written_total", "Bytes appended to the WAL.")
          .Add({});
  return c;
}
prometheus::Counter& truncated_bytes() {
  static auto& c =
      metrics::counter_family("tempo_wal_replay_truncated_bytes_total",
                              "Bytes of torn or corrupt WAL tails truncated on replay.")
          .Add({});
  return c;
}

// Reads the record at `off`. Returns kOk with the payload, kNotFound at a clean EOF, and
// kCorruption when the bytes there are not an intact record.
Status read_record(const File& f, uint64_t off, uint64_t file_size, std::string* payload) {
  if (off == file_size) return Status::not_found("eof");
  if (off + kRecordHeaderSize > file_size) return Status::corruption("torn record header");
  char hdr[kRecordHeaderSize];
  size_t got = 0;
  TEMPO_RETURN_IF_ERROR(read_full(f, hdr, sizeof hdr, off, &got));
  if (got != sizeof hdr) return Status::corruption("torn record header");
  if (le::load32(hdr) != kSyncWord) return Status::corruption("bad sync word");
  uint32_t len = le::load32(hdr + 4);
  if (len > kMaxRecordSize || off + kRecordHeaderSize + len > file_size) {
    return Status::corruption("record length past end of file");
  }
  payload->resize(len);
  TEMPO_RETURN_IF_ERROR(read_full(f, payload->data(), len, off + kRecordHeaderSize, &got));
  if (got != len) return Status::corruption("torn record payload");
  if (record_crc(hdr + 4, *payload) != le::load32(hdr + 8))
    return Status::corruption("checksum mismatch");
  return Status::ok();
}

// Finds the next offset after `from` holding an intact record, or file_size if none.
Status resync(const File& f, uint64_t from, uint64_t file_size, uint64_t* next) {
  constexpr size_t kChunk = 1 << 20;
  std::string chunk(kChunk + 3, '\0');
  std::string scratch;
  uint64_t pos = from;
  while (pos + kRecordHeaderSize <= file_size) {
    size_t got = 0;
    TEMPO_RETURN_IF_ERROR(read_full(f, chunk.data(), chunk.size(), pos, &got));
    if (got < 4) break;
    for (size_t i = 0; i + 4 <= got; ++i) {
      if (le::load32(chunk.data() + i) != kSyncWord) continue;
      Status s = read_record(f, pos + i, file_size, &scratch);
      if (s.is_ok()) {
        *next = pos + i;
        return Status::ok();
      }
      if (!s.is(Status::Code::kCorruption) && !s.is(Status::Code::kNotFound)) return s;
    }
    pos += got >= 4 ? got - 3 : got;
  }
  *next = file_size;
  return Status::ok();
}

Status check_header(const File& f, uint64_t file_size) {
  const std::string& path = f.path();
  if (file_size < kFileHeaderSize) return Status::corruption("wal header torn in " + path);
  char hdr[kFileHeaderSize];
  size_t got = 0;
  TEMPO_RETURN_IF_ERROR(read_full(f, hdr, sizeof hdr, 0, &got));
  if (got != sizeof hdr || std::memcmp(hdr, kMagic, 4) != 0) {
    return Status::corruption("not a wal file: " + path);
  }
  if (le::load32(hdr + 4) != kVersion) {
    return Status::corruption("unsupported wal version " + std::to_string(le::load32(hdr + 4)) +
                              " in " + path);
  }
  return Status::ok();
}

Status write_header(File& f) {
  char hdr[kFileHeaderSize] = {};
  std::memcpy(hdr, kMagic, 4);
  le::store32(hdr + 4, kVersion);
  return f.write_all(0, std::string_view(hdr, sizeof hdr));
}

// Reads every intact record of an open file, truncating what cannot be read at the end.
Status scan(File& f, const std::function<void(uint64_t, std::string_view)>& fn,
            ReplayStats* stats) {
  const std::string& path = f.path();
  uint64_t size = 0;
  TEMPO_RETURN_IF_ERROR(f.size(&size));
  if (size < kFileHeaderSize) {
    // New, or torn while the header was being written: nothing in it was ever acknowledged.
    if (size > 0) TEMPO_RETURN_IF_ERROR(f.truncate(0));
    TEMPO_RETURN_IF_ERROR(write_header(f));
    return Status::ok();
  }
  TEMPO_RETURN_IF_ERROR(check_header(f, size));
  uint64_t off = kFileHeaderSize;
  std::string payload;
  for (;;) {
    Status s = read_record(f, off, size, &payload);
    if (s.is(Status::Code::kNotFound)) break;
    if (s.is_ok()) {
      if (fn) fn(off, payload);
      stats->records++;
      stats->bytes += payload.size();
      off += kRecordHeaderSize + payload.size();
      continue;
    }
    if (!s.is(Status::Code::kCorruption)) return s;
    uint64_t next = size;
    TEMPO_RETURN_IF_ERROR(resync(f, off + 1, size, &next));
    if (next == size) {
      uint64_t cut = size - off;
      log::warn("truncating torn wal tail",
                {{"path", path}, {"offset", off}, {"bytes", cut}, {"reason", s.message()}});
      TEMPO_RETURN_IF_ERROR(f.truncate(off));
      // Durable before anything is appended behind it: otherwise a crash could bring back
      // the torn bytes between older records and newer ones.
      TEMPO_RETURN_IF_ERROR(f.sync());
      stats->truncated_bytes += cut;
      truncated_bytes().Increment(static_cast<double>(cut));
      break;
    }
    log::warn(
        "skipping corrupt wal record",
        {{"path", path}, {"offset", off}, {"skipped_bytes", next - off}, {"reason", s.message()}});
    stats->skipped_corrupt++;
    off = next;
  }
  return Status::ok();
}

}  // namespace

struct Writer::Pending {
  // One of the two is set.
  std::span<const std::string_view> records;
  std::span<const Parts> parts;
  std::vector<uint64_t>* offsets;
  Status status;
  bool done = false;
  std::condition_variable cv;
};

Writer::Writer(std::string path, std::unique_ptr<File> file, uint64_t size, WriterOptions options)
    : path_(std::move(path)), file_(std::move(file)), options_(options), size_(size) {}

Writer::~Writer() {
  ignore_error(close(), "a destructor has no one to tell; callers that care call close()");
}

Status Writer::open(const std::string& path, const WriterOptions& options,
                    std::unique_ptr<Writer>* out) {
  std::unique_ptr<File> f;
  TEMPO_RETURN_IF_ERROR(options.env->open(path, Env::OpenMode::kReadWrite, &f));
  uint64_t before = 0;
  TEMPO_RETURN_IF_ERROR(f->size(&before));
  ReplayStats stats;
  TEMPO_RETURN_IF_ERROR(scan(*f, nullptr, &stats));
  uint64_t end = 0;
  TEMPO_RETURN_IF_ERROR(f->size(&end));
  if (options.sync) {
    TEMPO_RETURN_IF_ERROR(f->sync());
    // A new file's directory entry must be durable before anything in it is acknowledged:
    // fdatasync covers the file's data and size, not the name that leads to it.
    if (before < kFileHeaderSize) TEMPO_RETURN_IF_ERROR(options.env->sync_dir(dir_of(path)));
  }
  out->reset(new Writer(path, std::move(f), end, options));
  return Status::ok();
}

Status Writer::write_and_sync(uint64_t base, bool* poisoned) {
  TEMPO_RETURN_IF_ERROR(file_->write_all(base, parts_));
  if (!options_.sync) return Status::ok();
  auto t0 = std::chrono::steady_clock::now();
  Status s = file_->sync();
  fsync_duration().Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  // After a failed fdatasync Linux may mark the unwritten pages clean, so a later sync can
  // succeed without the data ever reaching the disk: nothing more goes into this file.
  if (!s.is_ok()) *poisoned = true;
  return s;
}

Status Writer::append(std::span<const std::string_view> records, std::vector<uint64_t>* offsets) {
  for (auto r : records) {
    if (r.size() > kMaxRecordSize) return record_too_large(r.size());
  }
  Pending self;
  self.records = records;
  return append(&self, offsets);
}

Status Writer::append(std::span<const Parts> records, std::vector<uint64_t>* offsets) {
  for (const Parts& r : records) {
    if (r.head.size() + r.body.size() > kMaxRecordSize) {
      return record_too_large(r.head.size() + r.body.size());
    }
  }
  Pending self;
  self.parts = records;
  return append(&self, offsets);
}

Status Writer::record_too_large(size_t size) {
  return Status::invalid_argument("wal record of " + std::to_string(size) +
                                  " bytes exceeds the limit of " + std::to_string(kMaxRecordSize));
}

Status Writer::append(Pending* pending, std::vector<uint64_t>* offsets) {
  Pending& self = *pending;
  self.offsets = offsets;
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_) return Status::io_error("wal " + path_ + " is closed");
  if (!broken_status_.is_ok()) return broken_status_;
  queue_.push_back(&self);
  while (!self.done && queue_.front() != &self) self.cv.wait(lock);
  if (self.done) return self.status;

  // This thread leads: it writes and syncs for everyone queued now (group commit).
  std::vector<Pending*> group(queue_.begin(), queue_.end());
  Status s;
  if (!broken_status_.is_ok()) {
    s = broken_status_;
  } else {
    uint64_t base = size_.load();
    // Frame headers first, all of them, so that parts_ can point into headers_ once it stops
    // growing.
    size_t n = 0;
    for (Pending* p : group) n += p->records.size() + p->parts.size();
    headers_.resize(n * kRecordHeaderSize);
    parts_.clear();
    uint64_t at = base;
    char* hdr = headers_.data();
    auto add = [&](Pending* p, std::string_view head, std::string_view body) {
      const size_t len = head.size() + body.size();
      if (p->offsets) p->offsets->push_back(at);
      le::store32(hdr, kSyncWord);
      le::store32(hdr + 4, static_cast<uint32_t>(len));
      le::store32(hdr + 8, record_crc(hdr + 4, head, body));
      parts_.emplace_back(hdr, kRecordHeaderSize);
      if (!head.empty()) parts_.push_back(head);
      if (!body.empty()) parts_.push_back(body);
      hdr += kRecordHeaderSize;
      at += kRecordHeaderSize + len;
    };
    for (Pending* p : group) {
      if (p->offsets) p->offsets->clear();
      for (auto r : p->records) add(p, r, {});
      for (const Parts& r : p->parts) add(p, r.head, r.body);
    }
    lock.unlock();
    bool poisoned = false;
    s = write_and_sync(base, &poisoned);
    if (!s.is_ok()) {
      // Cut back whatever part of the group reached the file so the log stays well formed.
      // Writes go to explicit offsets, so even if this fails the next group lands at `base`.
      Status t = file_->truncate(base);
      if (!t.is_ok()) {
        log::error("cannot cut back a failed wal append",
                   {{"path", path_}, {"err", t.to_string()}});
        poisoned = true;
      }
      if (options_.sync) {
        ignore_error(file_->sync(), "the cut need not be durable: a torn tail is cut on replay");
      }
    } else {
      size_ = at;
      syncs_++;
      bytes_written().Increment(static_cast<double>(at - base));
    }
    lock.lock();
    if (poisoned) {
      broken_status_ =
          Status::io_error("wal " + path_ + " takes no more appends after: " + s.message());
      broken_ = true;
    }
  }
  for (Pending* p : group) {
    queue_.pop_front();
    p->status = s;
    p->done = true;
    if (p != &self) p->cv.notify_one();
  }
  if (!queue_.empty()) queue_.front()->cv.notify_one();
  return s;
}

Status Writer::close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return Status::ok();
  closed_ = true;
  return file_->close();
}

Status replay(Env& env, const std::string& path,
              const std::function<void(uint64_t offset, std::string_view payload)>& fn,
              ReplayStats* stats) {
  std::unique_ptr<File> f;
  TEMPO_RETURN_IF_ERROR(env.open(path, Env::OpenMode::kReadWrite, &f));
  return scan(*f, fn, stats);
}

Status RandomReader::open(Env& env, const std::string& path, std::unique_ptr<RandomReader>* out) {
  std::unique_ptr<File> f;
  TEMPO_RETURN_IF_ERROR(env.open(path, Env::OpenMode::kReadOnly, &f));
  out->reset(new RandomReader(std::move(f)));
  return Status::ok();
}

Status RandomReader::read(uint64_t offset, std::string* payload) const {
  // Read into *payload itself, then drop the header in place: no second buffer.
  std::string_view view;
  TEMPO_RETURN_IF_ERROR(read_view(offset, payload, &view));
  const size_t n = view.size();
  payload->erase(0, kRecordHeaderSize);
  payload->resize(n);
  return Status::ok();
}

Status RandomReader::read_view(uint64_t offset, std::string* buf, std::string_view* payload) const {
  const std::string& path = file_->path();
  auto corrupt = [&](const char* what) {
    return Status::corruption(std::string(what) + " at offset " + std::to_string(offset) + " in " +
                              path);
  };
  // The header and, usually, the whole payload in one read; a short read is the end of the
  // file, so no size() call is needed to bound the record.
  if (buf->size() < kReadAhead) buf->resize(kReadAhead);
  size_t got = 0;
  TEMPO_RETURN_IF_ERROR(read_full(*file_, buf->data(), kReadAhead, offset, &got));
  if (got == 0) return corrupt("no record");
  if (got < kRecordHeaderSize) return corrupt("torn record header");
  if (le::load32(buf->data()) != kSyncWord) return corrupt("bad sync word");
  const uint32_t len = le::load32(buf->data() + 4);
  if (len > kMaxRecordSize) return corrupt("record length past end of file");
  const size_t total = kRecordHeaderSize + len;
  if (got < total) {
    if (got < kReadAhead) return corrupt("record length past end of file");
    buf->resize(total);
    size_t more = 0;
    TEMPO_RETURN_IF_ERROR(read_full(*file_, buf->data() + got, total - got, offset + got, &more));
    if (got + more != total) return corrupt("record length past end of file");
  }
  *payload = std::string_view(buf->data() + kRecordHeaderSize, len);
  if (record_crc(buf->data() + 4, *payload) != le::load32(buf->data() + 8)) {
    return corrupt("checksum mismatch");
  }
  return Status::ok();
}

}  // namespace tempo::wal
