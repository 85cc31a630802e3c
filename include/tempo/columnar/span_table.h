#pragma once
// SpanTable: whole traces in columnar form. It is the one in-memory shape that search works
// on, whatever holds the data: a block row group read from the backend, or traces decoded
// from the WAL. Block encodings store its columns; the TraceQL engine scans them.
//
// Layout. Rows of every table are grouped by their owner, so each owner's children are a
// contiguous range given by an offsets column (`n + 1` entries, first 0):
//
//   traces ──resource_offsets──> resources ──scope_offsets──> scopes ──span_offsets──> spans
//   spans ──event_offsets──> events,   spans ──link_offsets──> links
//
// Attributes are one table per owner kind (resource, scope, span, event, link). Their rows
// are sorted by key, then owner, so the rows of one key are a contiguous run (`keys`): a
// condition on `span.http.method` reads one run, and storage can keep each run as its own
// column chunk. `pos` keeps each attribute's place within its owner so a trace comes back
// out exactly as it went in.
//
// Strings (names, keys, string values, status messages…) are ids into one StringPool per
// table. Comparing a string column with a literal is an integer compare, and a literal the
// pool does not hold cannot match anything in the table.
//
// A table read for a query may hold only some columns: an empty column vector means "not
// loaded". Structure (every offsets column) is always present.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tempo/model/trace_id.h"

namespace tempo::columnar {

inline constexpr uint32_t kNoRow = 0xFFFFFFFFu;

// Distinct strings of one table; id 0 is always "".
class StringPool {
 public:
  StringPool();
  ~StringPool();
  // A copy shares no index: it builds its own on first use.
  StringPool(const StringPool& other);
  StringPool& operator=(const StringPool& other);
  StringPool(StringPool&&) noexcept;
  StringPool& operator=(StringPool&&) noexcept;

  uint32_t intern(std::string_view s);
  // The same, trying `*guess` first (an id this string had before, perhaps in another
  // pool or before a clear()): it counts only when that id holds `s`. Builders keep one guess
  // per place a string repeats (an attribute key's position, a source table's id), which
  // turns most lookups into one compare. *guess is updated.
  uint32_t intern(std::string_view s, uint32_t* guess) {
    if (*guess < strings_.size() && strings_[*guess] == s) return *guess;
    *guess = intern(s);
    return *guess;
  }
  // The id of `s`, or nullopt when the pool does not hold it.
  std::optional<uint32_t> find(std::string_view s) const;
  std::string_view get(uint32_t id) const { return strings_[id]; }
  size_t size() const { return strings_.size(); }
  const std::vector<std::string>& strings() const { return strings_; }
  // Replaces the contents (strings[0] must be ""); used by decoders.
  void assign(std::vector<std::string> strings);
  // Forgets every string from id `n` on (n >= 1): a builder that gives up on a trace.
  void truncate(size_t n);
  void clear();

 private:
  // A hash set of ids that hashes and compares the strings they name (span_table.cc), so
  // each string is stored once. Built on first intern()/find(): a decoded pool that is only
  // read by id never needs it.
  struct Index;
  std::vector<std::string> strings_;
  mutable std::unique_ptr<Index> index_;
  const Index& index() const;
};

// Type of an attribute value, as OTLP's AnyValue cases.
enum class ValueType : uint8_t {
  kEmpty = 0,  // AnyValue with no value set
  kString = 1,
  kBool = 2,
  kInt = 3,
  kDouble = 4,
  kArray = 5,   // value: index into `blobs` (serialized AnyValue)
  kKvList = 6,  // value: index into `blobs`
  kBytes = 7,   // value: index into `blobs`
};

// Which table an attribute belongs to.
enum class AttrOwner : uint8_t { kResource = 0, kScope, kSpan, kEvent, kLink };
inline constexpr int kAttrOwnerCount = 5;

struct AttrTable {
  struct KeyRun {
    uint32_t key;         // string id
    uint32_t begin, end;  // rows [begin, end)
  };
  std::vector<uint32_t> owner;  // row in the owning table
  std::vector<uint32_t> key;    // string id
  std::vector<ValueType> type;
  // String id, int64 bits, double bits, 0/1, or blob index, by `type`.
  std::vector<uint64_t> value;
  std::vector<uint16_t> pos;  // index among its owner's attributes
  std::vector<KeyRun> keys;   // sorted by key id

