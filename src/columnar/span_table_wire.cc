// Stored OTLP bytes -> SpanTable without protobuf messages: SpanTableBuilder::add_trace_bytes.
//
// A flush turns every span of a WAL block into columns. Parsing each trace into a TracesData,
// combining its pieces and walking the messages cost about two thirds of the flush's CPU
// (bench/flush_bench), most of it in allocating and freeing message objects and strings that
// the table copies anyway. Here the bytes are read in place:
//
//   pass 1 walks the structure of every piece (ResourceSpans -> ScopeSpans -> Span), decodes
//          each span's scalar fields into a small record and groups spans as the combiner
//          does: resources and scopes keyed by their bytes and schema URL, in first-seen
//          order, created on the first span they keep; a span ID seen before is dropped;
//   pass 2 appends the grouped resources, scopes and spans to the table, decoding attributes,
//          events and links on the way.
//
// Protobuf's rules are kept where they decide a value: the last occurrence of a scalar field
// wins, a field with a wire type other than its declared one is an unknown field and skipped,
// and the last field of AnyValue's oneof sets the value. A singular message field that
// occurs twice (protobuf merges the occurrences) is left to the message path: the trace is
// parsed and combined as before. Array, kvlist and bytes values are stored as their
// serialized AnyValue, made by protobuf from the value's own bytes, so they match the
// message path byte for byte.
//
// The bytes were checked at ingest (model::otlp_wire) or by the WAL's checksums, but every
// read here is still bounded by the bytes present: a malformed piece gives kCorruption and
// the table is rolled back to where the trace started.

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <array>
#include <cstring>
#include <tuple>

#include "model/otlp_wire.h"
#include "tempo/columnar/otlp_columns.h"
#include "tempo/model/trace_combine.h"

namespace tempo::columnar {

namespace wire = model::otlp_wire;
using opentelemetry::proto::common::v1::AnyValue;

namespace {

// One message's fields in order. next() reads a field and its value; it returns false at the
// end of the message and on malformed bytes (then bad()).
class Fields {
 public:
  explicit Fields(std::string_view m) : p_(m.data()), end_(m.data() + m.size()) {}

  bool next() {
    if (p_ == end_) return false;
    uint32_t tag;
    if (!wire::read_tag(p_, end_, &tag) || (tag >> 3) == 0) return fail();
    field_ = tag >> 3;
    type_ = tag & 7;
    switch (type_) {
      case wire::kVarint:
        if (!wire::read_varint(p_, end_, &num_)) return fail();
        return true;
      case wire::kFixed64:
        if (end_ - p_ < 8) return fail();
        num_ = wire::load_fixed64(p_);
        p_ += 8;
        return true;
      case wire::kFixed32: {
        if (end_ - p_ < 4) return fail();
        uint32_t v;
        std::memcpy(&v, p_, 4);
        num_ = v;
        p_ += 4;
        return true;
      }
      case wire::kLen: {
        size_t n;
        if (!wire::read_length(p_, end_, &n)) return fail();
        bytes_ = std::string_view(p_, n);
        p_ += n;
        return true;
      }
      default:  // groups and invalid wire types: the ingest check refuses them
        return fail();
    }
  }
  bool bad() const { return bad_; }

  // The current field is `field` with wire type `type`; other wire types are unknown fields.
  bool is(uint32_t field, uint32_t type) const { return field_ == field && type_ == type; }
  uint32_t field() const { return field_; }
  uint64_t num() const { return num_; }
  uint32_t u32() const { return static_cast<uint32_t>(num_); }  // protobuf's cut to 32 bits
  std::string_view bytes() const { return bytes_; }

