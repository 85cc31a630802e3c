#include "ingester/live_tables.h"

#include <thread>

#include "ingester/wal_block.h"
#include "tempo/columnar/otlp_columns.h"

namespace tempo::ingester {

using columnar::SpanTable;

namespace {

template <typename V>
int64_t vbytes(const V& v) {
  return static_cast<int64_t>(v.capacity() * sizeof(typename V::value_type));
}

// Decodes `ids` (as the block holds them now) into one table, straight from the stored bytes;
// pieces of one trace are combined on the way (dropping spans seen twice, as reads by ID do).
Status build(const WalBlock& block, const std::unordered_set<TraceId, TraceIdHash>& ids,
             SpanTable* out) {
  columnar::SpanTableBuilder builder(out);
  std::string payload;
  std::vector<uint64_t> offsets;
  for (const auto& id : ids) {
    if (!block.offsets_of(id, &offsets)) continue;
    TEMPO_RETURN_IF_ERROR(block.read_trace(offsets, &payload));
    ignore_error(builder.add_trace_bytes(id, payload),
                 "a trace that does not parse is skipped, as replay skips it; the table stays "
                 "as it was");
  }
  builder.finish();
  return Status::ok();
}

std::shared_ptr<const columnar::RowGroupStats> stats_of(const std::shared_ptr<SpanTable>& t) {
  auto s = std::make_shared<columnar::RowGroupStats>();
  columnar::compute_stats(*t, s.get());  // points into *t, which the group keeps alive
  return s;
}

}  // namespace

int64_t approx_bytes(const SpanTable& t) {
  int64_t n = vbytes(t.traces.id) + vbytes(t.traces.resource_offsets) * 8 +
              vbytes(t.resources.scope_offsets) * 4 + vbytes(t.scopes.span_offsets) * 5;
  const auto& s = t.spans;
  n += vbytes(s.event_offsets) + vbytes(s.link_offsets) + vbytes(s.id) + vbytes(s.parent_id) +
       vbytes(s.name) + vbytes(s.kind) + vbytes(s.status_code) + vbytes(s.status_message) +
       vbytes(s.trace_state) + vbytes(s.flags) + vbytes(s.start) + vbytes(s.duration) +
       vbytes(s.dropped_attributes) * 3 + vbytes(s.trace) * 8;
  n += vbytes(t.events.time) * 3 + vbytes(t.links.trace_id) * 2;
  for (const auto& a : t.attrs) {
    n += vbytes(a.owner) + vbytes(a.key) + vbytes(a.type) + vbytes(a.value) + vbytes(a.pos);
  }
  for (const auto& str : t.strings.strings()) n += static_cast<int64_t>(str.capacity() + 48);
  for (const auto& b : t.blobs) n += static_cast<int64_t>(b.capacity() + 32);
  return n;
}

LiveTables::~LiveTables() {
  int64_t held = 0;
  for (const auto& c : chunks_) held += c.bytes;
  budget_->used -= held;
}

void LiveTables::mark_dead(uint32_t chunk, uint32_t row) {
  Chunk& c = chunks_[chunk];
  auto dead = std::make_shared<std::vector<uint8_t>>(*c.dead);
  (*dead)[row] = 1;
  c.dead = std::move(dead);
  ++c.dead_rows;
}

void LiveTables::drop_mostly_dead_chunks() {
  bool dropped = false;
  for (auto& c : chunks_) {
    if (c.dead_rows * 2 <= c.table->trace_count()) continue;
    // Its live traces are decoded again with the pending ones.
    for (uint32_t r = 0; r < c.table->trace_count(); ++r) {
      if (!(*c.dead)[r]) pending_.insert(c.table->traces.id[r]);
    }
    budget_->used -= c.bytes;
    c.table.reset();
    dropped = true;
  }
  if (!dropped) return;
  std::vector<Chunk> kept;
  for (auto& c : chunks_) {
    if (c.table) kept.push_back(std::move(c));
  }
  chunks_ = std::move(kept);
  where_.clear();
  for (uint32_t ci = 0; ci < chunks_.size(); ++ci) {
    const auto& c = chunks_[ci];
    for (uint32_t r = 0; r < c.table->trace_count(); ++r) {
      if (!(*c.dead)[r]) where_[c.table->traces.id[r]] = {ci, r};
    }
  }
}

Status LiveTables::groups(const WalBlock& block, bool sealed, std::vector<Group>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  // Catch up with what was appended since the last search.
  std::vector<TraceId> changed;
  synced_ = block.changed_since(synced_, &changed);
  for (const auto& id : changed) {
    auto it = where_.find(id);
    if (it != where_.end()) {
      mark_dead(it->second.chunk, it->second.row);
      where_.erase(it);
    }
    pending_.insert(id);
  }
  drop_mostly_dead_chunks();

  // Pending traces become kept chunks of kChunkTraces each (so building one never holds more
  // than a chunk's worth of decoding state) while the budget allows; the remainder, and
  // anything past the budget, is decoded for this search only.
  std::vector<std::shared_ptr<SpanTable>> unkept;
  std::vector<std::unordered_set<TraceId, TraceIdHash>> batches(1);
  for (const auto& id : pending_) {
    if (batches.back().size() == kChunkTraces) batches.emplace_back();
    batches.back().insert(id);
  }
  // Decoding dominates a first search over a large WAL block: batches are built on every core.
  std::vector<std::shared_ptr<SpanTable>> built(batches.size());
  std::vector<Status> results(batches.size());
  {
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i; (i = next.fetch_add(1)) < batches.size();) {
        built[i] = std::make_shared<SpanTable>();
        results[i] = build(block, batches[i], built[i].get());
      }
    };
    const size_t threads =
        std::min<size_t>(batches.size(), std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
  }
  for (const auto& st : results) TEMPO_RETURN_IF_ERROR(st);
  for (size_t i = 0; i < built.size(); ++i) {
    auto& table = built[i];
    if (table->trace_count() == 0) continue;
    // A full batch is kept; so is the last partial one of a sealed block (no more appends).
    const bool may_keep = batches[i].size() == kChunkTraces || sealed;
    const int64_t bytes = approx_bytes(*table);
    if (!may_keep || budget_->used.load() + bytes > budget_->limit) {
      unkept.push_back(std::move(table));
      continue;
    }
    Chunk c;
    c.table = table;
    c.dead = std::make_shared<const std::vector<uint8_t>>(table->trace_count(), 0);
    c.bytes = bytes;
    c.stats = stats_of(table);
    budget_->used += bytes;
    const auto ci = static_cast<uint32_t>(chunks_.size());
    for (uint32_t r = 0; r < table->trace_count(); ++r) where_[table->traces.id[r]] = {ci, r};
    chunks_.push_back(std::move(c));
  }
  // What is still pending: the unkept remainder (kept chunks are now in where_).
  std::unordered_set<TraceId, TraceIdHash> still;
  for (const auto& t : unkept) {
    for (const auto& id : t->traces.id) still.insert(id);
  }
  pending_ = std::move(still);
  for (const auto& ch : chunks_) {
    out->push_back(Group{ch.table, ch.dead_rows ? ch.dead : nullptr, ch.stats});
  }
  for (auto& t : unkept) out->push_back(Group{t, nullptr, stats_of(t)});
  return Status::ok();
}

}  // namespace tempo::ingester