  size_t size() const { return owner.size(); }
  // The run of `key`, or nullptr.
  const KeyRun* run(uint32_t key) const;
};

// A stored span duration as search sees it: a span that ends before it starts (duration
// above INT64_MAX, wrapped) lasts 0 ns.
inline uint64_t effective_duration(uint64_t stored) {
  return stored > static_cast<uint64_t>(INT64_MAX) ? 0 : stored;
}

struct SpanTable {
  StringPool strings;
  // Serialized AnyValue of array, kvlist and bytes attribute values.
  std::vector<std::string> blobs;

  struct Traces {
    std::vector<TraceId> id;
    std::vector<uint32_t> resource_offsets;  // n + 1
    // Derived (see derive()): every trace's spans are one contiguous range of spans.
    std::vector<uint32_t> span_begin, span_end;
    std::vector<uint64_t> start, end;               // earliest span start, latest span end
    std::vector<uint32_t> root;                     // span row of the root span, or kNoRow
    std::vector<uint32_t> root_service, root_name;  // string ids ("" when no root)
  } traces;

  struct Resources {
    std::vector<uint32_t> scope_offsets;  // n + 1
    std::vector<uint32_t> schema_url;
    std::vector<uint32_t> dropped_attributes;
    std::vector<uint32_t> service_name;  // derived: string id of service.name or 0
  } resources;

  struct Scopes {
    std::vector<uint32_t> span_offsets;  // n + 1
    std::vector<uint32_t> name, version, schema_url;
    std::vector<uint32_t> dropped_attributes;
  } scopes;

  struct Spans {
    std::vector<uint32_t> event_offsets;  // n + 1
    std::vector<uint32_t> link_offsets;   // n + 1
    std::vector<uint64_t> id;             // 8 span-id bytes, big-endian
    std::vector<uint64_t> parent_id;      // 0 = none
    std::vector<uint32_t> name;
    std::vector<uint8_t> kind;         // OTLP SpanKind
    std::vector<uint8_t> status_code;  // OTLP StatusCode
    std::vector<uint32_t> status_message;
    std::vector<uint32_t> trace_state;
    std::vector<uint32_t> flags;
    std::vector<uint64_t> start;  // unix ns
    // end - start in ns, wrapping when a span ends before it starts, so start + duration is
    // always the stored end; read it through effective_duration().
    std::vector<uint64_t> duration;
    std::vector<uint32_t> dropped_attributes, dropped_events, dropped_links;
    // Derived (see derive()).
    std::vector<uint32_t> trace;     // trace row
    std::vector<uint32_t> scope;     // scope row
    std::vector<uint32_t> resource;  // resource row
    std::vector<uint32_t> parent;    // span row of the parent in the same trace, or kNoRow
    std::vector<uint32_t> child_count;
    // Nested-set numbering per trace (pre-order enter/leave counters): b is a descendant of
    // a iff left[a] < left[b] && right[b] < right[a]. Spans whose parent is missing from the
    // trace start their own tree.
    std::vector<uint32_t> nested_left, nested_right;
  } spans;

  struct Events {
    std::vector<uint32_t> span;  // derived: owning span row
    std::vector<uint64_t> time;
    std::vector<uint32_t> name;
    std::vector<uint32_t> dropped_attributes;
  } events;

  struct Links {
    std::vector<uint32_t> span;  // derived: owning span row
    std::vector<TraceId> trace_id;
    std::vector<uint64_t> span_id;
    std::vector<uint32_t> trace_state;
    std::vector<uint32_t> flags;
    std::vector<uint32_t> dropped_attributes;
  } links;

  std::array<AttrTable, kAttrOwnerCount> attrs;
  AttrTable& attr(AttrOwner o) { return attrs[static_cast<int>(o)]; }
  const AttrTable& attr(AttrOwner o) const { return attrs[static_cast<int>(o)]; }

  size_t trace_count() const { return traces.id.size(); }
  size_t resource_count() const {
    return resources.scope_offsets.empty() ? 0 : resources.scope_offsets.size() - 1;
  }
  size_t scope_count() const {
    return scopes.span_offsets.empty() ? 0 : scopes.span_offsets.size() - 1;
  }
  size_t span_count() const {
    return spans.event_offsets.empty() ? 0 : spans.event_offsets.size() - 1;
  }
  size_t event_count() const {
    return spans.event_offsets.empty() ? 0 : spans.event_offsets.back();
  }
  size_t link_count() const { return spans.link_offsets.empty() ? 0 : spans.link_offsets.back(); }

  // Computes every derived column from the stored ones: owner rows, span ranges, trace
  // times, parents, child counts, nested sets and roots. Decoders call it after loading;
  // it needs the structure, span ids/parent ids/start/duration/name and the resources'
  // service.name attribute run when those columns are loaded (derived columns that depend on
  // a column not loaded stay empty).
  void derive();
  void clear();
};

}  // namespace tempo::columnar