 private:
  bool fail() {
    bad_ = true;
    return false;
  }
  const char* p_;
  const char* end_;
  uint32_t field_ = 0, type_ = 0;
  uint64_t num_ = 0;
  std::string_view bytes_;
  bool bad_ = false;
};

// Field numbers (opentelemetry-proto trace/v1, resource/v1, common/v1).
namespace f {
constexpr uint32_t kTracesDataResourceSpans = 1;
constexpr uint32_t kRsResource = 1, kRsScopeSpans = 2, kRsSchemaUrl = 3;
constexpr uint32_t kResourceAttributes = 1, kResourceDropped = 2;
constexpr uint32_t kSsScope = 1, kSsSpans = 2, kSsSchemaUrl = 3;
constexpr uint32_t kScopeName = 1, kScopeVersion = 2, kScopeAttributes = 3, kScopeDropped = 4;
constexpr uint32_t kSpanSpanId = 2, kSpanTraceState = 3, kSpanParent = 4, kSpanName = 5,
                   kSpanKind = 6, kSpanStart = 7, kSpanEnd = 8, kSpanAttributes = 9,
                   kSpanDroppedAttributes = 10, kSpanEvents = 11, kSpanDroppedEvents = 12,
                   kSpanLinks = 13, kSpanDroppedLinks = 14, kSpanStatus = 15, kSpanFlags = 16;
constexpr uint32_t kStatusMessage = 2, kStatusCode = 3;
constexpr uint32_t kEventTime = 1, kEventName = 2, kEventAttributes = 3, kEventDropped = 4;
constexpr uint32_t kLinkTraceId = 1, kLinkSpanId = 2, kLinkTraceState = 3, kLinkAttributes = 4,
                   kLinkDropped = 5, kLinkFlags = 6;
constexpr uint32_t kKvKey = 1, kKvValue = 2;
constexpr uint32_t kAnyString = 1, kAnyBool = 2, kAnyInt = 3, kAnyDouble = 4, kAnyArray = 5,
                   kAnyKvList = 6, kAnyBytes = 7;
}  // namespace f

// Why a trace could not be read here.
enum class Outcome { kOk, kCorrupt, kMerge };

}  // namespace

struct SpanTableBuilder::Wire {
  // A span of the trace, its scalar fields decoded; attributes, events and links are views
  // into the stored bytes, ranges of `kvs` / `events` / `links`.
  struct Span {
    std::string_view span_id, parent_id, name, trace_state, status_message;
    uint64_t start = 0, end = 0;
    uint32_t kind = 0, status_code = 0, flags = 0;
    uint32_t dropped_attributes = 0, dropped_events = 0, dropped_links = 0;
    uint32_t kv_begin = 0, kv_end = 0, event_begin = 0, event_end = 0, link_begin = 0, link_end = 0;
    uint32_t next = 0;  // the next kept span of its scope, or kNone
  };
  struct Scope {
    std::string_view scope, schema_url;
    uint32_t first_span = 0, last_span = 0;
    uint32_t next = 0;  // the next scope of its resource, or kNone
  };
  struct Resource {
    std::string_view resource, schema_url;
    uint32_t first_scope = 0, last_scope = 0;
  };
  static constexpr uint32_t kNone = 0xFFFFFFFFu;

  std::vector<Span> spans;
  std::vector<Scope> scopes;
  std::vector<Resource> resources;
  std::vector<std::string_view> kvs, events, links;
  absl::flat_hash_set<std::string_view> seen_spans;
  absl::flat_hash_map<std::pair<std::string_view, std::string_view>, uint32_t> resource_index;
  absl::flat_hash_map<std::tuple<uint32_t, std::string_view, std::string_view>, uint32_t>
      scope_index;
  std::vector<uint32_t> kept;  // spans of the ScopeSpans being read
  static constexpr size_t kKeyCachePositions = 32;
  std::array<uint32_t, kAttrOwnerCount * kKeyCachePositions> key_cache{};  // see key_id()
  AnyValue blob_value;  // array, kvlist and bytes values go through protobuf

