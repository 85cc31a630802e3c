#pragma once
// Conversions between OTLP traces and SpanTable: the builder that block writers and live
// search use to turn traces into columns, and the assembly that turns a table's trace back
// into OTLP (trace by ID, search results).

#include <cstdint>
#include <string_view>
#include <vector>

#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "tempo/columnar/span_table.h"
#include "tempo/model/trace_id.h"

namespace tempo::columnar {

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
  void finish();

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

  SpanTable* t_;
  std::vector<PendingAttr> pending_[kAttrOwnerCount];
  std::string scratch_;
};

// Builds `out` (replacing its contents) from the trace at `trace_row`. Every column must be
// loaded. Resources, scopes, spans, events, links and attributes come back in stored order.
void assemble_trace(const SpanTable& table, uint32_t trace_row,
                    opentelemetry::proto::trace::v1::TracesData* out);

// Span ID bytes <-> the u64 the table stores (big-endian, so ordering and hex match).
uint64_t span_id_from_bytes(std::string_view bytes);
void span_id_to_bytes(uint64_t id, std::string* out);

}  // namespace tempo::columnar
