#include "generator/remote_write/disk_queue.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <vector>

#include "tempo/observability/log.h"
#include "tempo/util/little_endian.h"

namespace tempo::generator::remote_write {
namespace {

constexpr size_t kBatchHeader = 8;  // samples u32 | exemplars u32, then the body
constexpr char kCursorMagic[4] = {'R', 'W', 'C', '1'};
constexpr size_t kCursorSlot = 32;  // magic | crc | gen u64 | seg u64 | offset u64
constexpr const char* kCursorName = "cursor";
constexpr const char* kSegmentSuffix = ".wal";

void store64(char* p, uint64_t v) {
  le::store32(p, static_cast<uint32_t>(v));
  le::store32(p + 4, static_cast<uint32_t>(v >> 32));
}

bool parse_segment_name(const std::string& name, uint64_t* seq) {
  const size_t n = std::strlen(kSegmentSuffix);
  if (name.size() != 16 + n || name.compare(16, n, kSegmentSuffix) != 0) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < 16; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    v = v * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  *seq = v;
  return true;
}

struct Cursor {
  uint64_t gen = 0, seg = 0, offset = 0;
};

// The newest intact slot of the cursor file; false when neither is (a new queue, or both
// torn: then everything on disk is sent again, which a receiver takes as duplicates).
bool read_cursor(const File& f, Cursor* out) {
  char buf[2 * kCursorSlot];
  size_t got = 0;
  if (!f.read(0, sizeof buf, buf, &got).is_ok()) return false;
  bool found = false;
  for (size_t slot = 0; slot + kCursorSlot <= got; slot += kCursorSlot) {
    const char* p = buf + slot;
    if (std::memcmp(p, kCursorMagic, 4) != 0) continue;
    if (crc32_of(std::string_view(p + 8, 24)) != le::load32(p + 4)) continue;
    Cursor c{le::load(p + 8, 8), le::load(p + 16, 8), le::load(p + 24, 8)};
    if (!found || c.gen > out->gen) *out = c;
    found = true;
  }
  return found;
}

bool at_or_after(uint64_t seg, uint64_t off, const Cursor& c) {
  return seg > c.seg || (seg == c.seg && off >= c.offset);
}

}  // namespace

std::string DiskQueue::segment_path(uint64_t seq) const {
  char name[32];
  std::snprintf(name, sizeof name, "%016" PRIu64 "%s", seq, kSegmentSuffix);
  return options_.dir + "/" + name;
}

DiskQueue::~DiskQueue() {
  if (writer_) ignore_error(writer_->close(), "every push was synced when it returned");
  if (cursor_) ignore_error(cursor_->close(), "every cursor write was synced");
}

Status DiskQueue::open(const QueueOptions& options, std::unique_ptr<DiskQueue>* out) {
  if (options.max_bytes == 0 || options.segment_bytes == 0) {
    return Status::invalid_argument("remote write queue: max_bytes and segment_bytes must be set");
  }
  std::unique_ptr<DiskQueue> q(new DiskQueue(options));
  TEMPO_RETURN_IF_ERROR(q->recover());
  *out = std::move(q);
  return Status::ok();
}

Status DiskQueue::recover() {
  Env& env = *options_.env;
  TEMPO_RETURN_IF_ERROR(env.create_dirs(options_.dir));
  if (options_.sync) {
    // The queue directory and its tenant directory must survive a power loss for anything
    // in them to: their names are entries of their parents.
    TEMPO_RETURN_IF_ERROR(env.sync_dir(dir_of(options_.dir)));
    TEMPO_RETURN_IF_ERROR(env.sync_dir(dir_of(dir_of(options_.dir))));
  }
  std::vector<DirEntry> listing;
  TEMPO_RETURN_IF_ERROR(env.list_dir(options_.dir, &listing));
  std::vector<uint64_t> seqs;
  for (const auto& e : listing) {
    uint64_t seq = 0;
    if (e.type == DirEntry::Type::kFile && parse_segment_name(e.name, &seq)) seqs.push_back(seq);
  }
  std::sort(seqs.begin(), seqs.end());

  TEMPO_RETURN_IF_ERROR(
      env.open(options_.dir + "/" + kCursorName, Env::OpenMode::kReadWrite, &cursor_));
  Cursor cursor;
  if (read_cursor(*cursor_, &cursor)) cursor_gen_ = cursor.gen;

  uint64_t skipped_short = 0;
  for (uint64_t seq : seqs) {
    live_per_segment_[seq] = 0;
    wal::ReplayStats stats;
    TEMPO_RETURN_IF_ERROR(wal::replay(
        env, segment_path(seq),
        [&](uint64_t off, std::string_view payload) {
          if (!at_or_after(seq, off, cursor)) return;  // sent before the restart
          if (payload.size() < kBatchHeader) {
            skipped_short++;
            return;
          }
          Entry e{seq, off, static_cast<uint32_t>(payload.size()), le::load32(payload.data()),
                  le::load32(payload.data() + 4)};
          entries_.push_back(e);
          live_per_segment_[seq]++;
          pending_.batches++;
          pending_.samples += e.samples;
          pending_.exemplars += e.exemplars;
          pending_.bytes += e.bytes;
        },
        &stats));
  }
  if (skipped_short > 0) {
    log::warn("skipped malformed remote write queue records",
              {{"dir", options_.dir}, {"records", skipped_short}});
  }
  if (pending_.batches > 0) {
    log::info(
        "remote write queue recovered",
        {{"dir", options_.dir}, {"batches", pending_.batches}, {"samples", pending_.samples}});
  }
  // Appends go to a new segment: an old one may end in a truncated tail, and a new file
  // keeps the order of segments the order of pushes.
  TEMPO_RETURN_IF_ERROR(open_segment(seqs.empty() ? 1 : seqs.back() + 1));
  std::lock_guard<std::mutex> lock(mu_);
  remove_unused_segments();
  return save_cursor();
}

Status DiskQueue::open_segment(uint64_t seq) {
  if (writer_) ignore_error(writer_->close(), "its appends were all synced");
  writer_.reset();
  wal::WriterOptions wo;
  wo.sync = options_.sync;
  wo.env = options_.env;
  TEMPO_RETURN_IF_ERROR(wal::Writer::open(segment_path(seq), wo, &writer_));
  active_seq_ = seq;
  live_per_segment_.emplace(seq, 0);
  return Status::ok();
}

Status DiskQueue::save_cursor() {
  // The position of the oldest batch still to send; when none is, the end of the active
  // segment, before anything pushed later.
  uint64_t seg = active_seq_, off = writer_ ? writer_->size() : 0;
  if (!entries_.empty()) {
    seg = entries_.front().seg;
    off = entries_.front().offset;
  }
  ++cursor_gen_;
  char slot[kCursorSlot];
  std::memcpy(slot, kCursorMagic, 4);
  store64(slot + 8, cursor_gen_);
  store64(slot + 16, seg);
  store64(slot + 24, off);
  le::store32(slot + 4, crc32_of(std::string_view(slot + 8, 24)));
  // Two slots written alternately: a write torn by a crash leaves the other one intact.
  uint64_t at = (cursor_gen_ % 2) * kCursorSlot;
  TEMPO_RETURN_IF_ERROR(cursor_->write_all(at, std::string_view(slot, sizeof slot)));
  if (options_.sync) TEMPO_RETURN_IF_ERROR(cursor_->sync());
  return Status::ok();
}

void DiskQueue::drop_entry(size_t index, QueueCounts* count) {
  const Entry e = entries_[index];
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(index));
  live_per_segment_[e.seg]--;
  pending_.batches--;
  pending_.samples -= e.samples;
  pending_.exemplars -= e.exemplars;
  pending_.bytes -= e.bytes;
  if (count) {
    count->batches++;
    count->samples += e.samples;
    count->exemplars += e.exemplars;
    count->bytes += e.bytes;
  }
}