  void reset() {
    spans.clear();
    scopes.clear();
    resources.clear();
    kvs.clear();
    events.clear();
    links.clear();
    seen_spans.clear();
    resource_index.clear();
    scope_index.clear();
  }

  // --- pass 1 -------------------------------------------------------------------------------

  Outcome read_span(std::string_view bytes, Span* s) {
    Fields r(bytes);
    s->kv_begin = s->kv_end = static_cast<uint32_t>(kvs.size());
    s->event_begin = s->event_end = static_cast<uint32_t>(events.size());
    s->link_begin = s->link_end = static_cast<uint32_t>(links.size());
    bool status_seen = false;
    while (r.next()) {
      switch (r.field()) {
        case f::kSpanSpanId:
          if (r.is(f::kSpanSpanId, wire::kLen)) s->span_id = r.bytes();
          break;
        case f::kSpanTraceState:
          if (r.is(f::kSpanTraceState, wire::kLen)) s->trace_state = r.bytes();
          break;
        case f::kSpanParent:
          if (r.is(f::kSpanParent, wire::kLen)) s->parent_id = r.bytes();
          break;
        case f::kSpanName:
          if (r.is(f::kSpanName, wire::kLen)) s->name = r.bytes();
          break;
        case f::kSpanKind:
          if (r.is(f::kSpanKind, wire::kVarint)) s->kind = r.u32();
          break;
        case f::kSpanStart:
          if (r.is(f::kSpanStart, wire::kFixed64)) s->start = r.num();
          break;
        case f::kSpanEnd:
          if (r.is(f::kSpanEnd, wire::kFixed64)) s->end = r.num();
          break;
        case f::kSpanAttributes:
          if (r.is(f::kSpanAttributes, wire::kLen)) kvs.push_back(r.bytes());
          break;
        case f::kSpanDroppedAttributes:
          if (r.is(f::kSpanDroppedAttributes, wire::kVarint)) s->dropped_attributes = r.u32();
          break;
        case f::kSpanEvents:
          if (r.is(f::kSpanEvents, wire::kLen)) events.push_back(r.bytes());
          break;
        case f::kSpanDroppedEvents:
          if (r.is(f::kSpanDroppedEvents, wire::kVarint)) s->dropped_events = r.u32();
          break;
        case f::kSpanLinks:
          if (r.is(f::kSpanLinks, wire::kLen)) links.push_back(r.bytes());
          break;
        case f::kSpanDroppedLinks:
          if (r.is(f::kSpanDroppedLinks, wire::kVarint)) s->dropped_links = r.u32();
          break;
        case f::kSpanStatus:
          if (r.is(f::kSpanStatus, wire::kLen)) {
            if (status_seen) return Outcome::kMerge;
            status_seen = true;
            Fields st(r.bytes());
            while (st.next()) {
              if (st.is(f::kStatusMessage, wire::kLen)) s->status_message = st.bytes();
              if (st.is(f::kStatusCode, wire::kVarint)) s->status_code = st.u32();
            }
            if (st.bad()) return Outcome::kCorrupt;
          }
          break;
        case f::kSpanFlags:
          if (r.is(f::kSpanFlags, wire::kFixed32)) s->flags = r.u32();
          break;
        default:
          break;
      }
    }
    if (r.bad()) return Outcome::kCorrupt;
    s->kv_end = static_cast<uint32_t>(kvs.size());
    s->event_end = static_cast<uint32_t>(events.size());
    s->link_end = static_cast<uint32_t>(links.size());
    return Outcome::kOk;
  }

