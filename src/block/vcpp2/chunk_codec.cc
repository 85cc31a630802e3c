#include "block/vcpp2/chunk_codec.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "block/vcpp2/bytes.h"

namespace tempo::block::vcpp2 {

using columnar::AttrTable;
using columnar::kAttrOwnerCount;
using columnar::kNoRow;
using columnar::SpanTable;
using columnar::ValueType;

namespace {

// Parent codes (kParents): no parent; an explicit ID follows (the parent is not in the
// trace); or 2 + the parent's row within the trace.
constexpr uint64_t kNoParent = 0;
constexpr uint64_t kExplicitParent = 1;
constexpr uint64_t kLocalParentBase = 2;
constexpr uint8_t kMixedTypes = 0xFF;

template <typename T>
void put_varints(std::string* out, const std::vector<T>& v) {
  BoundedWriter b(out, v.size() * ((sizeof(T) * 8 + 6) / 7));
  for (auto x : v) b.varint(x);
}

void encode_structure(const SpanTable& t, ByteWriter& w) {
  w.varint(t.trace_count());
  w.varint(t.resource_count());
  w.varint(t.scope_count());
  w.varint(t.span_count());
  w.varint(t.event_count());
  w.varint(t.link_count());
  // Counts rather than offsets: small numbers, one byte each almost always.
  auto counts = [&](const std::vector<uint32_t>& off) {
    for (size_t i = 0; i + 1 < off.size(); ++i) w.varint(off[i + 1] - off[i]);
  };
  counts(t.traces.resource_offsets);
  counts(t.resources.scope_offsets);
  counts(t.scopes.span_offsets);
  counts(t.spans.event_offsets);
  counts(t.spans.link_offsets);
}

void encode_parents(const SpanTable& t, ByteWriter& w) {
  const auto& sp = t.spans;
  std::unordered_map<uint64_t, uint32_t> by_id;
  for (size_t tr = 0; tr < t.trace_count(); ++tr) {
    const uint32_t b = t.traces.span_begin[tr], e = t.traces.span_end[tr];
    // The first span with an ID is the one derive() links to, so the restored parent row
    // and parent ID both match what the builder made.
    by_id.clear();
    for (uint32_t s = b; s < e; ++s) by_id.emplace(sp.id[s], s - b);
    for (uint32_t s = b; s < e; ++s) {
      if (sp.parent_id[s] == 0) {
        w.varint(kNoParent);
        continue;
      }
      auto it = by_id.find(sp.parent_id[s]);
      if (it == by_id.end()) {
        w.varint(kExplicitParent);
        w.fixed64(sp.parent_id[s]);
      } else {
        w.varint(kLocalParentBase + it->second);
      }
    }
  }
}

void encode_start(const SpanTable& t, ByteWriter& w) {
  const auto& sp = t.spans;
  uint64_t prev_base = 0;
  for (size_t tr = 0; tr < t.trace_count(); ++tr) {
    const uint32_t b = t.traces.span_begin[tr], e = t.traces.span_end[tr];
    if (b == e) continue;
    const uint64_t base = sp.start[b];
    w.zz(static_cast<int64_t>(base - prev_base));
    prev_base = base;
    for (uint32_t s = b + 1; s < e; ++s) w.zz(static_cast<int64_t>(sp.start[s] - base));
  }
}

void encode_run_body(const AttrTable& at, uint32_t begin, uint32_t end, uint32_t key,
                     std::string* out) {
  // Per row at most: owner delta 5 bytes (zigzag of a u32 difference), type 1, value 10,
  // position 3; plus the key, the count and the type byte.
  BoundedWriter w(out, size_t{19} * (end - begin) + 21);
  w.varint(key);
  w.varint(end - begin);
  uint32_t prev = 0;
  for (uint32_t i = begin; i < end; ++i) {
    w.zz(static_cast<int64_t>(at.owner[i]) - prev);
    prev = at.owner[i];
  }
  bool uniform = true;
  for (uint32_t i = begin; i < end; ++i) uniform = uniform && at.type[i] == at.type[begin];
  if (uniform && begin < end) {
    w.u8(static_cast<uint8_t>(at.type[begin]));
  } else {
    w.u8(kMixedTypes);
    for (uint32_t i = begin; i < end; ++i) w.u8(static_cast<uint8_t>(at.type[i]));
  }
  for (uint32_t i = begin; i < end; ++i) {
    switch (at.type[i]) {
      case ValueType::kEmpty:
        break;
      case ValueType::kInt:
        w.zz(static_cast<int64_t>(at.value[i]));
        break;
      case ValueType::kDouble:
        w.fixed64(at.value[i]);
        break;
      default:  // string id, 0/1, blob index
        w.varint(at.value[i]);
        break;
    }
  }
  for (uint32_t i = begin; i < end; ++i) w.varint(at.pos[i]);
}

// --- decoding ---------------------------------------------------------------------------

Status corrupt(Chunk c, const char* what) {
  return Status::corruption("vcpp2 chunk " + std::to_string(static_cast<int>(c)) + ": " + what);
}

// Reads n varint string ids, each < the pool size.
bool get_strings(ByteReader& r, size_t n, uint32_t pool, std::vector<uint32_t>* out) {
  if (n > r.remaining()) return false;
  out->resize(n);
  for (auto& v : *out) {
    if (!r.u32(&v) || v >= pool) return false;
  }
  return true;
}

bool get_u32s(ByteReader& r, size_t n, std::vector<uint32_t>* out) {
  if (n > r.remaining()) return false;
  out->resize(n);
  for (auto& v : *out) {
    if (!r.u32(&v)) return false;
  }
  return true;
}

bool get_u8s(ByteReader& r, size_t n, std::vector<uint8_t>* out) {
  std::string_view b;
  if (!r.bytes(n, &b)) return false;
  out->assign(b.begin(), b.end());
  return true;
}

// Counts -> offsets (n + 1 entries) whose total must be `total`.
bool get_offsets(ByteReader& r, uint64_t n, uint64_t total, std::vector<uint32_t>* off) {
  if (n > r.remaining()) return false;
  off->resize(n + 1);
  uint64_t sum = 0;
  (*off)[0] = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t c;
    if (!r.varint(&c)) return false;
    sum += c;
    if (sum > total) return false;
    (*off)[i + 1] = static_cast<uint32_t>(sum);
  }
  return sum == total;
}

Status decode_dict(std::string_view raw, SpanTable* t) {
  ByteReader r(raw);
  uint64_t n;
  if (!r.varint(&n) || n > r.remaining()) return corrupt(Chunk::kDict, "bad string count");
  std::vector<std::string> strings(n + 1);
  std::vector<uint32_t> lengths;
  if (!get_u32s(r, n, &lengths)) return corrupt(Chunk::kDict, "truncated lengths");
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view s;
    if (!r.bytes(lengths[i], &s)) return corrupt(Chunk::kDict, "truncated strings");
    strings[i + 1].assign(s);
  }
  if (!r.done()) return corrupt(Chunk::kDict, "trailing bytes");
  t->strings.assign(std::move(strings));
  return Status::ok();
}

