#pragma once
// The in-memory index of one WAL block: every record's trace ID and file offset, in append
// order, and for every trace the chain of its records. Span data stays in the file.
//
// Sized for the ingester's memory flat out, where a head block and the sealed blocks waiting
// for flush together index a million traces or more: 28 bytes a record (ID, offset, link to
// the trace's next record) in a chunked array, which grows without copying, and 8 bytes a
// trace in an open-addressing set of record numbers whose hash and equality look the ID up in
// the array, so no ID is stored twice. A map from ID to a vector of offsets, with the append
// order kept beside it for search, took about 100 bytes a trace (docs/wal_format.md).
//
// Not thread-safe: WalBlock locks around it.

#include <absl/container/flat_hash_set.h>

#include <cstdint>
#include <deque>
#include <vector>

#include "tempo/model/trace_id.h"

namespace tempo::ingester {

class RecordIndex {
 public:
  RecordIndex();
  // The hasher and equality hold a pointer to records_: not copyable, not movable.
  RecordIndex(const RecordIndex&) = delete;
  RecordIndex& operator=(const RecordIndex&) = delete;

  // Adds the next record (record number records()) of trace `id`, stored at `offset`.
  void add(const TraceId& id, uint64_t offset);

  size_t records() const { return records_.size(); }
  size_t traces() const { return traces_.size(); }
  const TraceId& id_of(uint32_t record) const { return records_[record].id; }

  // The offsets of every record of `id`, in append order; false when the block lacks it.
  bool offsets_of(const TraceId& id, std::vector<uint64_t>* out) const;
  // The offsets of the records of the trace whose first record is `first`, in append order.
  void chain_offsets(uint32_t first, std::vector<uint64_t>* out) const;
  // Calls f(first record number) once for every trace, in no particular order.
  template <typename F>
  void for_each_trace(F&& f) const {
    for (const Trace& t : traces_) f(t.first);
  }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Record {
    TraceId id;
    uint32_t offset_lo, offset_hi;  // two halves: keeps the record at 28 bytes, 4-aligned
    uint32_t next;                  // the trace's next record, or kNone
    uint64_t offset() const { return uint64_t{offset_hi} << 32 | offset_lo; }
  };
  struct Trace {
    uint32_t first;
    mutable uint32_t last;  // not part of the key: updated in place as records are added
  };
  struct Hash {
    using is_transparent = void;
    const std::deque<Record>* records;
    size_t operator()(const TraceId& id) const { return TraceIdHash{}(id); }
    size_t operator()(const Trace& t) const { return (*this)((*records)[t.first].id); }
  };
  struct Eq {
    using is_transparent = void;
    const std::deque<Record>* records;
    const TraceId& id(const TraceId& id) const { return id; }
    const TraceId& id(const Trace& t) const { return (*records)[t.first].id; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return id(a) == id(b);
    }
  };

  std::deque<Record> records_;
  absl::flat_hash_set<Trace, Hash, Eq> traces_;
};

}  // namespace tempo::ingester