  // One ScopeSpans of the ResourceSpans keyed (resource bytes, schema URL).
  Outcome read_scope_spans(std::string_view bytes, std::string_view resource,
                           std::string_view resource_schema) {
    Fields r(bytes);
    std::string_view scope, schema;
    bool scope_seen = false;
    kept.clear();
    while (r.next()) {
      if (r.is(f::kSsScope, wire::kLen)) {
        if (scope_seen) return Outcome::kMerge;
        scope_seen = true;
        scope = r.bytes();
      } else if (r.is(f::kSsSchemaUrl, wire::kLen)) {
        schema = r.bytes();
      } else if (r.is(f::kSsSpans, wire::kLen)) {
        Span s;
        if (Outcome o = read_span(r.bytes(), &s); o != Outcome::kOk) return o;
        if (!seen_spans.insert(s.span_id).second) continue;  // sent twice: the first one stays
        kept.push_back(static_cast<uint32_t>(spans.size()));
        spans.push_back(s);
      }
    }
    if (r.bad()) return Outcome::kCorrupt;
    if (kept.empty()) return Outcome::kOk;  // no span: neither resource nor scope appears

    auto [rit, rnew] = resource_index.try_emplace(std::pair(resource, resource_schema),
                                                  static_cast<uint32_t>(resources.size()));
    if (rnew) resources.push_back({resource, resource_schema, kNone, kNone});
    const uint32_t res = rit->second;
    auto [sit, snew] = scope_index.try_emplace(std::tuple(res, scope, schema),
                                               static_cast<uint32_t>(scopes.size()));
    if (snew) {
      scopes.push_back({scope, schema, kNone, kNone, kNone});
      Resource& rr = resources[res];
      if (rr.first_scope == kNone) {
        rr.first_scope = sit->second;
      } else {
        scopes[rr.last_scope].next = sit->second;
      }
      rr.last_scope = sit->second;
    }
    Scope& sc = scopes[sit->second];
    for (uint32_t i : kept) {
      spans[i].next = kNone;
      if (sc.first_span == kNone) {
        sc.first_span = i;
      } else {
        spans[sc.last_span].next = i;
      }
      sc.last_span = i;
    }
    return Outcome::kOk;
  }

  Outcome read_resource_spans(std::string_view bytes) {
    // The key (resource, schema URL) first: the schema URL comes after the scopes.
    std::string_view resource, schema;
    bool resource_seen = false;
    Fields r(bytes);
    while (r.next()) {
      if (r.is(f::kRsResource, wire::kLen)) {
        if (resource_seen) return Outcome::kMerge;
        resource_seen = true;
        resource = r.bytes();
      } else if (r.is(f::kRsSchemaUrl, wire::kLen)) {
        schema = r.bytes();
      }
    }
    if (r.bad()) return Outcome::kCorrupt;
    Fields s(bytes);
    while (s.next()) {
      if (!s.is(f::kRsScopeSpans, wire::kLen)) continue;
      if (Outcome o = read_scope_spans(s.bytes(), resource, schema); o != Outcome::kOk) return o;
    }
    return Outcome::kOk;
  }

  Outcome read(std::string_view stored) {
    reset();
    Fields r(stored);
    while (r.next()) {
      if (!r.is(f::kTracesDataResourceSpans, wire::kLen)) continue;
      if (Outcome o = read_resource_spans(r.bytes()); o != Outcome::kOk) return o;
    }
    return r.bad() ? Outcome::kCorrupt : Outcome::kOk;
  }

  // --- pass 2 -------------------------------------------------------------------------------

  // The id of attribute key `key`, the `pos`th attribute of an owner of `kind`. Spans of one
  // service carry the same keys in the same order, so the id found last time at this place
  // is checked against the pool first: a compare instead of a hash lookup. The check also
  // makes the guess safe after the pool was cleared (a new row group) or rolled back.
  uint32_t key_id(StringPool& pool, AttrOwner kind, uint16_t pos, std::string_view key) {
    if (pos >= kKeyCachePositions) return pool.intern(key);
    return pool.intern(key, &key_cache[static_cast<size_t>(kind) * kKeyCachePositions + pos]);
  }

