// vcpp2 reader. By ID: bloom shard, index, then the one row group that can hold the ID in a
// single ranged read, from which only the trace's rows are decoded (TraceSlicer) and
// assembled back into OTLP. Scan: per row
// group, the dictionary chunk alone first (so the engine can skip the group having read
// nothing else), then the chunks the column set needs, fetched with as few ranged reads as
// coalescing allows.

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <vector>

#include "block/block_format.h"
#include "block/block_io.h"
#include "block/vcpp2/chunk_codec.h"
#include "block/vcpp2/chunk_frames.h"
#include "block/vcpp2/layout.h"
#include "block/vcpp2/string_filter.h"
#include "block/vcpp2/trace_slice.h"
#include "block/vcpp2/vcpp2_internal.h"
#include "block/zstd_codec.h"
#include "tempo/columnar/otlp_columns.h"

namespace tempo::block::vcpp2 {
namespace {

using columnar::AttrOwner;
using columnar::ColumnSet;
using columnar::kAttrOwnerCount;
using columnar::SpanTable;
using columnar::ValueType;
using Index = std::vector<RowGroup>;

// Chunks separated by less than this are fetched in one ranged read: an object store request
// costs more than reading this many extra bytes.
constexpr uint32_t kCoalesceGapBytes = 64 * 1024;

constexpr uint8_t kBlobTypes = (1u << static_cast<int>(ValueType::kArray)) |
                               (1u << static_cast<int>(ValueType::kKvList)) |
                               (1u << static_cast<int>(ValueType::kBytes));

// Which chunks of one row group to decode.
struct Selection {
  std::array<bool, kFixedChunks> fixed{};
  std::array<std::vector<uint32_t>, kAttrOwnerCount> keys;  // per-key owners: stats indexes
  std::array<bool, kAttrOwnerCount> shared{};
};

// Per-key chunks are decoded in data order, which is key-id order (what AttrTable::keys
// needs); the statistics list them in key-text order.
void sort_by_offset(const RowGroup& g, int o, std::vector<uint32_t>* keys) {
  std::sort(keys->begin(), keys->end(), [&](uint32_t a, uint32_t b) {
    return g.attr_chunks[o][a].offset < g.attr_chunks[o][b].offset;
  });
}

void select_everything(const RowGroup& g, Selection* sel) {
  sel->fixed.fill(true);
  for (int o = 0; o < kAttrOwnerCount; ++o) {
    sel->keys[o].clear();
    if (per_key_chunks(o)) {
      for (uint32_t i = 0; i < g.stats.attrs[o].size(); ++i) sel->keys[o].push_back(i);
      sort_by_offset(g, o, &sel->keys[o]);
    } else {
      sel->shared[o] = !g.attr_chunks[o].empty();
    }
  }
}

void select_columns(const RowGroup& g, const ColumnSet& cols, Selection* sel) {
  if (cols.everything) return select_everything(g, sel);
  sel->fixed.fill(false);
  for (Chunk c : {Chunk::kDict, Chunk::kStructure, Chunk::kTraceIds, Chunk::kSpanIds,
                  Chunk::kParents, Chunk::kStart, Chunk::kDuration, Chunk::kName}) {
    sel->fixed[static_cast<int>(c)] = true;
  }
  sel->fixed[static_cast<int>(Chunk::kKind)] = cols.span_kind;
  sel->fixed[static_cast<int>(Chunk::kStatus)] = cols.span_status;
  sel->fixed[static_cast<int>(Chunk::kSpanMisc)] = cols.span_misc;
  sel->fixed[static_cast<int>(Chunk::kScopes)] = cols.scopes;
  sel->fixed[static_cast<int>(Chunk::kEvents)] = cols.events;
  sel->fixed[static_cast<int>(Chunk::kLinks)] = cols.links;
  bool blobs = false;
  for (int o = 0; o < kAttrOwnerCount; ++o) {
    const auto& st = g.stats.attrs[o];
    auto& keys = sel->keys[o];
    keys.clear();
    sel->shared[o] = false;
    auto want = [&](uint32_t i) {
      blobs = blobs || (st[i].types & kBlobTypes);
      if (per_key_chunks(o)) {
        keys.push_back(i);
      } else {
        sel->shared[o] = !g.attr_chunks[o].empty();
      }
    };
    auto find = [&](std::string_view key) {
      auto it = std::lower_bound(
          st.begin(), st.end(), key,
          [](const columnar::AttrKeyStats& s, std::string_view k) { return s.key < k; });
      if (it != st.end() && it->key == key) want(static_cast<uint32_t>(it - st.begin()));
    };
    if (cols.all_attrs[o]) {
      for (uint32_t i = 0; i < st.size(); ++i) want(i);
    } else {
      for (const auto& k : cols.attr_keys[o]) find(k);
      // Always loaded: the resources' service.name (search results and derived columns).
      if (o == static_cast<int>(AttrOwner::kResource)) find("service.name");
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    sort_by_offset(g, o, &keys);
  }
  sel->fixed[static_cast<int>(Chunk::kBlobs)] = blobs;
}

// Compressed bytes of the chunks of one group held in memory: either the whole group or a
// few coalesced ranges of it.
class GroupBytes {
 public:
  // The whole group in one read.
  Status read_all(BlockIo& io, const RowGroup& g) {
    ranges_.resize(1);
    ranges_[0].begin = 0;
    ranges_[0].end = g.length;
    used_ = 1;
    return io.read_range(format::kDataObject, g.offset, g.length, &ranges_[0].bytes);
  }
  // Just the chunks in `want` (offsets within the group), merging neighbours.
  Status read(BlockIo& io, const RowGroup& g, std::vector<ChunkRef>* want) {
    std::sort(want->begin(), want->end(),
              [](const ChunkRef& a, const ChunkRef& b) { return a.offset < b.offset; });
    used_ = 0;
    for (const auto& c : *want) {
      if (c.length == 0) continue;
      if (used_ > 0 && c.offset <= ranges_[used_ - 1].end + kCoalesceGapBytes) {
        ranges_[used_ - 1].end = std::max(ranges_[used_ - 1].end, c.offset + c.length);
        continue;
      }
      if (ranges_.size() == used_) ranges_.emplace_back();
      ranges_[used_].begin = c.offset;
      ranges_[used_].end = c.offset + c.length;
      ++used_;
    }
    for (size_t i = 0; i < used_; ++i) {
      auto& r = ranges_[i];
      TEMPO_RETURN_IF_ERROR(
          io.read_range(format::kDataObject, g.offset + r.begin, r.end - r.begin, &r.bytes));
    }
    return Status::ok();
  }
  std::string_view chunk(const ChunkRef& c) const {
    for (size_t i = 0; i < used_; ++i) {
      const auto& r = ranges_[i];
      if (c.offset >= r.begin && c.offset + c.length <= r.end) {
        return std::string_view(r.bytes).substr(c.offset - r.begin, c.length);
      }
    }
    return {};  // not fetched: a caller bug, reported as corruption by the decoder
  }

 private:
  struct Range {
    uint32_t begin = 0, end = 0;
    std::string bytes;
  };
  std::vector<Range> ranges_;
  size_t used_ = 0;
};

// Per-scan (or per-thread, for lookups) buffers, reused from one row group to the next.
struct Decoder {
  GroupBytes bytes;
  std::string raw_buf;   // only grows
  std::string_view raw;  // the chunk just inflated, in raw_buf
  Selection sel;
  std::vector<ChunkRef> want;
  SpanTable table;

  Status inflate(const ChunkRef& c, std::string_view compressed) {
    return inflate_chunk(compressed, c, &raw_buf, &raw);
  }

  // Decodes the selected chunks except kDict (already in table.strings). Derived columns are
  // for search; assembling a trace needs only stored ones, so lookups skip them.
  Status decode(const RowGroup& g, bool derive = true) {
    for (int c = static_cast<int>(Chunk::kStructure); c < kFixedChunks; ++c) {
      if (!sel.fixed[c]) continue;
      TEMPO_RETURN_IF_ERROR(inflate(g.fixed[c], bytes.chunk(g.fixed[c])));
      TEMPO_RETURN_IF_ERROR(decode_chunk(static_cast<Chunk>(c), raw, g, &table));
    }
    for (int o = 0; o < kAttrOwnerCount; ++o) {
      if (per_key_chunks(o)) {
        for (uint32_t i : sel.keys[o]) {
          const ChunkRef& c = g.attr_chunks[o][i];
          TEMPO_RETURN_IF_ERROR(inflate(c, bytes.chunk(c)));
          TEMPO_RETURN_IF_ERROR(decode_attrs(o, false, raw, &table));
        }
      } else if (sel.shared[o]) {
        const ChunkRef& c = g.attr_chunks[o][0];
        TEMPO_RETURN_IF_ERROR(inflate(c, bytes.chunk(c)));
        TEMPO_RETURN_IF_ERROR(decode_attrs(o, true, raw, &table));
      }
    }
    if (derive) table.derive();
    return Status::ok();
  }

  Status decode_dict(const RowGroup& g) {
    reset_table(&table);
    const ChunkRef& c = g.chunk(Chunk::kDict);
    TEMPO_RETURN_IF_ERROR(inflate(c, bytes.chunk(c)));
    return decode_chunk(Chunk::kDict, raw, g, &table);
  }

  // Reads and decodes a whole group for assembling every trace of it (whole-trace scans).
  Status load_all(BlockIo& io, const RowGroup& g) {
    TEMPO_RETURN_IF_ERROR(bytes.read_all(io, g));
    select_everything(g, &sel);
    TEMPO_RETURN_IF_ERROR(decode_dict(g));
    return decode(g, /*derive=*/false);
  }
};

// Per-thread buffers of a by-ID lookup.
struct Lookup {
  RowGroup entry;  // the index entry of the group read
  std::string group;
  TraceSlicer slicer;
  SpanTable table;
};

class Reader final : public FormatReader {
 public:
  Reader(BlockIo& io, const BlockMeta& meta) : io_(io), meta_(meta) {}

  Status find(const TraceId& id, std::string* payload, bool* found) override {
    std::shared_ptr<const Locator> loc;
    TEMPO_RETURN_IF_ERROR(load_locator(&loc));
    auto e = std::lower_bound(loc->groups.begin(), loc->groups.end(), id,
                              [](const GroupEntry& g, const TraceId& v) { return g.last < v; });
    if (e == loc->groups.end() || id < e->first) return Status::ok();
    thread_local Lookup l;
    Status s = decode_group(loc->raw, *e, meta_.size, &l.entry);
    if (!s.is_ok()) return Status::corruption(io_.key(format::kIndexObject) + ": " + s.message());
    const RowGroup& g = l.entry;
    // Only the trace's rows are decoded: the group is read whole (one ranged read) but
    // other traces' rows are skipped in each chunk.
    TEMPO_RETURN_IF_ERROR(io_.read_range(format::kDataObject, g.offset, g.length, &l.group));
    bool hit = false;
    TEMPO_RETURN_IF_ERROR(annotate(l.slicer.slice(g, l.group, id, &l.table, &hit), g));
    if (!hit) return Status::ok();
    columnar::assemble_trace(l.table, 0, &trace_scratch());
    if (!trace_scratch().SerializeToString(payload)) {
      return Status::internal("serializing trace " + id.hex());
    }
    *found = true;
    return Status::ok();
  }

  Status scan_traces(const std::function<Status(const TraceId&, std::string_view)>& fn,
                     const columnar::ScanPart& part) override {
    std::shared_ptr<const Index> index;
    TEMPO_RETURN_IF_ERROR(load_index(&index));
    Decoder d;
    std::string payload;
    for (size_t gi = part.first(index->size()); gi < part.end(index->size()); ++gi) {
      const auto& g = (*index)[gi];
      TEMPO_RETURN_IF_ERROR(annotate(d.load_all(io_, g), g));
      for (uint32_t t = 0; t < d.table.trace_count(); ++t) {
        columnar::assemble_trace(d.table, t, &trace_scratch());
        if (!trace_scratch().SerializeToString(&payload)) {
          return Status::internal("serializing trace " + d.table.traces.id[t].hex());
        }
        TEMPO_RETURN_IF_ERROR(fn(d.table.traces.id[t], payload));
      }
    }
    return Status::ok();
  }

  Status scan_spans(const ColumnSet& cols, const columnar::RowGroupFilter& keep,
                    const columnar::RowGroupFn& fn, const columnar::ScanPart& part,
                    columnar::ScanStats* stats) override {
    // Either the decoded index, cached for the queries to come, or (cols.once) the raw one,
    // each group's entry decoded into `located` as it comes.
    std::shared_ptr<const Index> index;
    std::shared_ptr<const Locator> loc;
    RowGroup located;
    if (cols.once) {
      TEMPO_RETURN_IF_ERROR(load_locator(&loc));
    } else {
      TEMPO_RETURN_IF_ERROR(load_index(&index));
    }
    const size_t groups = index ? index->size() : loc->groups.size();
    const size_t first = part.first(groups), end = part.end(groups);
    if (keep && index) {
      // The whole block first: a literal its string filter rules out, or a key or range no
      // group has, skips every group without reading one dictionary.
      std::shared_ptr<const columnar::RowGroupStats> whole;
      TEMPO_RETURN_IF_ERROR(block_stats(*index, &whole));
      if (!keep(*whole)) {
        stats->row_groups += end - first;
        stats->row_groups_skipped += end - first;
        return Status::ok();
      }
    }
    Decoder d;
    columnar::RowGroupStats rg;
    for (size_t gi = first; gi < end; ++gi) {
      if (loc) {
        Status s = decode_group(loc->raw, loc->groups[gi], meta_.size, &located);
        if (!s.is_ok())
          return Status::corruption(io_.key(format::kIndexObject) + ": " + s.message());
      }
      const RowGroup& g = index ? (*index)[gi] : located;
      stats->row_groups++;
      const uint64_t before = io_.bytes_read();
      // The dictionary alone first: a literal it lacks lets the engine skip the group having
      // read nothing else of it.
      d.want.assign(1, g.chunk(Chunk::kDict));
      TEMPO_RETURN_IF_ERROR(d.bytes.read(io_, g, &d.want));
      TEMPO_RETURN_IF_ERROR(annotate(d.decode_dict(g), g));
      rg = g.stats;
      rg.strings = &d.table.strings;
      if (keep && !keep(rg)) {
        stats->row_groups_skipped++;
        stats->bytes_read += io_.bytes_read() - before;
        continue;
      }
      select_columns(g, cols, &d.sel);
      d.want.clear();
      for (int c = static_cast<int>(Chunk::kStructure); c < kFixedChunks; ++c) {
        if (d.sel.fixed[c]) d.want.push_back(g.fixed[c]);
      }
      for (int o = 0; o < kAttrOwnerCount; ++o) {
        for (uint32_t i : d.sel.keys[o]) d.want.push_back(g.attr_chunks[o][i]);
        if (d.sel.shared[o]) d.want.push_back(g.attr_chunks[o][0]);
      }
      TEMPO_RETURN_IF_ERROR(d.bytes.read(io_, g, &d.want));
      stats->bytes_read += io_.bytes_read() - before;
      TEMPO_RETURN_IF_ERROR(annotate(d.decode(g, cols.derived), g));
      stats->traces_inspected += d.table.trace_count();
      stats->spans_inspected += d.table.span_count();
      // The decoder reuses the table's capacity for the next group, and copes with a table
      // moved out (it clears it first).
      TEMPO_RETURN_IF_ERROR(fn(columnar::RowGroup{d.table, nullptr, &d.table}));
    }
    return Status::ok();
  }

 private:
  static opentelemetry::proto::trace::v1::TracesData& trace_scratch() {
    thread_local opentelemetry::proto::trace::v1::TracesData t;
    return t;
  }

  // Names the group in a decoding error.
  Status annotate(Status s, const RowGroup& g) const {
    if (s.is_ok() || !s.is(Status::Code::kCorruption)) return s;
    return Status::corruption(io_.key(format::kDataObject) + ": row group at offset " +
                              std::to_string(g.offset) + ": " + s.message());
  }

  Status load_index(std::shared_ptr<const Index>* out) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (index_) {
        *out = index_;
        return Status::ok();
      }
    }
    // Read outside the lock; two first lookups may both read it, the second result is dropped.
    std::string raw;
    TEMPO_RETURN_IF_ERROR(io_.read_whole(format::kIndexObject, &raw));
    const std::string key = io_.key(format::kIndexObject);
    auto groups = std::make_shared<Index>();
    Status s = decode_index(raw, meta_.size, groups.get());
    if (!s.is_ok()) return Status::corruption(key + ": " + s.message());
    uint64_t traces = 0;
    for (const auto& g : *groups) traces += g.stats.traces;
    if (traces != meta_.total_objects || groups->size() != meta_.total_records) {
      return Status::corruption(key + " does not match meta.json");
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (!index_) index_ = std::move(groups);
    *out = index_;
    return Status::ok();
  }

  // The plain index and where each group's entry is in it: lookups by ID decode the entry of
  // the one group they read, so a cold lookup does not pay for every group's statistics.
  struct Locator {
    std::string raw;
    std::vector<GroupEntry> groups;
  };
  Status load_locator(std::shared_ptr<const Locator>* out) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (locator_) {
        *out = locator_;
        return Status::ok();
      }
    }
    auto loc = std::make_shared<Locator>();
    TEMPO_RETURN_IF_ERROR(io_.read_whole(format::kIndexObject, &loc->raw));
    const std::string key = io_.key(format::kIndexObject);
    uint64_t traces = 0;
    Status s = locate_groups(loc->raw, meta_.size, &loc->groups, &traces);
    if (!s.is_ok()) return Status::corruption(key + ": " + s.message());
    if (traces != meta_.total_objects || loc->groups.size() != meta_.total_records) {
      return Status::corruption(key + " does not match meta.json");
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (!locator_) locator_ = std::move(loc);
    *out = locator_;
    return Status::ok();
  }

