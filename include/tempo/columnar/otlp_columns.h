#pragma once
// Conversions between OTLP traces and SpanTable: the builder that block writers and live
// search use to turn traces into columns, and the assembly that turns a table's trace back
// into OTLP (trace by ID, search results).

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "tempo/columnar/span_table.h"
#include "tempo/model/trace_id.h"
#include "tempo/util/status.h"

namespace tempo::columnar {

// A table traces are copied from, row by row, with SpanTableBuilder::add_trace_from: it
// keeps, per attribute key run, where the last copied trace's rows ended, so copying a
// table's traces in row order walks each run once; and, per string of the table, the id it
// last had in the output's pool. Reset it when the table or its contents change.
class TableCopySource {
 public:
  void reset(const SpanTable* table);
  const SpanTable* table() const { return table_; }

 private:
  friend class SpanTableBuilder;
  void rewind();  // cursors back to the start of each run; the guesses stay
  const SpanTable* table_ = nullptr;
  uint32_t last_row_ = 0;
  std::array<std::vector<uint32_t>, kAttrOwnerCount> cursor_;  // per key run: next row
  // Source string id -> its id in the output pool (a guess, checked on use). Kept per source:
  // a compaction interleaves the traces of several inputs, whose ids for one string differ,
  // and one shared map would have each input overwrite the others' guesses.
  std::vector<uint32_t> string_guess_;
};

// Appends whole traces to a SpanTable. Not thread-safe. `out` must stay live while the
// builder is used; it is complete (attribute runs sorted, derived columns computed) only
// after finish().
class SpanTableBuilder {
 public:
  explicit SpanTableBuilder(SpanTable* out);

  // Appends one trace holding every span of `data` (callers combine a trace's pieces and
  // drop duplicate spans first). Span IDs that are not 8 bytes are stored left-padded or
  // truncated to their last 8 bytes; OTLP receivers reject such spans before storage.
  void add_trace(const TraceId& id, const opentelemetry::proto::trace::v1::TracesData& data);
  // Appends one trace from the bytes stored for it: one or more serialized TracesData
  // concatenated (WAL records, a block writer's payload). The pieces are combined as
  // model::TraceCombiner combines them (resources and scopes with the same bytes and schema
  // URL merged, a span ID seen twice dropped) and the result is what add_trace() gives for
  // the combined message, but read straight off the wire, without building messages
  // (span_table_wire.cc). Two encodings of one resource that differ in their bytes stay two
  // resources here, where the combiner, comparing re-serialized messages, may merge them.
  // kCorruption when the bytes do not parse; the table is then as it was before the call.
  Status add_trace_bytes(const TraceId& id, std::string_view stored);
  // Appends trace `row` of `src`'s table (every column loaded) as it is there: what
  // add_trace() gives for the trace assembled from it, without assembling it
  // (span_table_copy.cc). What the compactor does with a trace that only one input holds.
  void add_trace_from(TableCopySource& src, uint32_t row);
  void finish();

  // Room for `rows[k]` attribute rows of owner kind k before the first trace: a writer that
  // cuts groups of one size passes what the last group held, so the attribute rows collected
  // until finish() are not moved again and again as their vector grows.
  void reserve_attrs(const std::array<size_t, kAttrOwnerCount>& rows);

  size_t spans() const;

 private:
  struct PendingAttr {
    uint32_t owner;
    uint32_t key;
    ValueType type;
    uint64_t value;
    uint16_t pos;
  };
  void add_attrs(AttrOwner owner_kind, uint32_t owner,
                 const google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>& kvs);

  // add_trace_bytes()'s reader and its per-trace scratch (span_table_wire.cc).
  struct Wire;
  struct WireDeleter {
    void operator()(Wire* w) const;
  };

  uint32_t copy_string(TableCopySource& src, uint32_t id);
  void copy_attrs(TableCopySource& src, AttrOwner kind, uint32_t begin, uint32_t end,
                  uint32_t dest_begin);

  SpanTable* t_;
  std::vector<PendingAttr> pending_[kAttrOwnerCount];
  std::unique_ptr<Wire, WireDeleter> wire_;
};

// Builds `out` (replacing its contents) from the trace at `trace_row`. Every column must be
// loaded. Resources, scopes, spans, events, links and attributes come back in stored order.
void assemble_trace(const SpanTable& table, uint32_t trace_row,
                    opentelemetry::proto::trace::v1::TracesData* out);

// Span ID bytes <-> the u64 the table stores (big-endian, so ordering and hex match).
uint64_t span_id_from_bytes(std::string_view bytes);
void span_id_to_bytes(uint64_t id, std::string* out);

}  // namespace tempo::columnar
