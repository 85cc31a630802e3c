#include "block/vcpp2/layout.h"

#include <cstring>

#include "block/vcpp2/bytes.h"
#include "block/zstd_codec.h"
#include "tempo/util/little_endian.h"

namespace tempo::block::vcpp2 {
namespace {

using columnar::AttrKeyStats;
using columnar::kAttrOwnerCount;
using columnar::ValueType;

constexpr uint8_t bit(ValueType t) { return static_cast<uint8_t>(1u << static_cast<int>(t)); }

void put_chunk(ByteWriter& w, const ChunkRef& c) {
  w.varint(c.offset);
  w.varint(c.length);
  w.varint(c.raw_length);
}

bool get_chunk(ByteReader& r, uint32_t group_length, ChunkRef* c) {
  if (!r.u32(&c->offset) || !r.u32(&c->length) || !r.u32(&c->raw_length)) return false;
  // Inside the group, and a plain size a frame of that length can hold (so decoding never
  // allocates more than the stored bytes justify).
  return uint64_t{c->offset} + c->length <= group_length &&
         c->raw_length <= max_zstd_content(c->length);
}

double load_double(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, 8);
  return d;
}
uint64_t double_bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}

// The smallest encoded group: two IDs and a dozen one-byte varints.
constexpr size_t kMinGroupBytes = 32 + 10 + 3 * kFixedChunks + kAttrOwnerCount;

}  // namespace

namespace {

void encode_entry(const RowGroup& g, ByteWriter& w) {
  w.bytes(g.first.view());
  w.bytes(g.last.view());
  w.varint(g.offset);
  w.varint(g.length);
  const auto& st = g.stats;
  w.varint(st.traces);
  w.varint(st.spans);
  w.varint(st.start_min);
  w.varint(st.end_max);
  w.varint(st.duration_min);
  w.varint(st.duration_max);
  for (const auto& c : g.fixed) put_chunk(w, c);
  for (int o = 0; o < kAttrOwnerCount; ++o) {
    w.varint(st.attrs[o].size());
    for (size_t i = 0; i < st.attrs[o].size(); ++i) {
      const AttrKeyStats& k = st.attrs[o][i];
      w.str(k.key);
      w.u8(k.types);
      if (k.types & bit(ValueType::kInt)) {
        w.zz(k.int_min);
        w.zz(k.int_max);
      }
      if (k.types & bit(ValueType::kDouble)) {
        w.fixed64(double_bits(k.double_min));
        w.fixed64(double_bits(k.double_max));
      }
      if (per_key_chunks(o)) put_chunk(w, g.attr_chunks[o][i]);
    }
    if (!per_key_chunks(o)) {
      put_chunk(w, g.attr_chunks[o].empty() ? ChunkRef{} : g.attr_chunks[o][0]);
    }
  }
}

// Index version 2's group table record: first id | last id | data offset u64 | data length
// u32 | traces u32 | entry offset u32 | entry length u32 | entry crc32 u32.
constexpr size_t kTableRecord = 16 + 16 + 8 + 4 * 5;

}  // namespace

void IndexEncoder::add(const RowGroup& g) {
  const size_t at = entries_.size();
  ByteWriter w(&entries_);
  encode_entry(g, w);
  const std::string_view entry = std::string_view(entries_).substr(at);
  rows_.push_back({g.first, g.last, g.offset, g.length, g.stats.traces, static_cast<uint32_t>(at),
                   static_cast<uint32_t>(entry.size()), crc32_of(entry)});
}

std::string IndexEncoder::finish() const {
  std::string s;
  s.reserve(16 + kTableRecord * rows_.size() + 8 + entries_.size());
  s.append(kIndexMagic, 4);
  le::append(s, kIndexVersion, 4);
  ByteWriter(&s).varint(rows_.size());
  const size_t entries_at = s.size() + kTableRecord * rows_.size() + 4;
  for (const Row& r : rows_) {
    s.append(r.first.view());
    s.append(r.last.view());
    le::append(s, r.offset, 8);
    le::append(s, r.length, 4);
    le::append(s, r.traces, 4);
    le::append(s, entries_at + r.at, 4);
    le::append(s, r.size, 4);
    le::append(s, r.crc, 4);
  }
  le::append(s, crc32_of(s), 4);  // the header and table alone, for lookups
  s.append(entries_);
  le::append(s, crc32_of(s), 4);
  return s;
}