Status decode_structure(std::string_view raw, const RowGroup& g, SpanTable* t) {
  ByteReader r(raw);
  uint64_t nt, nr, nc, ns, ne, nl;
  if (!r.varint(&nt) || !r.varint(&nr) || !r.varint(&nc) || !r.varint(&ns) || !r.varint(&ne) ||
      !r.varint(&nl)) {
    return corrupt(Chunk::kStructure, "truncated counts");
  }
  if (nt != g.stats.traces || ns != g.stats.spans) {
    return corrupt(Chunk::kStructure, "counts disagree with the index");
  }
  // Every child count takes a byte, so no table can be larger than the chunk.
  const uint64_t room = r.remaining();
  if (nt > room || nr > room || nc > room || ns > room || nt + nr + nc + 2 * ns > room ||
      ne > 0xFFFFFFFFu || nl > 0xFFFFFFFFu) {
    return corrupt(Chunk::kStructure, "counts exceed the chunk");
  }
  if (!get_offsets(r, nt, nr, &t->traces.resource_offsets) ||
      !get_offsets(r, nr, nc, &t->resources.scope_offsets) ||
      !get_offsets(r, nc, ns, &t->scopes.span_offsets) ||
      !get_offsets(r, ns, ne, &t->spans.event_offsets) ||
      !get_offsets(r, ns, nl, &t->spans.link_offsets) || !r.done()) {
    return corrupt(Chunk::kStructure, "child counts do not add up");
  }
  return Status::ok();
}

