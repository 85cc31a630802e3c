#include "tempo/wal/wal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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

std::string errno_text(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

Status pread_full(int fd, char* buf, size_t n, uint64_t off, size_t* got) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(off + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::io_error(std::string("pread: ") + std::strerror(errno));
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  *got = done;
  return Status::ok();
}

Status write_full(int fd, const char* buf, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, buf, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::io_error(std::string("write: ") + std::strerror(errno));
    }
    buf += w;
    n -= static_cast<size_t>(w);
  }
  return Status::ok();
}

prometheus::Histogram& fsync_duration() {
  static auto& h = metrics::histogram_family("tempo_wal_fsync_duration_seconds",
                                             "Time spent in fdatasync of the WAL.")
                       .Add({}, prometheus::Histogram::BucketBoundaries{
                                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1});
  return h;
}
prometheus::Counter& bytes_written() {
  static auto& c = metrics::counter_family("tempo_wal_bytes_written_total",
                                           "Bytes appended to the WAL.")
                       .Add({});
  return c;
}
prometheus::Counter& truncated_bytes() {
  static auto& c = metrics::counter_family("tempo_wal_replay_truncated_bytes_total",
                                           "Bytes of torn or corrupt WAL tails truncated on replay.")
                       .Add({});
  return c;
}

// Reads the record at `off`. Returns kOk with the payload, kNotFound at a clean EOF, and
// kCorruption when the bytes there are not an intact record.
Status read_record(int fd, uint64_t off, uint64_t file_size, std::string* payload) {
  if (off == file_size) return Status::not_found("eof");
  if (off + kRecordHeaderSize > file_size) return Status::corruption("torn record header");
  char hdr[kRecordHeaderSize];
  size_t got = 0;
  TEMPO_RETURN_IF_ERROR(pread_full(fd, hdr, sizeof hdr, off, &got));
  if (got != sizeof hdr) return Status::corruption("torn record header");
  if (le::load32(hdr) != kSyncWord) return Status::corruption("bad sync word");
  uint32_t len = le::load32(hdr + 4);
  if (len > kMaxRecordSize || off + kRecordHeaderSize + len > file_size) {
    return Status::corruption("record length past end of file");
  }
  payload->resize(len);
  TEMPO_RETURN_IF_ERROR(pread_full(fd, payload->data(), len, off + kRecordHeaderSize, &got));
  if (got != len) return Status::corruption("torn record payload");
  if (record_crc(hdr + 4, *payload) != le::load32(hdr + 8)) return Status::corruption("checksum mismatch");
  return Status::ok();
}

// Finds the next offset after `from` holding an intact record, or file_size if none.
Status resync(int fd, uint64_t from, uint64_t file_size, uint64_t* next) {
  constexpr size_t kChunk = 1 << 20;
  std::string chunk(kChunk + 3, '\0');
  std::string scratch;
  uint64_t pos = from;
  while (pos + kRecordHeaderSize <= file_size) {
    size_t got = 0;
    TEMPO_RETURN_IF_ERROR(pread_full(fd, chunk.data(), chunk.size(), pos, &got));
    if (got < 4) break;
    for (size_t i = 0; i + 4 <= got; ++i) {
      if (le::load32(chunk.data() + i) != kSyncWord) continue;
      Status s = read_record(fd, pos + i, file_size, &scratch);
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

Status check_header(int fd, const std::string& path, uint64_t file_size) {
  if (file_size < kFileHeaderSize) return Status::corruption("wal header torn in " + path);
  char hdr[kFileHeaderSize];
  size_t got = 0;
  TEMPO_RETURN_IF_ERROR(pread_full(fd, hdr, sizeof hdr, 0, &got));
  if (got != sizeof hdr || std::memcmp(hdr, kMagic, 4) != 0) {
    return Status::corruption("not a wal file: " + path);
  }
  if (le::load32(hdr + 4) != kVersion) {
    return Status::corruption("unsupported wal version " + std::to_string(le::load32(hdr + 4)) +
                              " in " + path);
  }
  return Status::ok();
}

Status write_header(int fd) {
  char hdr[kFileHeaderSize] = {};
  std::memcpy(hdr, kMagic, 4);
  le::store32(hdr + 4, kVersion);
  return write_full(fd, hdr, sizeof hdr);
}

// Reads every intact record of an open file, truncating what cannot be read at the end.
Status scan(int fd, const std::string& path,
            const std::function<void(uint64_t, std::string_view)>& fn, ReplayStats* stats) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::io_error(errno_text("stat", path));
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < kFileHeaderSize) {
    // Torn while the header was being written: nothing in it was ever acknowledged.
    if (::ftruncate(fd, 0) != 0) return Status::io_error(errno_text("truncate", path));
    TEMPO_RETURN_IF_ERROR(write_header(fd));
    return Status::ok();
  }
  TEMPO_RETURN_IF_ERROR(check_header(fd, path, size));
  uint64_t off = kFileHeaderSize;
  std::string payload;
  for (;;) {
    Status s = read_record(fd, off, size, &payload);
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
    TEMPO_RETURN_IF_ERROR(resync(fd, off + 1, size, &next));
    if (next == size) {
      uint64_t cut = size - off;
      log::warn("truncating torn wal tail",
                {{"path", path}, {"offset", off}, {"bytes", cut}, {"reason", s.message()}});
      if (::ftruncate(fd, static_cast<off_t>(off)) != 0) {
        return Status::io_error(errno_text("truncate", path));
      }
      ::fdatasync(fd);
      stats->truncated_bytes += cut;
      truncated_bytes().Increment(static_cast<double>(cut));
      break;
    }
    log::warn("skipping corrupt wal record", {{"path", path}, {"offset", off},
                                              {"skipped_bytes", next - off},
                                              {"reason", s.message()}});
    stats->skipped_corrupt++;
    off = next;
  }
  return Status::ok();
}

}  // namespace