  // The shape nearly every exporter writes, read without the general loop: a KeyValue of
  // key then value, each with a one-byte tag and length; false for anything else (which the
  // loop then reads, with protobuf's rules).
  static bool simple_key_value(std::string_view kv, std::string_view* key,
                               std::string_view* value) {
    const auto* p = reinterpret_cast<const uint8_t*>(kv.data());
    const size_t n = kv.size();
    if (n < 4 || p[0] != 0x0A || p[1] >= 0x80) return false;  // field 1, LEN
    const size_t k = p[1];
    if (2 + k + 2 > n || p[2 + k] != 0x12 || p[3 + k] >= 0x80) return false;  // field 2, LEN
    if (4 + k + p[3 + k] != n) return false;
    *key = kv.substr(2, k);
    *value = kv.substr(4 + k);
    return true;
  }

  // An AnyValue holding exactly one field of its oneof, with a one-byte tag (and length, for
  // a string): that field's case and value. False for anything else, including the empty
  // value, which the general loop reads.
  static bool simple_any_value(std::string_view v, uint32_t* which, uint64_t* num,
                               std::string_view* str) {
    const auto* p = reinterpret_cast<const uint8_t*>(v.data());
    const size_t n = v.size();
    if (n < 2) return false;
    switch (p[0]) {
      case (f::kAnyString << 3) | wire::kLen:
        if (p[1] >= 0x80 || 2u + p[1] != n) return false;
        *which = f::kAnyString;
        *str = v.substr(2);
        return true;
      case (f::kAnyBool << 3) | wire::kVarint:
      case (f::kAnyInt << 3) | wire::kVarint: {
        const char* q = v.data() + 1;
        if (!wire::read_varint(q, v.data() + n, num) || q != v.data() + n) return false;
        *which = p[0] >> 3;
        return true;
      }
      case (f::kAnyDouble << 3) | wire::kFixed64:
        if (n != 9) return false;
        *which = f::kAnyDouble;
        *num = wire::load_fixed64(v.data() + 1);
        return true;
      default:
        return false;
    }
  }

  // One KeyValue of `owner`.
  Outcome add_attr(SpanTableBuilder& b, AttrOwner kind, uint32_t owner, std::string_view kv,
                   uint16_t pos) {
    std::string_view key, value;
    if (!simple_key_value(kv, &key, &value)) {
      bool value_seen = false;
      Fields r(kv);
      while (r.next()) {
        if (r.is(f::kKvKey, wire::kLen)) {
          key = r.bytes();
        } else if (r.is(f::kKvValue, wire::kLen)) {
          if (value_seen) return Outcome::kMerge;
          value_seen = true;
          value = r.bytes();
        }
      }
      if (r.bad()) return Outcome::kCorrupt;
    }
    SpanTable& t = *b.t_;
    PendingAttr a{owner, key_id(t.strings, kind, pos, key), ValueType::kEmpty, 0, pos};
    // The oneof: the last of its fields sets it.
    uint32_t which = 0;
    uint64_t num = 0;
    std::string_view str;
    Fields v(simple_any_value(value, &which, &num, &str) ? std::string_view() : value);
    while (v.next()) {
      switch (v.field()) {
        case f::kAnyString:
        case f::kAnyArray:
        case f::kAnyKvList:
        case f::kAnyBytes:
          if (v.is(v.field(), wire::kLen)) {
            which = v.field();
            str = v.bytes();
          }
          break;
        case f::kAnyBool:
        case f::kAnyInt:
          if (v.is(v.field(), wire::kVarint)) {
            which = v.field();
            num = v.num();
          }
          break;
        case f::kAnyDouble:
          if (v.is(f::kAnyDouble, wire::kFixed64)) {
            which = f::kAnyDouble;
            num = v.num();
          }
          break;
        default:
          break;
      }
    }
    if (v.bad()) return Outcome::kCorrupt;
    switch (which) {
      case f::kAnyString:
        a.type = ValueType::kString;
        a.value = t.strings.intern(str);
        break;
      case f::kAnyBool:
        a.type = ValueType::kBool;
        a.value = num != 0 ? 1 : 0;
        break;
      case f::kAnyInt:
        a.type = ValueType::kInt;
        a.value = num;
        break;
      case f::kAnyDouble:
        a.type = ValueType::kDouble;
        a.value = num;
        break;
      case f::kAnyArray:
      case f::kAnyKvList:
      case f::kAnyBytes:
        a.type = which == f::kAnyArray    ? ValueType::kArray
                 : which == f::kAnyKvList ? ValueType::kKvList
                                          : ValueType::kBytes;
        blob_value.Clear();
        if (!blob_value.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          return Outcome::kCorrupt;
        }
        a.value = t.blobs.size();
        t.blobs.emplace_back();
        blob_value.SerializeToString(&t.blobs.back());
        break;
      default:
        break;
    }
    b.pending_[static_cast<int>(kind)].push_back(a);
    return Outcome::kOk;
  }