// Span rows [begin, end) of every trace, from the structure alone (derive() recomputes them).
template <typename Fn>
void for_each_trace_spans(const SpanTable& t, Fn fn) {
  const auto& ro = t.traces.resource_offsets;
  const auto& so = t.resources.scope_offsets;
  const auto& po = t.scopes.span_offsets;
  for (size_t tr = 0; tr + 1 < ro.size(); ++tr) {
    fn(tr, po[so[ro[tr]]], po[so[ro[tr + 1]]]);
  }
}

Status decode_parents(std::string_view raw, SpanTable* t) {
  auto& sp = t->spans;
  const size_t ns = t->span_count();
  if (sp.id.size() != ns) return corrupt(Chunk::kParents, "span ids not loaded");
  ByteReader r(raw);
  sp.parent_id.resize(ns);
  sp.parent.resize(ns);
  bool ok = true;
  for_each_trace_spans(*t, [&](size_t, uint32_t b, uint32_t e) {
    for (uint32_t s = b; s < e && ok; ++s) {
      uint64_t code;
      if (!r.varint(&code)) {
        ok = false;
      } else if (code == kNoParent) {
        sp.parent_id[s] = 0;
        sp.parent[s] = kNoRow;
      } else if (code == kExplicitParent) {
        ok = r.fixed64(&sp.parent_id[s]);
        sp.parent[s] = kNoRow;
      } else if (code - kLocalParentBase < e - b) {
        const uint32_t p = b + static_cast<uint32_t>(code - kLocalParentBase);
        sp.parent_id[s] = sp.id[p];
        sp.parent[s] = p == s ? kNoRow : p;
      } else {
        ok = false;
      }
    }
  });
  if (!ok || !r.done()) return corrupt(Chunk::kParents, "bad parent reference");
  return Status::ok();
}

Status decode_start(std::string_view raw, SpanTable* t) {
  auto& start = t->spans.start;
  start.resize(t->span_count());
  ByteReader r(raw);
  uint64_t prev_base = 0;
  bool ok = true;
  for_each_trace_spans(*t, [&](size_t, uint32_t b, uint32_t e) {
    if (b == e || !ok) return;
    int64_t d;
    if (!r.zz(&d)) {
      ok = false;
      return;
    }
    const uint64_t base = prev_base + static_cast<uint64_t>(d);
    prev_base = base;
    start[b] = base;
    for (uint32_t s = b + 1; s < e; ++s) {
      if (!r.zz(&d)) {
        ok = false;
        return;
      }
      start[s] = base + static_cast<uint64_t>(d);
    }
  });
  if (!ok || !r.done()) return corrupt(Chunk::kStart, "truncated");
  return Status::ok();
}

}  // namespace

