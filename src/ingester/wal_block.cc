#include "ingester/wal_block.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tempo/observability/log.h"

namespace tempo::ingester {
namespace {

void put_u64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
uint64_t get_u64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

}  // namespace

WalBlock::WalBlock(Env& env, std::string id, std::string tenant, std::string path)
    : env_(env),
      id_(std::move(id)),
      tenant_(std::move(tenant)),
      path_(std::move(path)),
      created_(std::chrono::steady_clock::now()) {}

Status WalBlock::create(Env& env, const std::string& tenant_dir, std::string tenant, bool sync,
                        std::shared_ptr<WalBlock>* out) {
  TEMPO_RETURN_IF_ERROR(env.create_dirs(tenant_dir));
  // The tenant directory may be new: its entry must be as durable as the file inside it.
  if (sync) TEMPO_RETURN_IF_ERROR(env.sync_dir(dir_of(tenant_dir)));
  std::string id = block::new_block_id();
  std::shared_ptr<WalBlock> b(
      new WalBlock(env, id, std::move(tenant), tenant_dir + "/" + id + ".wal"));
  wal::WriterOptions wo;
  wo.sync = sync;
  wo.env = &env;
  Status s = wal::Writer::open(b->path_, wo, &b->writer_);
  if (s.is_ok()) s = wal::RandomReader::open(env, b->path_, &b->reader_);
  if (!s.is_ok()) {
    // Holds no record: do not leave an empty segment behind for every failed attempt.
    b->writer_.reset();
    Status rm = env.remove_file(b->path_);
    if (!rm.is_ok() && !rm.message().ends_with(std::strerror(ENOENT))) {
      log::warn("removing a wal file that failed to open",
                {{"path", b->path_}, {"err", rm.to_string()}});
    }
    return s;
  }
  b->bytes_ = b->writer_->size();
  *out = std::move(b);
  return Status::ok();
}

Status WalBlock::replay(Env& env, const std::string& path, std::string tenant,
                        std::shared_ptr<WalBlock>* out, wal::ReplayStats* stats) {
  // <dir>/<block-id>.wal
  std::string id = path.substr(dir_of(path).size() + 1);
  if (id.ends_with(".wal")) id.resize(id.size() - 4);
  std::shared_ptr<WalBlock> b(new WalBlock(env, id, std::move(tenant), path));
  Status bad_record;
  TEMPO_RETURN_IF_ERROR(wal::replay(
      env, path,
      [&](uint64_t offset, std::string_view payload) {
        if (payload.size() < kRecordHeader) {
          bad_record = Status::corruption("short record at offset " + std::to_string(offset));
          return;
        }
        TraceId tid;
        std::memcpy(tid.bytes.data(), payload.data(), 16);
        b->index(tid, offset);
      },
      stats));
  if (!bad_record.is_ok()) {
    log::warn("skipped malformed wal records", {{"path", path}, {"err", bad_record.message()}});
  }
  TEMPO_RETURN_IF_ERROR(wal::RandomReader::open(env, path, &b->reader_));
  uint64_t size = 0;
  TEMPO_RETURN_IF_ERROR(b->reader_->size(&size));
  b->bytes_ = size;
  *out = std::move(b);
  return Status::ok();
}

void WalBlock::index(const TraceId& id, uint64_t offset) {
  std::lock_guard<std::mutex> lock(mu_);
  index_.add(id, offset);
}

Status WalBlock::append(std::span<const model::TraceSegment> segments) {
  if (!writer_) return Status::internal("append to sealed wal block " + id_);
  // Each record is this block's header followed by the segment's bytes where they already
  // are: the WAL writes both without joining them first.
  std::string headers(segments.size() * kRecordHeader, '\0');
  std::vector<wal::Writer::Parts> records;
  records.reserve(segments.size());
  for (size_t i = 0; i < segments.size(); ++i) {
    const auto& s = segments[i];
    char* header = headers.data() + i * kRecordHeader;
    std::memcpy(header, s.id.bytes.data(), 16);
    put_u64(header + 16, s.start_unix_nano);
    put_u64(header + 24, s.end_unix_nano);
    records.push_back({std::string_view(header, kRecordHeader), s.bytes});
  }
  std::vector<uint64_t> offsets;
  TEMPO_RETURN_IF_ERROR(writer_->append(records, &offsets));
  bytes_ = writer_->size();
  for (size_t i = 0; i < segments.size(); ++i) {
    const auto& s = segments[i];
    index(s.id, offsets[i]);
  }
  return Status::ok();
}

Status WalBlock::find(const TraceId& id, std::vector<std::string>* segments,
                      uint64_t* bytes_read) const {
  std::vector<uint64_t> offsets;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!index_.offsets_of(id, &offsets)) return Status::ok();
  }
  std::string payload;
  for (uint64_t off : offsets) {
    TEMPO_RETURN_IF_ERROR(reader_->read(off, &payload));
    if (payload.size() < kRecordHeader) return Status::corruption("short wal record in " + path_);
    *bytes_read += payload.size();
    segments->emplace_back(payload.substr(kRecordHeader));
  }
  return Status::ok();
}

