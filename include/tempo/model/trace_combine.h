#pragma once
// Reassembling a trace from the pieces stored for it (WAL records, block payloads).

#include <string>
#include <vector>

#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "tempo/util/status.h"

namespace tempo::model {

// Parses every piece (each a serialized TracesData, possibly several concatenated) and merges
// them into `out`: ResourceSpans with identical resource and schema URL become one, as do
// ScopeSpans with identical scope, and a span whose span ID was already seen is dropped (the
// same span can arrive twice through client retries, or sit in both the WAL and a block).
// Output order is first-seen order. kCorruption if a piece does not parse.
Status combine_segments(const std::vector<std::string>& pieces,
                        opentelemetry::proto::trace::v1::TracesData* out);

// Total number of spans in `trace`.
size_t span_count(const opentelemetry::proto::trace::v1::TracesData& trace);

}  // namespace tempo::model