  Outcome add_attrs(SpanTableBuilder& b, AttrOwner kind, uint32_t owner, uint32_t begin,
                    uint32_t end) {
    uint16_t pos = 0;
    for (uint32_t i = begin; i < end; ++i) {
      if (Outcome o = add_attr(b, kind, owner, kvs[i], pos++); o != Outcome::kOk) return o;
    }
    return Outcome::kOk;
  }

  // A resource's attributes; its dropped_attributes_count in *dropped.
  Outcome add_resource_attrs(SpanTableBuilder& b, uint32_t row, std::string_view resource,
                             uint32_t* dropped) {
    const auto begin = static_cast<uint32_t>(kvs.size());
    Fields r(resource);
    while (r.next()) {
      if (r.is(f::kResourceAttributes, wire::kLen)) kvs.push_back(r.bytes());
      if (r.is(f::kResourceDropped, wire::kVarint)) *dropped = r.u32();
    }
    if (r.bad()) return Outcome::kCorrupt;
    return add_attrs(b, AttrOwner::kResource, row, begin, static_cast<uint32_t>(kvs.size()));
  }

  Outcome add_event(SpanTableBuilder& b, std::string_view bytes) {
    SpanTable& t = *b.t_;
    const auto row = static_cast<uint32_t>(t.events.time.size());
    uint64_t time = 0;
    std::string_view name;
    const auto begin = static_cast<uint32_t>(kvs.size());
    uint32_t dropped = 0;
    Fields r(bytes);
    while (r.next()) {
      if (r.is(f::kEventTime, wire::kFixed64)) time = r.num();
      if (r.is(f::kEventName, wire::kLen)) name = r.bytes();
      if (r.is(f::kEventAttributes, wire::kLen)) kvs.push_back(r.bytes());
      if (r.is(f::kEventDropped, wire::kVarint)) dropped = r.u32();
    }
    if (r.bad()) return Outcome::kCorrupt;
    t.events.time.push_back(time);
    t.events.name.push_back(t.strings.intern(name));
    t.events.dropped_attributes.push_back(dropped);
    return add_attrs(b, AttrOwner::kEvent, row, begin, static_cast<uint32_t>(kvs.size()));
  }

