#include "ingester/live_tables.h"

#include "ingester/wal_block.h"
#include "tempo/columnar/otlp_columns.h"
#include "tempo/model/trace_combine.h"

namespace tempo::ingester {

using columnar::SpanTable;

namespace {

template <typename V>
int64_t vbytes(const V& v) {
  return static_cast<int64_t>(v.capacity() * sizeof(typename V::value_type));
}

// Decodes `ids` (as the block holds them now) into one table. A trace stored in one piece is
// parsed straight into the builder; pieces of one trace are combined first (dropping spans
// seen twice, as reads by ID do).
Status build(const WalBlock& block, const std::unordered_set<TraceId, TraceIdHash>& ids,
             SpanTable* out) {
  columnar::SpanTableBuilder builder(out);
  std::string payload;
  std::vector<uint64_t> offsets;
  opentelemetry::proto::trace::v1::TracesData data;
  for (const auto& id : ids) {
    if (!block.offsets_of(id, &offsets)) continue;
    TEMPO_RETURN_IF_ERROR(block.read_trace(offsets, &payload));
    if (offsets.size() == 1) {
      data.Clear();
      if (!data.ParseFromString(payload)) continue;  // skipped, as replay skips it
    } else if (!model::combine_segments(std::string_view(payload), &data).is_ok()) {
      continue;
    }
    builder.add_trace(id, data);
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

  std::shared_ptr<SpanTable> fresh;
  if (!pending_.empty()) {
    fresh = std::make_shared<SpanTable>();
    TEMPO_RETURN_IF_ERROR(build(block, pending_, fresh.get()));
  }
  const int64_t fresh_bytes = fresh ? approx_bytes(*fresh) : 0;
  // Keep the pending traces as a chunk once they fill one (or the block takes no more
  // appends) and the budget allows.
  if (fresh && (pending_.size() >= kChunkTraces || sealed) &&
      budget_->used.load() + fresh_bytes <= budget_->limit) {
    Chunk c;
    c.table = fresh;
    c.dead = std::make_shared<const std::vector<uint8_t>>(fresh->trace_count(), 0);
    c.bytes = fresh_bytes;
    c.stats = stats_of(fresh);
    budget_->used += fresh_bytes;
    const auto ci = static_cast<uint32_t>(chunks_.size());
    for (uint32_t r = 0; r < fresh->trace_count(); ++r) where_[fresh->traces.id[r]] = {ci, r};
    chunks_.push_back(std::move(c));
    pending_.clear();
    fresh.reset();
  }
  for (const auto& ch : chunks_) {
    out->push_back(Group{ch.table, ch.dead_rows ? ch.dead : nullptr, ch.stats});
  }
  if (fresh && fresh->trace_count() > 0) out->push_back(Group{fresh, nullptr, stats_of(fresh)});
  return Status::ok();
}

}  // namespace tempo::ingester