namespace {

Status bad_index(const std::string& what) { return Status::corruption("vcpp2 index: " + what); }

// Checks the header and checksum; leaves *groups at the first group entry, *n the count.
Status open_index(std::string_view raw, ByteReader* groups, uint64_t* n) {
  if (raw.size() < 12 || std::memcmp(raw.data(), kIndexMagic, 4) != 0) {
    return Status::corruption("vcpp2 index has no valid header");
  }
  const uint32_t stored_crc = le::load32(raw.data() + raw.size() - 4);
  if (stored_crc != crc32_of(raw.substr(0, raw.size() - 4))) {
    return Status::corruption("vcpp2 index checksum mismatch");
  }
  const uint32_t version = le::load32(raw.data() + 4);
  if (version != 1 && version != kIndexVersion) {
    return Status::corruption("unsupported vcpp2 index version " + std::to_string(version));
  }
  *groups = ByteReader(raw.substr(8, raw.size() - 12));
  if (!groups->varint(n) || *n > groups->remaining() / kMinGroupBytes) {
    return bad_index("bad row group count");
  }
  // Version 2: the group table and its checksum come before the entries.
  if (version == 2 &&
      (*n > groups->remaining() / kTableRecord || !groups->skip(kTableRecord * *n + 4))) {
    return bad_index("group table is truncated");
  }
  return Status::ok();
}

// One group entry into *g, reusing its vectors and strings. Checks that the group starts at
// `offset_wanted` of `data` and lies inside it, and that every chunk lies inside the group.
Status parse_group(ByteReader& r, uint64_t gi, uint64_t offset_wanted, uint64_t data_size,
                   RowGroup* g) {
  std::string_view first, last;
  uint64_t offset, length;
  auto& st = g->stats;
  if (!r.bytes(16, &first) || !r.bytes(16, &last) || !r.varint(&offset) || !r.varint(&length) ||
      !r.u32(&st.traces) || !r.u32(&st.spans) || !r.varint(&st.start_min) ||
      !r.varint(&st.end_max) || !r.varint(&st.duration_min) || !r.varint(&st.duration_max)) {
    return bad_index("row group " + std::to_string(gi) + " is truncated");
  }
  std::memcpy(g->first.bytes.data(), first.data(), 16);
  std::memcpy(g->last.bytes.data(), last.data(), 16);
  if (offset != offset_wanted || length > 0xFFFFFFFFu || length > data_size - offset ||
      st.traces == 0 || g->last < g->first) {
    return bad_index("row group " + std::to_string(gi) + " is out of order or out of range");
  }
  g->offset = offset;
  g->length = static_cast<uint32_t>(length);
  for (auto& c : g->fixed) {
    if (!get_chunk(r, g->length, &c))
      return bad_index("row group " + std::to_string(gi) + " chunk");
  }
  for (int o = 0; o < kAttrOwnerCount; ++o) {
    uint64_t keys;
    // Every key takes at least three bytes (length, types, one chunk varint).
    if (!r.varint(&keys) || keys > r.remaining() / 3) return bad_index("bad attribute key count");
    st.attrs[o].resize(keys);
    g->attr_chunks[o].resize(per_key_chunks(o) ? keys : 0);
    for (uint64_t i = 0; i < keys; ++i) {
      AttrKeyStats& k = st.attrs[o][i];
      std::string_view key;
      if (!r.str(&key) || !r.u8(&k.types)) return bad_index("attribute statistics are truncated");
      k.key.assign(key);
      if (i > 0 && !(st.attrs[o][i - 1].key < k.key)) {
        return bad_index("attribute keys out of order");
      }
      if (k.types & bit(ValueType::kInt)) {
        if (!r.zz(&k.int_min) || !r.zz(&k.int_max)) return bad_index("int range is truncated");
      }
      if (k.types & bit(ValueType::kDouble)) {
        uint64_t lo, hi;
        if (!r.fixed64(&lo) || !r.fixed64(&hi)) return bad_index("double range is truncated");
        k.double_min = load_double(lo);
        k.double_max = load_double(hi);
      }
      if (per_key_chunks(o) && !get_chunk(r, g->length, &g->attr_chunks[o][i])) {
        return bad_index("attribute chunk out of range");
      }
    }
    if (!per_key_chunks(o)) {
      ChunkRef c;
      if (!get_chunk(r, g->length, &c)) return bad_index("attribute chunk out of range");
      if (c.length > 0) g->attr_chunks[o].push_back(c);
    }
  }
  return Status::ok();
}

// As parse_group, but only the fields that find a group (its IDs, place and trace count)
// are kept; chunks and statistics are skipped (decode_group checks them for the one group a
// lookup reads).
Status skip_group(ByteReader& r, uint64_t gi, uint64_t offset_wanted, uint64_t data_size,
                  GroupEntry* e, uint32_t* length, uint32_t* traces) {
  std::string_view first, last;
  uint64_t offset, len;
  // After the trace count: spans, start min, end max, duration min/max, then the fixed chunks.
  constexpr uint64_t kSkipped = 5 + 3 * kFixedChunks;
  if (!r.bytes(16, &first) || !r.bytes(16, &last) || !r.varint(&offset) || !r.varint(&len) ||
      !r.u32(traces) || !r.skip_varints(kSkipped)) {
    return bad_index("row group " + std::to_string(gi) + " is truncated");
  }
  std::memcpy(e->first.bytes.data(), first.data(), 16);
  std::memcpy(e->last.bytes.data(), last.data(), 16);
  if (offset != offset_wanted || len > 0xFFFFFFFFu || len > data_size - offset || *traces == 0 ||
      e->last < e->first) {
    return bad_index("row group " + std::to_string(gi) + " is out of order or out of range");
  }
  e->offset = offset;
  *length = static_cast<uint32_t>(len);
  for (int o = 0; o < kAttrOwnerCount; ++o) {
    uint64_t keys;
    if (!r.varint(&keys) || keys > r.remaining() / 3) return bad_index("bad attribute key count");
    for (uint64_t i = 0; i < keys; ++i) {
      std::string_view key;
      uint8_t types;
      if (!r.str(&key) || !r.u8(&types)) return bad_index("attribute statistics are truncated");
      if ((types & bit(ValueType::kInt)) && !r.skip_varints(2)) {
        return bad_index("int range is truncated");
      }
      if ((types & bit(ValueType::kDouble)) && !r.skip(16)) {
        return bad_index("double range is truncated");
      }
      if (per_key_chunks(o) && !r.skip_varints(3)) return bad_index("attribute chunk truncated");
    }
    if (!per_key_chunks(o) && !r.skip_varints(3)) return bad_index("attribute chunk truncated");
  }
  return Status::ok();
}

}  // namespace