  Outcome add_link(SpanTableBuilder& b, std::string_view bytes) {
    SpanTable& t = *b.t_;
    const auto row = static_cast<uint32_t>(t.links.span_id.size());
    std::string_view trace_id, span_id, trace_state;
    uint32_t dropped = 0, flags = 0;
    const auto begin = static_cast<uint32_t>(kvs.size());
    Fields r(bytes);
    while (r.next()) {
      if (r.is(f::kLinkTraceId, wire::kLen)) trace_id = r.bytes();
      if (r.is(f::kLinkSpanId, wire::kLen)) span_id = r.bytes();
      if (r.is(f::kLinkTraceState, wire::kLen)) trace_state = r.bytes();
      if (r.is(f::kLinkAttributes, wire::kLen)) kvs.push_back(r.bytes());
      if (r.is(f::kLinkDropped, wire::kVarint)) dropped = r.u32();
      if (r.is(f::kLinkFlags, wire::kFixed32)) flags = r.u32();
    }
    if (r.bad()) return Outcome::kCorrupt;
    TraceId lid;
    if (!TraceId::from_bytes(trace_id, &lid).is_ok()) lid = TraceId{};
    t.links.trace_id.push_back(lid);
    t.links.span_id.push_back(span_id_from_bytes(span_id));
    t.links.trace_state.push_back(t.strings.intern(trace_state));
    t.links.flags.push_back(flags);
    t.links.dropped_attributes.push_back(dropped);
    return add_attrs(b, AttrOwner::kLink, row, begin, static_cast<uint32_t>(kvs.size()));
  }

  Outcome add_span(SpanTableBuilder& b, const Span& s) {
    SpanTable& t = *b.t_;
    auto& sp = t.spans;
    const auto row = static_cast<uint32_t>(sp.id.size());
    sp.id.push_back(span_id_from_bytes(s.span_id));
    sp.parent_id.push_back(s.parent_id.empty() ? 0 : span_id_from_bytes(s.parent_id));
    sp.name.push_back(t.strings.intern(s.name));
    sp.kind.push_back(static_cast<uint8_t>(s.kind));
    sp.status_code.push_back(static_cast<uint8_t>(s.status_code));
    sp.status_message.push_back(t.strings.intern(s.status_message));
    sp.trace_state.push_back(t.strings.intern(s.trace_state));
    sp.flags.push_back(s.flags);
    sp.start.push_back(s.start);
    sp.duration.push_back(s.end - s.start);  // wrapping, as add_trace() stores it
    sp.dropped_attributes.push_back(s.dropped_attributes);
    sp.dropped_events.push_back(s.dropped_events);
    sp.dropped_links.push_back(s.dropped_links);
    if (Outcome o = add_attrs(b, AttrOwner::kSpan, row, s.kv_begin, s.kv_end); o != Outcome::kOk) {
      return o;
    }
    for (uint32_t i = s.event_begin; i < s.event_end; ++i) {
      if (Outcome o = add_event(b, events[i]); o != Outcome::kOk) return o;
    }
    for (uint32_t i = s.link_begin; i < s.link_end; ++i) {
      if (Outcome o = add_link(b, links[i]); o != Outcome::kOk) return o;
    }
    sp.event_offsets.push_back(static_cast<uint32_t>(t.events.time.size()));
    sp.link_offsets.push_back(static_cast<uint32_t>(t.links.span_id.size()));
    return Outcome::kOk;
  }

  Outcome add_scope(SpanTableBuilder& b, const Scope& sc) {
    SpanTable& t = *b.t_;
    const auto row = static_cast<uint32_t>(t.scopes.name.size());
    std::string_view name, version;
    uint32_t dropped = 0;
    const auto kv_begin = static_cast<uint32_t>(kvs.size());
    Fields r(sc.scope);
    while (r.next()) {
      if (r.is(f::kScopeName, wire::kLen)) name = r.bytes();
      if (r.is(f::kScopeVersion, wire::kLen)) version = r.bytes();
      if (r.is(f::kScopeAttributes, wire::kLen)) kvs.push_back(r.bytes());
      if (r.is(f::kScopeDropped, wire::kVarint)) dropped = r.u32();
    }
    if (r.bad()) return Outcome::kCorrupt;
    t.scopes.name.push_back(t.strings.intern(name));
    t.scopes.version.push_back(t.strings.intern(version));
    t.scopes.schema_url.push_back(t.strings.intern(sc.schema_url));
    t.scopes.dropped_attributes.push_back(dropped);
    Outcome o = add_attrs(b, AttrOwner::kScope, row, kv_begin, static_cast<uint32_t>(kvs.size()));
    if (o != Outcome::kOk) return o;
    for (uint32_t i = sc.first_span; i != kNone; i = spans[i].next) {
      if (o = add_span(b, spans[i]); o != Outcome::kOk) return o;
    }
    t.scopes.span_offsets.push_back(static_cast<uint32_t>(t.spans.id.size()));
    return Outcome::kOk;
  }

