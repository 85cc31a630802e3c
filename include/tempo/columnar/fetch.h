#pragma once
// The contract between search and whatever holds spans (a block, the WAL, live data): the
// engine says which columns it needs and decides from a row group's statistics whether the
// group can hold a match at all; the source loads only the needed columns of the groups the
// engine keeps. Predicate logic lives in the engine alone; storage only offers statistics.

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tempo/columnar/span_table.h"
#include "tempo/util/status.h"

namespace tempo::columnar {

// Which columns of a SpanTable to load. Always loaded, whatever this says: the structure
// (every offsets column), trace IDs, span IDs, parent IDs, span start and duration, span
// names and the resources' service.name attribute run — what a search result and the
// derived columns need.
struct ColumnSet {
  bool everything = false;  // every column: a whole trace can be assembled from the table
  bool span_kind = false;
  bool span_status = false;  // status code and message
  bool span_misc = false;    // trace state, flags, dropped counts
  bool scopes = false;       // scope name, version, schema url, dropped count
  bool events = false;       // event time, name
  bool links = false;        // link trace id, span id, trace state, flags
  // Attribute keys to load, per owner kind (AttrOwner order); all_attrs loads every key.
  std::array<std::vector<std::string>, kAttrOwnerCount> attr_keys;
  std::array<bool, kAttrOwnerCount> all_attrs{};
  // The derived columns (SpanTable::derive): owners, parents, nested sets, roots, trace
  // times. A consumer that only copies stored columns into another table (the compactor)
  // turns them off; a source may compute them anyway.
  bool derived = true;
  // The caller reads each row group once, in order, and keeps no reader for queries (the
  // compactor): a source may then locate groups one at a time instead of decoding and caching
  // every group's statistics, which for a large block take tens of MB. Whole-block
  // statistics are not consulted.
  bool once = false;
};

// Statistics of one attribute key in one row group.
struct AttrKeyStats {
  std::string key;
  uint8_t types = 0;                      // bit (1 << ValueType) for every value type present
  int64_t int_min = 0, int_max = 0;       // over kInt values (valid when that type bit is set)
  double double_min = 0, double_max = 0;  // over kDouble values
};

// What the engine may consult before a row group's columns are read. A source may first show
// the statistics of a whole block (`whole_block`, no `strings`, maybe `may_hold_string`): a
// filter that declines those skips every group of the block.
struct RowGroupStats {
  bool whole_block = false;
  uint32_t traces = 0, spans = 0;
  uint64_t start_min = 0, end_max = 0;          // span times (unix ns)
  uint64_t duration_min = 0, duration_max = 0;  // span durations (ns)
  // Every distinct string of the group (names, keys, values, messages…): a string literal
  // that is not here cannot be equal to anything in the group.
  const StringPool* strings = nullptr;
  std::array<std::vector<AttrKeyStats>, kAttrOwnerCount> attrs;  // sorted by key
  // When `strings` is not given (statistics of a whole block): a filter that may answer
  // "certainly absent" for a string literal.
  std::function<bool(std::string_view)> may_hold_string;

  const AttrKeyStats* attr(AttrOwner owner, std::string_view key) const;
  // False only when no string of the group (or block) equals `s`.
  bool may_contain_string(std::string_view s) const {
    if (strings) return strings->find(s).has_value();
    return !may_hold_string || may_hold_string(s);
  }
};

// Statistics of a complete table (writers store these; live sources compute them on the fly).
void compute_stats(const SpanTable& t, RowGroupStats* out);

// Decides from statistics whether to read a row group (true = read it).
using RowGroupFilter = std::function<bool(const RowGroupStats&)>;
// One loaded row group as a scan hands it over. `skip_traces`, when set, marks trace rows
// the consumer must ignore: a cached live table may hold an older copy of a trace that has
// grown since, and the current copy comes in another group of the same scan.
struct RowGroup {
  const SpanTable& table;
  const std::vector<uint8_t>* skip_traces = nullptr;
  // Set when the source has no further use for the table: the consumer may move it out
  // (the compactor keeps a group while it merges other inputs) instead of copying it.
  SpanTable* movable = nullptr;

  bool skipped(uint32_t trace_row) const { return skip_traces && (*skip_traces)[trace_row]; }
};
// Receives each loaded row group. A non-ok status stops the scan.
using RowGroupFn = std::function<Status(const RowGroup&)>;

// One of `count` near-equal shares of a source's row groups (the `index`-th), so that several
// jobs can search one large source at once. The shares of one source are disjoint, in the
// source's own order, and together hold every group.
struct ScanPart {
  uint32_t index = 0, count = 1;

  // The share's [first, end) among `n` groups.
  size_t first(size_t n) const { return count <= 1 ? 0 : n * index / count; }
  size_t end(size_t n) const { return count <= 1 ? n : n * (index + 1) / count; }
};

struct ScanStats {
  uint64_t row_groups = 0, row_groups_skipped = 0;
  uint64_t spans_inspected = 0, traces_inspected = 0;
  uint64_t bytes_read = 0;
};

// Anything that holds spans and can be searched.
class SpanSource {
 public:
  virtual ~SpanSource() = default;
  // Calls `fn` with the columns `cols` asks for, one row group at a time, for every group
  // `keep` accepts. Row groups hold whole traces; a trace is never split across groups of
  // one source. Accumulates into *stats.
  virtual Status scan(const ColumnSet& cols, const RowGroupFilter& keep, const RowGroupFn& fn,
                      ScanStats* stats) = 0;
};

}  // namespace tempo::columnar