  // Statistics of the whole block (the union of its groups'), with the block's string filter
  // when it has one. Built on first use and kept.
  Status block_stats(const Index& index, std::shared_ptr<const columnar::RowGroupStats>* out) {
    std::lock_guard<std::mutex> lock(mu_);
    if (block_stats_) {
      *out = block_stats_;
      return Status::ok();
    }
    auto st = std::make_shared<columnar::RowGroupStats>();
    st->whole_block = true;
    std::array<std::map<std::string, columnar::AttrKeyStats>, kAttrOwnerCount> keys;
    bool first = true;
    for (const auto& g : index) {
      const auto& s = g.stats;
      st->traces += s.traces;
      st->spans += s.spans;
      st->start_min = first ? s.start_min : std::min(st->start_min, s.start_min);
      st->end_max = std::max(st->end_max, s.end_max);
      st->duration_min = first ? s.duration_min : std::min(st->duration_min, s.duration_min);
      st->duration_max = std::max(st->duration_max, s.duration_max);
      first = false;
      for (int o = 0; o < kAttrOwnerCount; ++o) {
        for (const auto& k : s.attrs[o]) {
          auto [it, fresh] = keys[o].try_emplace(k.key, k);
          if (fresh) continue;
          columnar::AttrKeyStats& u = it->second;
          const uint8_t had = u.types;
          u.types |= k.types;
          const auto int_bit = uint8_t(1u << static_cast<int>(ValueType::kInt));
          const auto dbl_bit = uint8_t(1u << static_cast<int>(ValueType::kDouble));
          if (k.types & int_bit) {
            u.int_min = (had & int_bit) ? std::min(u.int_min, k.int_min) : k.int_min;
            u.int_max = (had & int_bit) ? std::max(u.int_max, k.int_max) : k.int_max;
          }
          if (k.types & dbl_bit) {
            u.double_min = (had & dbl_bit) ? std::min(u.double_min, k.double_min) : k.double_min;
            u.double_max = (had & dbl_bit) ? std::max(u.double_max, k.double_max) : k.double_max;
          }
        }
      }
    }
    for (int o = 0; o < kAttrOwnerCount; ++o) {
      for (auto& [name, k] : keys[o]) st->attrs[o].push_back(std::move(k));  // map: sorted
    }
    if (std::find(meta_.columns.begin(), meta_.columns.end(), kStringFilterObject) !=
        meta_.columns.end()) {
      std::string raw;
      TEMPO_RETURN_IF_ERROR(io_.read_whole(kStringFilterObject, &raw));
      auto filter = std::make_shared<BloomFilter>();
      TEMPO_RETURN_IF_ERROR(BloomFilter::decode(raw, filter.get()));
      st->may_hold_string = [filter](std::string_view s) {
        return filter->may_contain(string_filter_key(s));
      };
    }
    block_stats_ = st;
    *out = st;
    return Status::ok();
  }

  BlockIo& io_;
  const BlockMeta& meta_;
  mutable std::mutex mu_;
  std::shared_ptr<const columnar::RowGroupStats> block_stats_;
  std::shared_ptr<const Index> index_;
  std::shared_ptr<const Locator> locator_;
};

}  // namespace

std::unique_ptr<FormatReader> new_reader(BlockIo& io, const BlockMeta& meta) {
  return std::make_unique<Reader>(io, meta);
}

}  // namespace tempo::block::vcpp2