  Outcome add(SpanTableBuilder& b, const TraceId& id) {
    SpanTable& t = *b.t_;
    t.traces.id.push_back(id);
    for (const Resource& res : resources) {
      const auto row = static_cast<uint32_t>(t.resources.schema_url.size());
      t.resources.schema_url.push_back(t.strings.intern(res.schema_url));
      uint32_t dropped = 0;
      Outcome o = add_resource_attrs(b, row, res.resource, &dropped);
      t.resources.dropped_attributes.push_back(dropped);
      if (o != Outcome::kOk) return o;
      for (uint32_t s = res.first_scope; s != kNone; s = scopes[s].next) {
        if (o = add_scope(b, scopes[s]); o != Outcome::kOk) return o;
      }
      t.resources.scope_offsets.push_back(static_cast<uint32_t>(t.scopes.name.size()));
    }
    t.traces.resource_offsets.push_back(static_cast<uint32_t>(t.resources.schema_url.size()));
    return Outcome::kOk;
  }

  // Every column the builder appends to, and the pending attribute rows: what a failed trace
  // is rolled back over.
  template <typename F>
  static void for_each_built(SpanTable& t, std::vector<PendingAttr>* pending, F&& f) {
    f(t.blobs);
    f(t.traces.id), f(t.traces.resource_offsets);
    auto& r = t.resources;
    f(r.scope_offsets), f(r.schema_url), f(r.dropped_attributes);
    auto& c = t.scopes;
    f(c.span_offsets), f(c.name), f(c.version), f(c.schema_url), f(c.dropped_attributes);
    auto& s = t.spans;
    f(s.event_offsets), f(s.link_offsets), f(s.id), f(s.parent_id), f(s.name), f(s.kind);
    f(s.status_code), f(s.status_message), f(s.trace_state), f(s.flags), f(s.start);
    f(s.duration), f(s.dropped_attributes), f(s.dropped_events), f(s.dropped_links);
    auto& e = t.events;
    f(e.time), f(e.name), f(e.dropped_attributes);
    auto& l = t.links;
    f(l.trace_id), f(l.span_id), f(l.trace_state), f(l.flags), f(l.dropped_attributes);
    for (int k = 0; k < kAttrOwnerCount; ++k) f(pending[k]);
  }
};

void SpanTableBuilder::WireDeleter::operator()(Wire* w) const { delete w; }

Status SpanTableBuilder::add_trace_bytes(const TraceId& id, std::string_view stored) {
  if (!wire_) wire_.reset(new Wire);
  std::array<size_t, 48> mark{};
  size_t n = 0;
  Wire::for_each_built(*t_, pending_, [&](auto& v) { mark[n++] = v.size(); });
  const size_t strings = t_->strings.size();
  Outcome o = wire_->read(stored);
  if (o == Outcome::kOk) o = wire_->add(*this, id);
  if (o == Outcome::kOk) return Status::ok();
  n = 0;
  Wire::for_each_built(*t_, pending_, [&](auto& v) { v.resize(mark[n++]); });
  t_->strings.truncate(strings);
  if (o == Outcome::kCorrupt) return Status::corruption("stored trace data does not parse");
  // A singular message field twice: protobuf merges the two, which the message path does.
  opentelemetry::proto::trace::v1::TracesData data;
  TEMPO_RETURN_IF_ERROR(model::combine_segments(stored, &data));
  add_trace(id, data);
  return Status::ok();
}

}  // namespace tempo::columnar
