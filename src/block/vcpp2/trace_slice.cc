#include "block/vcpp2/trace_slice.h"

#include <algorithm>
#include <cstring>

#include "block/vcpp2/bytes.h"
#include "block/vcpp2/chunk_codec.h"
#include "block/zstd_codec.h"

namespace tempo::block::vcpp2 {

using columnar::AttrOwner;
using columnar::AttrTable;
using columnar::kAttrOwnerCount;
using columnar::kNoRow;
using columnar::SpanTable;
using columnar::ValueType;

namespace {

// Parent codes, as chunk_codec.cc writes them.
constexpr uint64_t kNoParent = 0;
constexpr uint64_t kExplicitParent = 1;
constexpr uint64_t kLocalParentBase = 2;
constexpr uint8_t kMixedTypes = 0xFF;

Status corrupt(Chunk c, const char *what) {
  return Status::corruption("vcpp2 chunk " + std::to_string(static_cast<int>(c)) + ": " + what);
}

Status corrupt_attrs(int owner, const char *what) {
  return Status::corruption("vcpp2 attribute chunk (owner kind " + std::to_string(owner) +
                            "): " + what);
}

// Rows [b, e) of a column of n varints (b <= e <= n), leaving `r` after the
// column.
template <typename T, typename Get>
bool varint_rows(ByteReader &r, size_t n, uint32_t b, uint32_t e, std::vector<T> *out, Get get) {
  if (n > r.remaining() || !r.skip_varints(b)) return false;
  out->resize(e - b);
  for (auto &v : *out) {
    if (!get(r, &v)) return false;
  }
  return r.skip_varints(n - e);
}

bool u32_rows(ByteReader &r, size_t n, uint32_t b, uint32_t e, std::vector<uint32_t> *out) {
  return varint_rows(r, n, b, e, out, [](ByteReader &r, uint32_t *v) { return r.u32(v); });
}

// Rows [b, e) of n bytes.
bool byte_rows(ByteReader &r, size_t n, uint32_t b, uint32_t e, std::vector<uint8_t> *out) {
  std::string_view col;
  if (!r.bytes(n, &col)) return false;
  out->assign(col.begin() + b, col.begin() + e);
  return true;
}

// Offsets column rows [b, e] rebased to start at 0.
void rebase(const std::vector<uint32_t> &off, uint32_t b, uint32_t e, std::vector<uint32_t> *out) {
  out->resize(e - b + 1);
  for (uint32_t i = b; i <= e; ++i) (*out)[i - b] = off[i] - off[b];
}

// Skips one value of type `t` (valid: checked by the caller).
bool skip_value(ByteReader &r, ValueType t) {
  switch (t) {
    case ValueType::kEmpty:
      return true;
    case ValueType::kDouble:
      return r.skip(8);
    default:
      return r.skip_varints(1);
  }
}

}  // namespace

Status TraceSlicer::inflate(const ChunkRef &c, std::string *buf, std::string_view *out) const {
  if (uint64_t{c.offset} + c.length > group_.size()) {
    return Status::corruption("vcpp2 chunk lies outside its row group");
  }
  return inflate_chunk(group_.substr(c.offset, c.length), c, buf, out);
}

Status TraceSlicer::inflate_rows(const ChunkRef &c, uint32_t row, uint32_t rows, ChunkFrame *f,
                                 bool *present) {
  *present = true;
  if (uint64_t{c.offset} + c.length > group_.size()) {
    return Status::corruption("vcpp2 chunk lies outside its row group");
  }
  const std::string_view chunk = group_.substr(c.offset, c.length);
  if (!has_frame_table(chunk)) {
    *f = ChunkFrame{0, rows, 0, c.length, c.raw_length, 0};
    return thread_local_decompressor().decompress_into(chunk, c.raw_length, &buf_, &raw_);
  }
  TEMPO_RETURN_IF_ERROR(read_frame_table(chunk, c, rows, &frames_));
  auto it = std::upper_bound(frames_.begin(), frames_.end(), row,
                             [](uint32_t r, const ChunkFrame &fr) { return r < fr.first_row; });
  if (it == frames_.begin()) {
    *present = false;
    return Status::ok();
  }
  *f = *(it - 1);
  return thread_local_decompressor().decompress_into(chunk.substr(f->offset, f->length),
                                                     f->raw_length, &buf_, &raw_);
}

Status TraceSlicer::slice(const RowGroup &g, std::string_view group, const TraceId &id,
                          SpanTable *out, bool *found) {
  group_ = group;
  // The trace IDs first: a bloom false positive costs one small chunk.
  TEMPO_RETURN_IF_ERROR(inflate(g.chunk(Chunk::kTraceIds), &buf_, &raw_));
  const size_t nt = g.stats.traces;
  if (raw_.size() != nt * 16) return corrupt(Chunk::kTraceIds, "size does not match the index");
  size_t lo = 0, hi = nt;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (std::memcmp(raw_.data() + 16 * mid, id.bytes.data(), 16) < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == nt || std::memcmp(raw_.data() + 16 * lo, id.bytes.data(), 16) != 0) {
    return Status::ok();
  }
  const auto trace = static_cast<uint32_t>(lo);

  reset_table(&structure_);
  TEMPO_RETURN_IF_ERROR(inflate(g.chunk(Chunk::kStructure), &buf_, &raw_));
  TEMPO_RETURN_IF_ERROR(decode_chunk(Chunk::kStructure, raw_, g, &structure_));
  const auto &st = structure_;
  resources_ = {st.traces.resource_offsets[trace], st.traces.resource_offsets[trace + 1]};
  scopes_ = {st.resources.scope_offsets[resources_.begin],
             st.resources.scope_offsets[resources_.end]};
  spans_ = {st.scopes.span_offsets[scopes_.begin], st.scopes.span_offsets[scopes_.end]};
  events_ = {st.spans.event_offsets[spans_.begin], st.spans.event_offsets[spans_.end]};
  links_ = {st.spans.link_offsets[spans_.begin], st.spans.link_offsets[spans_.end]};

  reset_table(out);
  out->traces.id.assign(1, id);
  out->traces.resource_offsets = {0, resources_.end - resources_.begin};
  rebase(st.resources.scope_offsets, resources_.begin, resources_.end,
         &out->resources.scope_offsets);
  rebase(st.scopes.span_offsets, scopes_.begin, scopes_.end, &out->scopes.span_offsets);
  rebase(st.spans.event_offsets, spans_.begin, spans_.end, &out->spans.event_offsets);
  rebase(st.spans.link_offsets, spans_.begin, spans_.end, &out->spans.link_offsets);

  TEMPO_RETURN_IF_ERROR(load_dict(g));
  TEMPO_RETURN_IF_ERROR(slice_spans(g, trace, out));
  TEMPO_RETURN_IF_ERROR(slice_events_links(g, out));
  TEMPO_RETURN_IF_ERROR(slice_attrs(g, out));
  TEMPO_RETURN_IF_ERROR(resolve_blobs(g, out));
  out->strings.assign(std::move(strings_));
  strings_ = {};
  *found = true;
  return Status::ok();
}

// The dictionary as offsets into its plain bytes: no string is copied until the
// trace uses it.
Status TraceSlicer::load_dict(const RowGroup &g) {
  TEMPO_RETURN_IF_ERROR(inflate(g.chunk(Chunk::kDict), &dict_buf_, &dict_));
  ByteReader r(dict_);
  uint64_t n;
  if (!r.varint(&n) || n > r.remaining()) return corrupt(Chunk::kDict, "bad string count");
  // Lengths first, as offsets relative to the start of the string bytes.
  dict_offsets_.resize(n + 2);
  dict_offsets_[0] = dict_offsets_[1] = 0;  // id 0 is ""
  uint64_t total = 0;
  for (uint64_t i = 1; i <= n; ++i) {
    uint64_t len;
    if (!r.varint(&len)) return corrupt(Chunk::kDict, "truncated lengths");
    total += len;
    if (total > r.remaining()) return corrupt(Chunk::kDict, "truncated strings");
    dict_offsets_[i + 1] = static_cast<uint32_t>(total);
  }
  if (total != r.remaining()) return corrupt(Chunk::kDict, "trailing bytes");
  const auto base = static_cast<uint32_t>(dict_.size() - r.remaining());
  for (auto &o : dict_offsets_) o += base;
  remap_.assign(n + 1, kNoRow);
  remap_[0] = 0;
  strings_.clear();
  strings_.emplace_back();
  return Status::ok();
}

uint32_t TraceSlicer::string_id(uint32_t group_id) {
  uint32_t &m = remap_[group_id];
  if (m == kNoRow) {
    m = static_cast<uint32_t>(strings_.size());
    strings_.emplace_back(dict_.data() + dict_offsets_[group_id],
                          dict_offsets_[group_id + 1] - dict_offsets_[group_id]);
  }
  return m;
}

bool TraceSlicer::string_rows(ByteReader &r, size_t n, Range rows, std::vector<uint32_t> *out) {
  const auto pool = static_cast<uint32_t>(remap_.size());
  return varint_rows(r, n, rows.begin, rows.end, out, [&](ByteReader &r, uint32_t *v) {
    if (!r.u32(v) || *v >= pool) return false;
    *v = string_id(*v);
    return true;
  });
}

Status TraceSlicer::slice_spans(const RowGroup &g, uint32_t trace, SpanTable *out) {
  const SpanTable &st = structure_;
  const size_t ns = st.span_count(), nr = st.resource_count(), nc = st.scope_count();
  const auto [s0, s1] = spans_;
  const uint32_t n = s1 - s0;
  auto &sp = out->spans;
  auto chunk = [&](Chunk c) { return inflate(g.chunk(c), &buf_, &raw_); };
  // The span columns may be framed: the frame holding the trace, whose rows
  // [f.first_row, f.end_row) are the frame's rows [0, rows); the trace's are [b, e).
  ChunkFrame f;
  uint32_t b = 0, e = 0, rows = 0;
  auto span_frame = [&](Chunk c) -> Status {
    bool present = false;
    TEMPO_RETURN_IF_ERROR(inflate_rows(g.chunk(c), s0, static_cast<uint32_t>(ns), &f, &present));
    if (!present || s1 > f.end_row) return corrupt(c, "no frame holds the trace's spans");
    b = s0 - f.first_row;
    e = s1 - f.first_row;
    rows = f.end_row - f.first_row;
    return Status::ok();
  };

  TEMPO_RETURN_IF_ERROR(span_frame(Chunk::kSpanIds));
  if (raw_.size() != rows * size_t{8}) {
    return corrupt(Chunk::kSpanIds, "size does not match the span count");
  }
  {
    ByteReader r(std::string_view(raw_).substr(b * size_t{8}));
    sp.id.resize(n);
    for (auto &v : sp.id) r.fixed64(&v);
  }

  // Parents: codes before the trace are skipped (an explicit ID is 8 bytes
  // more).
  TEMPO_RETURN_IF_ERROR(span_frame(Chunk::kParents));
  {
    ByteReader r(raw_);
    bool ok = true;
    for (uint32_t s = 0; s < b && ok; ++s) {
      uint64_t code;
      ok = r.varint(&code) && (code != kExplicitParent || r.skip(8));
    }
    sp.parent_id.resize(n);
    for (uint32_t i = 0; i < n && ok; ++i) {
      uint64_t code;
      if (!r.varint(&code)) {
        ok = false;
      } else if (code == kNoParent) {
        sp.parent_id[i] = 0;
      } else if (code == kExplicitParent) {
        ok = r.fixed64(&sp.parent_id[i]);
      } else if (code - kLocalParentBase < n) {
        sp.parent_id[i] = sp.id[code - kLocalParentBase];
      } else {
        ok = false;
      }
    }
    if (!ok) return corrupt(Chunk::kParents, "bad parent reference");
  }

  // Start: each trace's first span is a delta from the previous trace's first
  // span (for the first of a frame, from the frame's state).
  TEMPO_RETURN_IF_ERROR(span_frame(Chunk::kStart));
  {
    ByteReader r(raw_);
    const auto &ro = st.traces.resource_offsets;
    const auto &so = st.resources.scope_offsets;
    const auto &po = st.scopes.span_offsets;
    uint64_t base = f.state;
    bool ok = true;
    for (uint32_t tr = 0; tr < trace && ok; ++tr) {
      const uint32_t tb = po[so[ro[tr]]], te = po[so[ro[tr + 1]]];
      if (te <= f.first_row) continue;  // before the frame
      if (tb < f.first_row) return corrupt(Chunk::kStart, "a frame cuts a trace");
      const uint32_t count = te - tb;
      if (count == 0) continue;
      int64_t d = 0;
      ok = r.zz(&d) && r.skip_varints(count - 1);
      base += static_cast<uint64_t>(d);
    }
    sp.start.resize(n);
    if (n > 0 && ok) {
      int64_t d = 0;
      ok = r.zz(&d);
      base += static_cast<uint64_t>(d);
      sp.start[0] = base;
      for (uint32_t i = 1; i < n && ok; ++i) {
        ok = r.zz(&d);
        sp.start[i] = base + static_cast<uint64_t>(d);
      }
    }
    if (!ok) return corrupt(Chunk::kStart, "truncated");
  }

  TEMPO_RETURN_IF_ERROR(span_frame(Chunk::kDuration));
  {
    ByteReader r(raw_);
    if (!varint_rows(r, rows, b, e, &sp.duration,
                     [](ByteReader &r, uint64_t *v) { return r.varint(v); })) {
      return corrupt(Chunk::kDuration, "truncated");
    }
  }
  TEMPO_RETURN_IF_ERROR(span_frame(Chunk::kName));
  {
    ByteReader r(raw_);
    if (!string_rows(r, rows, {b, e}, &sp.name)) return corrupt(Chunk::kName, "bad string id");
  }
  TEMPO_RETURN_IF_ERROR(span_frame(Chunk::kKind));
  {
    ByteReader r(raw_);
    if (!byte_rows(r, rows, b, e, &sp.kind)) return corrupt(Chunk::kKind, "truncated");
  }
  TEMPO_RETURN_IF_ERROR(chunk(Chunk::kStatus));
  {
    ByteReader r(raw_);
    if (!byte_rows(r, ns, s0, s1, &sp.status_code) ||
        !string_rows(r, ns, spans_, &sp.status_message)) {
      return corrupt(Chunk::kStatus, "truncated or malformed");
    }
  }
  TEMPO_RETURN_IF_ERROR(chunk(Chunk::kSpanMisc));
  {
    ByteReader r(raw_);
    if (!string_rows(r, ns, spans_, &sp.trace_state) || !u32_rows(r, ns, s0, s1, &sp.flags) ||
        !u32_rows(r, ns, s0, s1, &sp.dropped_attributes) ||
        !u32_rows(r, ns, s0, s1, &sp.dropped_events) ||
        !u32_rows(r, ns, s0, s1, &sp.dropped_links)) {
      return corrupt(Chunk::kSpanMisc, "truncated or malformed");
    }
  }
  TEMPO_RETURN_IF_ERROR(chunk(Chunk::kResources));
  {
    ByteReader r(raw_);
    auto &rs = out->resources;
    if (!string_rows(r, nr, resources_, &rs.schema_url) ||
        !u32_rows(r, nr, resources_.begin, resources_.end, &rs.dropped_attributes)) {
      return corrupt(Chunk::kResources, "truncated or malformed");
    }
  }
  TEMPO_RETURN_IF_ERROR(chunk(Chunk::kScopes));
  {
    ByteReader r(raw_);
    auto &sc = out->scopes;
    if (!string_rows(r, nc, scopes_, &sc.name) || !string_rows(r, nc, scopes_, &sc.version) ||
        !string_rows(r, nc, scopes_, &sc.schema_url) ||
        !u32_rows(r, nc, scopes_.begin, scopes_.end, &sc.dropped_attributes)) {
      return corrupt(Chunk::kScopes, "truncated or malformed");
    }
  }
  return Status::ok();
}

// Events and links, whose chunks are read only when the trace has some.
Status TraceSlicer::slice_events_links(const RowGroup &g, SpanTable *out) {
  const size_t ne = structure_.event_count(), nl = structure_.link_count();
  auto &sp = out->spans;
  if (events_.end > events_.begin) {
    TEMPO_RETURN_IF_ERROR(inflate(g.chunk(Chunk::kEvents), &buf_, &raw_));
    ByteReader r(raw_);
    auto &ev = out->events;
    std::vector<int64_t> delta;
    bool ok = varint_rows(r, ne, events_.begin, events_.end, &delta,
                          [](ByteReader &r, int64_t *v) { return r.zz(v); });
    if (ok) {
      ev.time.resize(delta.size());
      for (size_t s = 0; s + 1 < sp.event_offsets.size(); ++s) {
        for (uint32_t e = sp.event_offsets[s]; e < sp.event_offsets[s + 1]; ++e) {
          ev.time[e] = sp.start[s] + static_cast<uint64_t>(delta[e]);
        }
      }
    }
    ok = ok && string_rows(r, ne, events_, &ev.name) &&
         u32_rows(r, ne, events_.begin, events_.end, &ev.dropped_attributes);
    if (!ok) return corrupt(Chunk::kEvents, "truncated or malformed");
  }
  if (links_.end > links_.begin) {
    TEMPO_RETURN_IF_ERROR(inflate(g.chunk(Chunk::kLinks), &buf_, &raw_));
    ByteReader r(raw_);
    auto &ln = out->links;
    std::string_view ids, span_ids;
    if (nl > r.remaining() / 24 || !r.bytes(nl * 16, &ids) || !r.bytes(nl * 8, &span_ids)) {
      return corrupt(Chunk::kLinks, "truncated");
    }
    const uint32_t n = links_.end - links_.begin;
    ln.trace_id.resize(n);
    ln.span_id.resize(n);
    ByteReader sr(span_ids.substr(links_.begin * size_t{8}));
    for (uint32_t i = 0; i < n; ++i) {
      std::memcpy(ln.trace_id[i].bytes.data(), ids.data() + 16 * (links_.begin + size_t{i}), 16);
      sr.fixed64(&ln.span_id[i]);
    }
    if (!string_rows(r, nl, links_, &ln.trace_state) ||
        !u32_rows(r, nl, links_.begin, links_.end, &ln.flags) ||
        !u32_rows(r, nl, links_.begin, links_.end, &ln.dropped_attributes)) {
      return corrupt(Chunk::kLinks, "truncated or malformed");
    }
  }
  return Status::ok();
}

Status TraceSlicer::slice_attrs(const RowGroup &g, SpanTable *out) {
  blob_refs_.clear();
  const Range ranges[kAttrOwnerCount] = {resources_, scopes_, spans_, events_, links_};
  const size_t limits[kAttrOwnerCount] = {structure_.resource_count(), structure_.scope_count(),
                                          structure_.span_count(), structure_.event_count(),
                                          structure_.link_count()};
  const auto pool = static_cast<uint32_t>(remap_.size());
  for (int o = 0; o < kAttrOwnerCount; ++o) {
    const Range want = ranges[o];
    if (want.begin == want.end || g.attr_chunks[o].empty()) continue;
    AttrTable &at = out->attrs[o];
    auto bad = [o](const char *what) { return corrupt_attrs(o, what); };
    // One run: every owner is read (they are deltas); values and positions of
    // rows before and after the trace's are skipped.
    auto run = [&](ByteReader &r) -> Status {
      uint32_t key;
      uint64_t n;
      if (!r.u32(&key) || key >= pool || !r.varint(&n) || n > r.remaining()) {
        return bad("bad key or row count");
      }
      // Owners ascend within a run, so the trace's rows are [i0, i1): owners
      // are summed up to the first one past the trace, and the rest skipped.
      owners_.clear();
      uint64_t prev = 0;
      uint32_t i0 = 0;
      // Rows before the trace, eight at a time while every delta is one
      // non-negative byte (zigzag: even, top bit clear), which is every row of
      // a key most spans carry.
      while (n - i0 >= 8 && r.remaining() >= 8) {
        uint64_t w = r.peek8();
        if (w & 0x8181818181818181ULL) break;
        w >>= 1;  // the deltas themselves, still one per byte (each < 64)
        const uint64_t sum = (w * 0x0101010101010101ULL) >> 56;  // 8 * 63 < 256
        if (prev + sum >= want.begin) break;
        prev += sum;
        i0 += 8;
        r.skip(8);
      }
      // Then one at a time up to the first owner past the trace; the rest are
      // skipped.
      while (i0 + owners_.size() < n) {
        int64_t d = 0;
        if (!r.zz(&d)) return bad("truncated owners");
        prev += static_cast<uint64_t>(d);
        if (prev >= limits[o]) return bad("owner out of range");
        if (prev >= want.end) {
          owners_.push_back(static_cast<uint32_t>(prev));
          break;
        }
        if (prev < want.begin && owners_.empty()) {
          ++i0;
        } else {
          owners_.push_back(static_cast<uint32_t>(prev));
        }
      }
      // owners_[k] is row i0 + k; the trace's rows are [i0, i1).
      const auto i1 = i0 + static_cast<uint32_t>(owners_.size()) -
                      (!owners_.empty() && owners_.back() >= want.end ? 1 : 0);
      if (!r.skip_varints(n - i0 - owners_.size())) return bad("truncated owners");
      uint8_t ty;
      std::string_view types;
      if (!r.u8(&ty)) return bad("truncated types");
      if (ty == kMixedTypes) {
        if (!r.bytes(n, &types)) return bad("truncated types");
        for (char c : types) {
          if (static_cast<uint8_t>(c) > static_cast<uint8_t>(ValueType::kBytes)) {
            return bad("unknown value type");
          }
        }
      } else if (ty > static_cast<uint8_t>(ValueType::kBytes)) {
        return bad("unknown value type");
      }
      auto type_of = [&](size_t i) {
        return static_cast<ValueType>(ty == kMixedTypes ? static_cast<uint8_t>(types[i]) : ty);
      };
      auto skip_values = [&](size_t from, size_t to) {
        if (ty == kMixedTypes) {
          for (size_t i = from; i < to; ++i) {
            if (!skip_value(r, type_of(i))) return false;
          }
          return true;
        }
        switch (static_cast<ValueType>(ty)) {
          case ValueType::kEmpty:
            return true;
          case ValueType::kDouble:
            return r.skip(8 * (to - from));
          default:
            return r.skip_varints(to - from);
        }
      };
      const auto first = static_cast<uint32_t>(at.size());
      if (!skip_values(0, i0)) return bad("truncated values");
      for (uint32_t i = i0; i < i1; ++i) {
        const ValueType t = type_of(i);
        uint64_t v = 0;
        bool ok = true;
        switch (t) {
          case ValueType::kEmpty:
            break;
          case ValueType::kInt: {
            int64_t x;
            ok = r.zz(&x);
            v = static_cast<uint64_t>(x);
            break;
          }
          case ValueType::kDouble:
            ok = r.fixed64(&v);
            break;
          case ValueType::kString:
            ok = r.varint(&v) && v < pool;
            if (ok) v = string_id(static_cast<uint32_t>(v));
            break;
          case ValueType::kBool:
            ok = r.varint(&v) && v <= 1;
            break;
          default:  // blob index, resolved once every run is read
            ok = r.varint(&v);
            break;
        }
        if (!ok) return bad("truncated or malformed values");
        const uint32_t owner = owners_[i - i0];
        if (owner < want.begin || owner >= want.end) continue;  // only in a hostile run
        if (t >= ValueType::kArray) blob_refs_.push_back({o, static_cast<uint32_t>(at.size())});
        at.owner.push_back(owner - want.begin);
        at.key.push_back(key);
        at.type.push_back(t);
        at.value.push_back(v);
      }
      if (!skip_values(i1, n) || !r.skip_varints(i0)) return bad("truncated values");
      for (uint32_t i = i0; i < i1; ++i) {
        uint64_t p;
        if (!r.varint(&p) || p > 0xFFFF) return bad("bad position");
        const uint32_t owner = owners_[i - i0];
        if (owner >= want.begin && owner < want.end) at.pos.push_back(static_cast<uint16_t>(p));
      }
      if (!r.skip_varints(n - i1)) return bad("truncated positions");
      if (at.size() > first) {
        const uint32_t sliced_key = string_id(key);
        std::fill(at.key.begin() + first, at.key.end(), sliced_key);
        at.keys.push_back({sliced_key, first, static_cast<uint32_t>(at.size())});
      }
      return Status::ok();
    };
    if (per_key_chunks(o)) {
      for (const ChunkRef &c : g.attr_chunks[o]) {
        // A framed chunk: only the frame of the trace's rows (its own run of the key).
        ChunkFrame f;
        bool present = false;
        TEMPO_RETURN_IF_ERROR(
            inflate_rows(c, want.begin, static_cast<uint32_t>(limits[o]), &f, &present));
        if (!present) continue;
        if (want.end > f.end_row) return bad("no frame holds the trace's rows");
        ByteReader r(raw_);
        TEMPO_RETURN_IF_ERROR(run(r));
      }
    } else {
      TEMPO_RETURN_IF_ERROR(inflate(g.attr_chunks[o][0], &buf_, &raw_));
      ByteReader r(raw_);
      uint64_t runs;
      if (!r.varint(&runs) || runs > r.remaining()) return bad("bad key count");
      for (uint64_t k = 0; k < runs; ++k) TEMPO_RETURN_IF_ERROR(run(r));
    }
  }
  return Status::ok();
}

// Array, kvlist and bytes values: only the trace's are copied out of the blobs
// chunk.
Status TraceSlicer::resolve_blobs(const RowGroup &g, SpanTable *out) {
  if (blob_refs_.empty()) return Status::ok();
  TEMPO_RETURN_IF_ERROR(inflate(g.chunk(Chunk::kBlobs), &buf_, &raw_));
  ByteReader r(raw_);
  uint64_t n;
  if (!r.varint(&n) || n > r.remaining()) return corrupt(Chunk::kBlobs, "bad count");
  std::vector<uint64_t> offsets(n + 1, 0);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t len;
    if (!r.varint(&len)) return corrupt(Chunk::kBlobs, "truncated lengths");
    offsets[i + 1] = offsets[i] + len;
    if (offsets[i + 1] > r.remaining()) return corrupt(Chunk::kBlobs, "truncated blobs");
  }
  const size_t base = raw_.size() - r.remaining();
  for (const auto &ref : blob_refs_) {
    uint64_t &v = out->attrs[ref.owner_kind].value[ref.row];
    if (v >= n) return corrupt(Chunk::kBlobs, "blob index out of range");
    out->blobs.emplace_back(raw_.data() + base + offsets[v], offsets[v + 1] - offsets[v]);
    v = out->blobs.size() - 1;
  }
  return Status::ok();
}

}  // namespace tempo::block::vcpp2