void encode_chunk(const SpanTable& t, Chunk c, std::string* out) {
  out->clear();
  ByteWriter w(out);
  const auto& sp = t.spans;
  switch (c) {
    case Chunk::kDict: {
      const auto& s = t.strings.strings();
      w.varint(s.size() - 1);
      for (size_t i = 1; i < s.size(); ++i) w.varint(s[i].size());
      for (size_t i = 1; i < s.size(); ++i) w.bytes(s[i]);
      break;
    }
    case Chunk::kStructure:
      encode_structure(t, w);
      break;
    case Chunk::kTraceIds:
      for (const auto& id : t.traces.id) w.bytes(id.view());
      break;
    case Chunk::kSpanIds:
      for (uint64_t id : sp.id) w.fixed64(id);
      break;
    case Chunk::kParents:
      encode_parents(t, w);
      break;
    case Chunk::kStart:
      encode_start(t, w);
      break;
    case Chunk::kDuration:
      put_varints(out, sp.duration);
      break;
    case Chunk::kName:
      put_varints(out, sp.name);
      break;
    case Chunk::kKind:
      for (uint8_t k : sp.kind) w.u8(k);
      break;
    case Chunk::kStatus:
      for (uint8_t k : sp.status_code) w.u8(k);
      put_varints(out, sp.status_message);
      break;
    case Chunk::kSpanMisc:
      put_varints(out, sp.trace_state);
      put_varints(out, sp.flags);
      put_varints(out, sp.dropped_attributes);
      put_varints(out, sp.dropped_events);
      put_varints(out, sp.dropped_links);
      break;
    case Chunk::kResources:
      put_varints(out, t.resources.schema_url);
      put_varints(out, t.resources.dropped_attributes);
      break;
    case Chunk::kScopes:
      put_varints(out, t.scopes.name);
      put_varints(out, t.scopes.version);
      put_varints(out, t.scopes.schema_url);
      put_varints(out, t.scopes.dropped_attributes);
      break;
    case Chunk::kEvents: {
      const auto& ev = t.events;
      for (size_t s = 0; s < t.span_count(); ++s) {
        for (uint32_t e = sp.event_offsets[s]; e < sp.event_offsets[s + 1]; ++e) {
          w.zz(static_cast<int64_t>(ev.time[e] - sp.start[s]));
        }
      }
      put_varints(out, ev.name);
      put_varints(out, ev.dropped_attributes);
      break;
    }
    case Chunk::kLinks: {
      const auto& ln = t.links;
      for (const auto& id : ln.trace_id) w.bytes(id.view());
      for (uint64_t id : ln.span_id) w.fixed64(id);
      put_varints(out, ln.trace_state);
      put_varints(out, ln.flags);
      put_varints(out, ln.dropped_attributes);
      break;
    }
    case Chunk::kBlobs:
      w.varint(t.blobs.size());
      for (const auto& b : t.blobs) w.varint(b.size());
      for (const auto& b : t.blobs) w.bytes(b);
      break;
  }
}

void encode_attr_run(const AttrTable& at, const AttrTable::KeyRun& run, std::string* out) {
  out->clear();
  encode_run_body(at, run.begin, run.end, run.key, out);
}

void encode_attr_rows(const AttrTable& at, uint32_t key, uint32_t begin, uint32_t end,
                      std::string* out) {
  out->clear();
  encode_run_body(at, begin, end, key, out);
}

bool span_row_offsets(Chunk c, std::string_view raw, const std::vector<uint32_t>& rows,
                      std::vector<size_t>* out) {
  out->clear();
  ByteReader r(raw);
  uint32_t row = 0;
  for (uint32_t want : rows) {
    if (want < row) return false;
    switch (c) {
      case Chunk::kSpanIds:
        if (!r.skip(size_t{8} * (want - row))) return false;
        break;
      case Chunk::kKind:
        if (!r.skip(want - row)) return false;
        break;
      case Chunk::kParents:
        for (uint32_t s = row; s < want; ++s) {
          uint64_t code;
          if (!r.varint(&code) || (code == kExplicitParent && !r.skip(8))) return false;
        }
        break;
      default:  // kStart, kDuration, kName: one varint per span
        if (!r.skip_varints(want - row)) return false;
        break;
    }
    row = want;
    out->push_back(raw.size() - r.remaining());
  }
  return true;
}