Status decode_index(std::string_view raw, uint64_t data_size, std::vector<RowGroup>* out) {
  ByteReader r(raw);
  uint64_t n;
  TEMPO_RETURN_IF_ERROR(open_index(raw, &r, &n));
  out->clear();
  out->reserve(n);
  uint64_t next_offset = 0;
  for (uint64_t gi = 0; gi < n; ++gi) {
    RowGroup g;
    TEMPO_RETURN_IF_ERROR(parse_group(r, gi, next_offset, data_size, &g));
    if (!out->empty() && !(out->back().last < g.first)) {
      return bad_index("row group " + std::to_string(gi) + " is out of order or out of range");
    }
    next_offset = g.offset + g.length;
    out->push_back(std::move(g));
  }
  if (!r.done()) return bad_index("trailing bytes");
  if (next_offset != data_size) return bad_index("row groups do not cover data");
  return Status::ok();
}

namespace {

// Version 2: the group table alone, checked by its own checksum; no entry is read.
Status locate_in_table(std::string_view raw, uint64_t data_size, std::vector<GroupEntry>* out,
                       uint64_t* traces) {
  ByteReader r(raw.substr(8, raw.size() - 8));
  uint64_t n;
  if (!r.varint(&n) || n > r.remaining() / (kTableRecord + kMinGroupBytes)) {
    return bad_index("bad row group count");
  }
  const size_t table_at = raw.size() - r.remaining();
  const size_t table_end = table_at + kTableRecord * n;
  if (table_end + 8 > raw.size()) return bad_index("group table is truncated");
  if (le::load32(raw.data() + table_end) != crc32_of(raw.substr(0, table_end))) {
    return Status::corruption("vcpp2 index group table checksum mismatch");
  }
  out->clear();
  out->reserve(n);
  *traces = 0;
  uint64_t next_offset = 0;
  const char* p = raw.data() + table_at;
  for (uint64_t gi = 0; gi < n; ++gi, p += kTableRecord) {
    GroupEntry e;
    std::memcpy(e.first.bytes.data(), p, 16);
    std::memcpy(e.last.bytes.data(), p + 16, 16);
    e.offset = le::load(p + 32, 8);
    const uint64_t length = le::load32(p + 40);
    const uint32_t group_traces = le::load32(p + 44);
    e.at = le::load32(p + 48);
    e.length = le::load32(p + 52);
    e.crc = le::load32(p + 56);
    e.checked = true;
    if (e.offset != next_offset || length > data_size - e.offset || group_traces == 0 ||
        e.last < e.first || (!out->empty() && !(out->back().last < e.first))) {
      return bad_index("row group " + std::to_string(gi) + " is out of order or out of range");
    }
    if (e.at < table_end + 4 || e.length > raw.size() - 4 - e.at) {
      return bad_index("row group " + std::to_string(gi) + " entry is out of range");
    }
    next_offset = e.offset + length;
    *traces += group_traces;
    out->push_back(e);
  }
  if (next_offset != data_size) return bad_index("row groups do not cover data");
  return Status::ok();
}

}  // namespace

