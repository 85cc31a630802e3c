#pragma once
// Reassembling a trace from the pieces stored for it (WAL records, block payloads, live data).
//
// Merge rules: ResourceSpans with identical resource and schema URL (compared as serialized
// bytes) become one, as do ScopeSpans with identical scope and schema URL within them, and a
// span whose span ID was already seen in the trace is dropped (the same span can arrive twice
// through client retries, or sit in both the WAL and a block). Output order is first-seen
// order for resources, scopes and spans, so the result is deterministic for a given input order.

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "tempo/util/status.h"

namespace tempo::model {

// Incremental form, for callers that collect pieces from several sources.
class TraceCombiner {
 public:
  // `bytes` is a serialized TracesData, possibly several concatenated. kCorruption if it does
  // not parse; what was added before stays.
  Status add_bytes(std::string_view bytes);
  // Moves the spans out of `part`.
  void add(opentelemetry::proto::trace::v1::TracesData&& part);

  size_t span_count() const { return seen_spans_.size(); }

  // The combined trace; the combiner is empty afterwards.
  opentelemetry::proto::trace::v1::TracesData take();

 private:
  opentelemetry::proto::trace::v1::TracesData out_;
  std::unordered_map<std::string, int> resource_index_;  // resource key -> index in out_
  std::unordered_map<std::string, int> scope_index_;     // resource index + scope key -> index
  std::unordered_set<std::string> seen_spans_;           // span IDs
  std::string key_, scope_key_;
};

// Parses every piece (each a serialized TracesData, possibly several concatenated) and merges
// them into `out` (which is overwritten). kCorruption if a piece does not parse.
Status combine_segments(const std::vector<std::string>& pieces,
                        opentelemetry::proto::trace::v1::TracesData* out);
Status combine_segments(std::string_view concatenated,
                        opentelemetry::proto::trace::v1::TracesData* out);

// Merges already parsed parts (their spans are moved out) into `out` (overwritten).
void combine(std::vector<opentelemetry::proto::trace::v1::TracesData>& parts,
             opentelemetry::proto::trace::v1::TracesData* out);

// Total number of spans in `trace`.
size_t span_count(const opentelemetry::proto::trace::v1::TracesData& trace);

}  // namespace tempo::model