void encode_attr_table(const AttrTable& at, std::string* out) {
  out->clear();
  ByteWriter w(out);
  w.varint(at.keys.size());
  for (const auto& run : at.keys) encode_run_body(at, run.begin, run.end, run.key, out);
}

void reset_table(SpanTable* t) {
  // clear() rather than assignment: the capacity is what the next group reuses.
  auto clear_all = [](auto&... v) { (v.clear(), ...); };
  t->strings.clear();
  t->blobs.clear();
  auto& tr = t->traces;
  clear_all(tr.id, tr.resource_offsets, tr.span_begin, tr.span_end, tr.start, tr.end, tr.root,
            tr.root_service, tr.root_name);
  auto& rs = t->resources;
  clear_all(rs.scope_offsets, rs.schema_url, rs.dropped_attributes, rs.service_name);
  auto& sc = t->scopes;
  clear_all(sc.span_offsets, sc.name, sc.version, sc.schema_url, sc.dropped_attributes);
  auto& sp = t->spans;
  clear_all(sp.event_offsets, sp.link_offsets, sp.id, sp.parent_id, sp.name, sp.kind,
            sp.status_code, sp.status_message, sp.trace_state, sp.flags, sp.start, sp.duration,
            sp.dropped_attributes, sp.dropped_events, sp.dropped_links, sp.trace, sp.scope,
            sp.resource, sp.parent, sp.child_count, sp.nested_left, sp.nested_right);
  auto& ev = t->events;
  clear_all(ev.span, ev.time, ev.name, ev.dropped_attributes);
  auto& ln = t->links;
  clear_all(ln.span, ln.trace_id, ln.span_id, ln.trace_state, ln.flags, ln.dropped_attributes);
  for (auto& at : t->attrs) clear_all(at.owner, at.key, at.type, at.value, at.pos, at.keys);
}