Status locate_groups(std::string_view raw, uint64_t data_size, std::vector<GroupEntry>* out,
                     uint64_t* traces) {
  if (raw.size() >= 12 && std::memcmp(raw.data(), kIndexMagic, 4) == 0 &&
      le::load32(raw.data() + 4) == 2) {
    return locate_in_table(raw, data_size, out, traces);
  }
  ByteReader r(raw);
  uint64_t n;
  TEMPO_RETURN_IF_ERROR(open_index(raw, &r, &n));
  out->clear();
  out->reserve(n);
  *traces = 0;
  uint64_t next_offset = 0;
  for (uint64_t gi = 0; gi < n; ++gi) {
    GroupEntry e;
    e.at = static_cast<uint32_t>(raw.size() - 4 - r.remaining());
    uint32_t length, group_traces;
    TEMPO_RETURN_IF_ERROR(skip_group(r, gi, next_offset, data_size, &e, &length, &group_traces));
    if (!out->empty() && !(out->back().last < e.first)) {
      return bad_index("row group " + std::to_string(gi) + " is out of order or out of range");
    }
    next_offset = e.offset + length;
    *traces += group_traces;
    out->push_back(e);
  }
  if (!r.done()) return bad_index("trailing bytes");
  if (next_offset != data_size) return bad_index("row groups do not cover data");
  return Status::ok();
}

Status decode_group(std::string_view raw, const GroupEntry& e, uint64_t data_size, RowGroup* out) {
  if (raw.size() < 4 || e.at > raw.size() - 4) return bad_index("group entry out of range");
  if (!e.checked) {  // version 1: the whole index's checksum covered it
    ByteReader r(raw.substr(e.at, raw.size() - 4 - e.at));
    return parse_group(r, 0, e.offset, data_size, out);
  }
  // Version 2: the entry has its own checksum (the whole index's was not checked).
  if (e.length > raw.size() - 4 - e.at) return bad_index("group entry out of range");
  const std::string_view entry = raw.substr(e.at, e.length);
  if (crc32_of(entry) != e.crc) return Status::corruption("vcpp2 index entry checksum mismatch");
  ByteReader r(entry);
  TEMPO_RETURN_IF_ERROR(parse_group(r, 0, e.offset, data_size, out));
  if (!r.done() || out->first != e.first || out->last != e.last) {
    return bad_index("group entry does not match the group table");
  }
  return Status::ok();
}

}  // namespace tempo::block::vcpp2