struct Writer::Pending {
  std::span<const std::string_view> records;
  std::vector<uint64_t>* offsets;
  Status status;
  bool done = false;
  std::condition_variable cv;
};

Writer::Writer(std::string path, int fd, uint64_t size, WriterOptions options)
    : path_(std::move(path)), fd_(fd), options_(options), size_(size) {}

Writer::~Writer() { (void)close(); }

Status Writer::open(const std::string& path, const WriterOptions& options,
                    std::unique_ptr<Writer>* out) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::io_error(errno_text("open", path));
  ReplayStats stats;
  Status s = scan(fd, path, nullptr, &stats);
  if (!s.is_ok()) {
    ::close(fd);
    return s;
  }
  off_t end = ::lseek(fd, 0, SEEK_END);
  if (end < 0) {
    ::close(fd);
    return Status::io_error(errno_text("seek", path));
  }
  if (options.sync) ::fdatasync(fd);
  out->reset(new Writer(path, fd, static_cast<uint64_t>(end), options));
  return Status::ok();
}

Status Writer::append(std::span<const std::string_view> records, std::vector<uint64_t>* offsets) {
  for (auto r : records) {
    if (r.size() > kMaxRecordSize) {
      return Status::invalid_argument("wal record of " + std::to_string(r.size()) +
                                      " bytes exceeds the limit of " +
                                      std::to_string(kMaxRecordSize));
    }
  }
  Pending self;
  self.records = records;
  self.offsets = offsets;
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_) return Status::io_error("wal " + path_ + " is closed");
  queue_.push_back(&self);
  while (!self.done && queue_.front() != &self) self.cv.wait(lock);
  if (self.done) return self.status;

  // This thread leads: it writes and syncs for everyone queued now (group commit).
  std::vector<Pending*> group(queue_.begin(), queue_.end());
  buffer_.clear();
  uint64_t base = size_.load();
  for (Pending* p : group) {
    if (p->offsets) p->offsets->clear();
    for (auto r : p->records) {
      if (p->offsets) p->offsets->push_back(base + buffer_.size());
      char hdr[kRecordHeaderSize];
      le::store32(hdr, kSyncWord);
      le::store32(hdr + 4, static_cast<uint32_t>(r.size()));
      le::store32(hdr + 8, record_crc(hdr + 4, r));
      buffer_.append(hdr, sizeof hdr);
      buffer_.append(r.data(), r.size());
    }
  }
  lock.unlock();
  Status s = write_full(fd_, buffer_.data(), buffer_.size());
  if (s.is_ok() && options_.sync) {
    auto t0 = std::chrono::steady_clock::now();
    if (::fdatasync(fd_) != 0) s = Status::io_error(errno_text("fdatasync", path_));
    fsync_duration().Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    syncs_++;
  } else if (s.is_ok()) {
    syncs_++;
  }
  if (!s.is_ok()) {
    // Cut back whatever part of the group reached the file so the log stays well-formed.
    if (::ftruncate(fd_, static_cast<off_t>(base)) == 0) ::lseek(fd_, 0, SEEK_END);
  } else {
    size_ = base + buffer_.size();
    bytes_written().Increment(static_cast<double>(buffer_.size()));
  }
  lock.lock();
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
  if (::close(fd_) != 0) return Status::io_error(errno_text("close", path_));
  return Status::ok();
}

Status replay(const std::string& path,
              const std::function<void(uint64_t offset, std::string_view payload)>& fn,
              ReplayStats* stats) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return Status::io_error(errno_text("open", path));
  Status s = scan(fd, path, fn, stats);
  ::close(fd);
  return s;
}

Status RandomReader::open(const std::string& path, std::unique_ptr<RandomReader>* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::io_error(errno_text("open", path));
  out->reset(new RandomReader(path, fd));
  return Status::ok();
}

RandomReader::~RandomReader() { ::close(fd_); }

Status RandomReader::read(uint64_t offset, std::string* payload) const {
  struct stat st;
  if (::fstat(fd_, &st) != 0) return Status::io_error(errno_text("stat", path_));
  Status s = read_record(fd_, offset, static_cast<uint64_t>(st.st_size), payload);
  if (s.is(Status::Code::kNotFound)) return Status::corruption("no record at offset " + std::to_string(offset) + " in " + path_);
  if (s.is(Status::Code::kCorruption)) return Status::corruption(s.message() + " at offset " + std::to_string(offset) + " in " + path_);
  return s;
}

}  // namespace tempo::wal