Status decode_chunk(Chunk c, std::string_view raw, const RowGroup& g, SpanTable* t) {
  if (c == Chunk::kDict) return decode_dict(raw, t);
  if (c == Chunk::kStructure) return decode_structure(raw, g, t);
  const uint32_t pool = static_cast<uint32_t>(t->strings.size());
  // From the structure: trace_count() counts IDs, which may not be loaded yet.
  const size_t nt = t->traces.resource_offsets.empty() ? 0 : t->traces.resource_offsets.size() - 1;
  const size_t ns = t->span_count(), nr = t->resource_count(), nc = t->scope_count(),
               ne = t->event_count(), nl = t->link_count();
  auto& sp = t->spans;
  ByteReader r(raw);
  bool ok = true;
  switch (c) {
    case Chunk::kDict:
    case Chunk::kStructure:
      break;
    case Chunk::kTraceIds: {
      if (raw.size() != nt * 16) return corrupt(c, "size does not match the trace count");
      t->traces.id.resize(nt);
      for (size_t i = 0; i < nt; ++i)
        std::memcpy(t->traces.id[i].bytes.data(), raw.data() + 16 * i, 16);
      // The index's ID range and ascending order are what by-ID lookups rely on.
      for (size_t i = 1; i < nt && ok; ++i) ok = t->traces.id[i - 1] < t->traces.id[i];
      if (!ok || (nt > 0 && (t->traces.id.front() != g.first || t->traces.id.back() != g.last))) {
        return corrupt(c, "trace IDs do not match the index");
      }
      return Status::ok();
    }
    case Chunk::kSpanIds:
      if (raw.size() != ns * 8) return corrupt(c, "size does not match the span count");
      sp.id.resize(ns);
      for (auto& v : sp.id) ok = r.fixed64(&v) && ok;
      break;
    case Chunk::kParents:
      return decode_parents(raw, t);
    case Chunk::kStart:
      return decode_start(raw, t);
    case Chunk::kDuration:
      if (ns > r.remaining()) return corrupt(c, "truncated");
      sp.duration.resize(ns);
      for (auto& v : sp.duration) ok = r.varint(&v) && ok;
      break;
    case Chunk::kName:
      ok = get_strings(r, ns, pool, &sp.name);
      break;
    case Chunk::kKind:
      ok = get_u8s(r, ns, &sp.kind);
      break;
    case Chunk::kStatus:
      ok = get_u8s(r, ns, &sp.status_code) && get_strings(r, ns, pool, &sp.status_message);
      break;
    case Chunk::kSpanMisc:
      ok = get_strings(r, ns, pool, &sp.trace_state) && get_u32s(r, ns, &sp.flags) &&
           get_u32s(r, ns, &sp.dropped_attributes) && get_u32s(r, ns, &sp.dropped_events) &&
           get_u32s(r, ns, &sp.dropped_links);
      break;
    case Chunk::kResources:
      ok = get_strings(r, nr, pool, &t->resources.schema_url) &&
           get_u32s(r, nr, &t->resources.dropped_attributes);
      break;
    case Chunk::kScopes:
      ok = get_strings(r, nc, pool, &t->scopes.name) &&
           get_strings(r, nc, pool, &t->scopes.version) &&
           get_strings(r, nc, pool, &t->scopes.schema_url) &&
           get_u32s(r, nc, &t->scopes.dropped_attributes);
      break;
    case Chunk::kEvents: {
      if (sp.start.size() != ns) return corrupt(c, "span starts not loaded");
      if (ne > r.remaining()) return corrupt(c, "truncated");
      auto& ev = t->events;
      ev.time.resize(ne);
      for (size_t s = 0; s < ns && ok; ++s) {
        for (uint32_t e = sp.event_offsets[s]; e < sp.event_offsets[s + 1] && ok; ++e) {
          int64_t d;
          ok = r.zz(&d);
          ev.time[e] = sp.start[s] + static_cast<uint64_t>(d);
        }
      }
      ok = ok && get_strings(r, ne, pool, &ev.name) && get_u32s(r, ne, &ev.dropped_attributes);
      break;
    }
    case Chunk::kLinks: {
      auto& ln = t->links;
      std::string_view ids;
      if (nl > r.remaining() / 24 || !r.bytes(nl * 16, &ids)) return corrupt(c, "truncated");
      ln.trace_id.resize(nl);
      for (size_t i = 0; i < nl; ++i)
        std::memcpy(ln.trace_id[i].bytes.data(), ids.data() + 16 * i, 16);
      ln.span_id.resize(nl);
      for (auto& v : ln.span_id) ok = r.fixed64(&v) && ok;
      ok = ok && get_strings(r, nl, pool, &ln.trace_state) && get_u32s(r, nl, &ln.flags) &&
           get_u32s(r, nl, &ln.dropped_attributes);
      break;
    }
    case Chunk::kBlobs: {
      uint64_t n;
      std::vector<uint32_t> lengths;
      if (!r.varint(&n) || !get_u32s(r, n, &lengths)) return corrupt(c, "truncated");
      t->blobs.resize(n);
      for (uint64_t i = 0; i < n && ok; ++i) {
        std::string_view b;
        ok = r.bytes(lengths[i], &b);
        t->blobs[i].assign(b);
      }
      break;
    }
  }
  if (!ok || !r.done()) return corrupt(c, "truncated or malformed");
  return Status::ok();
}