size_t WalBlock::changed_since(size_t from, std::vector<TraceId>* ids) const {
  std::lock_guard<std::mutex> lock(mu_);
  const size_t n = index_.records();
  for (size_t r = from; r < n; ++r) ids->push_back(index_.id_of(static_cast<uint32_t>(r)));
  return n;
}

bool WalBlock::offsets_of(const TraceId& id, std::vector<uint64_t>* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  return index_.offsets_of(id, out);
}

Status WalBlock::read_trace(std::span<const uint64_t> offsets, std::string* out, uint64_t* start,
                            uint64_t* end) const {
  out->clear();
  if (start) *start = UINT64_MAX;
  if (end) *end = 0;
  thread_local std::string buf;  // reused: flushes and search builds read every record
  std::string_view payload;
  for (uint64_t off : offsets) {
    TEMPO_RETURN_IF_ERROR(reader_->read_view(off, &buf, &payload));
    if (payload.size() < kRecordHeader) return Status::corruption("short wal record in " + path_);
    if (start) *start = std::min(*start, get_u64(payload.data() + 16));
    if (end) *end = std::max(*end, get_u64(payload.data() + 24));
    // Serialized TracesData messages concatenate into one valid TracesData.
    out->append(payload.substr(kRecordHeader));
  }
  if (buf.capacity() > (4u << 20)) buf = std::string();  // one huge record: do not keep it
  return Status::ok();
}

LiveTables& WalBlock::live_tables(const std::shared_ptr<LiveCacheBudget>& budget) const {
  std::call_once(live_once_, [&] { live_ = std::make_unique<LiveTables>(budget); });
  return *live_;
}

Status WalBlock::write_block(backend::Backend& backend, const block::WriterOptions& options,
                             block::BlockMeta* meta) const {
  // Sorted by ID as two big-endian words (the order of the bytes), each naming the trace's
  // first record: integer compares instead of memcmp, and the index stays as it is. The block
  // is sealed, so nothing is added to its index any more.
  struct Item {
    uint64_t hi, lo;
    uint32_t first;
  };
  std::vector<Item> items;
  {
    std::lock_guard<std::mutex> lock(mu_);
    items.reserve(index_.traces());
    index_.for_each_trace([&](uint32_t first) {
      const TraceId& id = index_.id_of(first);
      uint64_t hi, lo;
      std::memcpy(&hi, id.bytes.data(), 8);
      std::memcpy(&lo, id.bytes.data() + 8, 8);
      items.push_back({__builtin_bswap64(hi), __builtin_bswap64(lo), first});
    });
  }
  std::sort(items.begin(), items.end(),
            [](const Item& a, const Item& b) { return a.hi != b.hi ? a.hi < b.hi : a.lo < b.lo; });
  block::WriterOptions wo = options;
  wo.expected_traces = items.size();
  block::BlockWriter writer(backend, tenant_, id_, wo);
  std::string trace;
  std::vector<uint64_t> offsets;
  for (const Item& item : items) {
    offsets.clear();
    index_.chain_offsets(item.first, &offsets);
    uint64_t start, end;
    TEMPO_RETURN_IF_ERROR(read_trace(offsets, &trace, &start, &end));
    TEMPO_RETURN_IF_ERROR(writer.add(index_.id_of(item.first), trace, start, end));
  }
  return writer.finish(meta);
}

void WalBlock::seal() {
  sealed_ = true;
  if (writer_) {
    Status s = writer_->close();
    if (!s.is_ok())
      log::warn("closing sealed wal block", {{"path", path_}, {"err", s.to_string()}});
    writer_.reset();
  }
}

Status WalBlock::remove_file() {
  seal();
  // No directory sync: should the removal be lost in a crash, the block is replayed and
  // written again under the same ID, which rewrites the same block.
  return env_.remove_file(path_);
}

bool WalBlock::broken() const { return writer_ && writer_->broken(); }

size_t WalBlock::trace_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return index_.traces();
}

}  // namespace tempo::ingester