void DiskQueue::remove_unused_segments() {
  for (auto it = live_per_segment_.begin(); it != live_per_segment_.end();) {
    if (it->second != 0 || it->first == active_seq_) {
      ++it;
      continue;
    }
    if (reader_ && reader_seq_ == it->first) reader_.reset();
    // A failed removal only leaves a sent segment behind; the cursor keeps it from being
    // sent again, and the next start retries the removal.
    Status s = options_.env->remove_file(segment_path(it->first));
    if (!s.is_ok()) {
      log::warn("cannot remove sent remote write segment", {{"err", s.to_string()}});
    }
    it = live_per_segment_.erase(it);
  }
}

Status DiskQueue::push(const Batch& batch, QueueCounts* dropped) {
  std::string payload;
  payload.resize(kBatchHeader);
  le::store32(payload.data(), batch.samples);
  le::store32(payload.data() + 4, batch.exemplars);
  payload += batch.body;
  std::lock_guard<std::mutex> lock(mu_);
  bool dropped_any = false;
  // Oldest first, but never the batch the sender holds: it may be on the wire right now.
  const size_t first = in_flight_ ? 1 : 0;
  while (pending_.bytes + payload.size() > options_.max_bytes && entries_.size() > first) {
    drop_entry(first, dropped);
    dropped_any = true;
  }
  if (writer_->size() >= options_.segment_bytes || writer_->broken()) {
    TEMPO_RETURN_IF_ERROR(open_segment(active_seq_ + 1));
  }
  if (dropped_any) {
    remove_unused_segments();
    TEMPO_RETURN_IF_ERROR(save_cursor());
  }
  std::string_view rec(payload);
  std::vector<uint64_t> offsets;
  TEMPO_RETURN_IF_ERROR(writer_->append(std::span<const std::string_view>(&rec, 1), &offsets));
  Entry e{active_seq_, offsets.at(0), static_cast<uint32_t>(payload.size()), batch.samples,
          batch.exemplars};
  entries_.push_back(e);
  live_per_segment_[active_seq_]++;
  pending_.batches++;
  pending_.samples += e.samples;
  pending_.exemplars += e.exemplars;
  pending_.bytes += e.bytes;
  cv_.notify_all();
  return Status::ok();
}

Status DiskQueue::front(Batch* out) {
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.empty()) return Status::not_found("remote write queue is empty");
  const Entry e = entries_.front();
  in_flight_ = true;
  if (!reader_ || reader_seq_ != e.seg) {
    reader_.reset();
    TEMPO_RETURN_IF_ERROR(wal::RandomReader::open(*options_.env, segment_path(e.seg), &reader_));
    reader_seq_ = e.seg;
  }
  std::string payload;
  TEMPO_RETURN_IF_ERROR(reader_->read(e.offset, &payload));
  if (payload.size() < kBatchHeader) return Status::corruption("short remote write record");
  out->samples = le::load32(payload.data());
  out->exemplars = le::load32(payload.data() + 4);
  out->body.assign(payload, kBatchHeader);
  return Status::ok();
}

Status DiskQueue::pop() {
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.empty()) return Status::ok();
  in_flight_ = false;
  drop_entry(0, nullptr);
  remove_unused_segments();
  return save_cursor();
}

void DiskQueue::wait(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return !entries_.empty() || interrupted_; });
}

void DiskQueue::interrupt() {
  std::lock_guard<std::mutex> lock(mu_);
  interrupted_ = true;
  cv_.notify_all();
}

QueueCounts DiskQueue::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_;
}

}  // namespace tempo::generator::remote_write