Status decode_attrs(int owner, bool shared, std::string_view raw, SpanTable* t) {
  AttrTable& at = t->attrs[owner];
  const uint32_t pool = static_cast<uint32_t>(t->strings.size());
  const size_t owners[kAttrOwnerCount] = {t->resource_count(), t->scope_count(), t->span_count(),
                                          t->event_count(), t->link_count()};
  const uint64_t limit = owners[owner];
  auto bad = [&](const char* what) {
    return Status::corruption("vcpp2 attribute chunk (owner kind " + std::to_string(owner) +
                              "): " + what);
  };
  ByteReader r(raw);
  uint64_t runs = 1;
  if (shared && (!r.varint(&runs) || runs > r.remaining())) return bad("bad key count");
  // A per-key chunk: runs until its bytes end (a framed chunk has one per frame).
  for (uint64_t k = 0; shared ? k < runs : (k == 0 || !r.done()); ++k) {
    uint32_t key;
    uint64_t n;
    if (!r.u32(&key) || key >= pool || !r.varint(&n) || n > r.remaining()) {
      return bad("bad key or row count");
    }
    // A further run of a per-key chunk continues the first: same key, owners past its last.
    const bool more = !shared && k > 0;
    if (more &&
        (at.keys.back().key != key || n == 0 || at.keys.back().end == at.keys.back().begin)) {
      return bad("frames of different keys, or empty");
    }
    if (!more && !at.keys.empty() && at.keys.back().key >= key) return bad("keys out of order");
    const auto begin = static_cast<uint32_t>(at.owner.size());
    const size_t end = begin + n;
    at.owner.resize(end);
    at.key.resize(end, key);
    at.type.resize(end);
    at.value.resize(end);
    at.pos.resize(end);
    uint64_t prev = 0;
    for (size_t i = begin; i < end; ++i) {
      int64_t d;
      if (!r.zz(&d)) return bad("truncated owners");
      prev += static_cast<uint64_t>(d);
      if (prev >= limit) return bad("owner out of range");
      at.owner[i] = static_cast<uint32_t>(prev);
    }
    uint8_t ty;
    if (!r.u8(&ty)) return bad("truncated types");
    if (ty == kMixedTypes) {
      std::string_view b;
      if (!r.bytes(n, &b)) return bad("truncated types");
      for (size_t i = 0; i < n; ++i) {
        if (static_cast<uint8_t>(b[i]) > static_cast<uint8_t>(ValueType::kBytes)) {
          return bad("unknown value type");
        }
        at.type[begin + i] = static_cast<ValueType>(b[i]);
      }
    } else {
      if (ty > static_cast<uint8_t>(ValueType::kBytes)) return bad("unknown value type");
      std::fill(at.type.begin() + begin, at.type.end(), static_cast<ValueType>(ty));
    }
    bool ok = true;
    for (size_t i = begin; i < end && ok; ++i) {
      switch (at.type[i]) {
        case ValueType::kEmpty:
          at.value[i] = 0;
          break;
        case ValueType::kInt: {
          int64_t v;
          ok = r.zz(&v);
          at.value[i] = static_cast<uint64_t>(v);
          break;
        }
        case ValueType::kDouble:
          ok = r.fixed64(&at.value[i]);
          break;
        case ValueType::kString:
          ok = r.varint(&at.value[i]) && at.value[i] < pool;
          break;
        case ValueType::kBool:
          ok = r.varint(&at.value[i]) && at.value[i] <= 1;
          break;
        default:  // blob index; assembly checks it against the loaded blobs
          ok = r.varint(&at.value[i]);
          break;
      }
    }
    for (size_t i = begin; i < end && ok; ++i) {
      uint64_t p;
      ok = r.varint(&p) && p <= 0xFFFF;
      at.pos[i] = static_cast<uint16_t>(p);
    }
    if (!ok) return bad("truncated or malformed values");
    if (more) {
      if (at.owner[begin] < at.owner[begin - 1]) return bad("frames out of order");
      at.keys.back().end = static_cast<uint32_t>(end);
    } else {
      at.keys.push_back({key, begin, static_cast<uint32_t>(end)});
    }
  }
  if (!r.done()) return bad("trailing bytes");
  return Status::ok();
}

}  // namespace tempo::block::vcpp2
