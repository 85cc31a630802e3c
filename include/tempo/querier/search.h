#pragma once
// Search requests and results as the querier produces them, independent of how the API
// encodes them (Tempo's JSON, tempopb protobuf, the streaming gRPC service).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "opentelemetry/proto/common/v1/common.pb.h"
#include "tempo/model/trace_id.h"

namespace tempo::querier {

struct SearchRequest {
  std::string query = "{}";  // TraceQL; the API turns Tempo's older tags/minDuration/... into one
  uint32_t limit = 20;       // traces
  uint32_t spans_per_spanset = 3;
  // Unix nanoseconds; 0 = unbounded. A trace is a candidate when it overlaps [start, end].
  uint64_t start_ns = 0, end_ns = 0;
};

struct SearchSpan {
  std::string span_id;  // 16 lowercase hex digits
  std::string name;
  uint64_t start_unix_nano = 0;
  uint64_t duration_nanos = 0;
  std::vector<opentelemetry::proto::common::v1::KeyValue> attributes;
};

struct SearchSpanset {
  std::vector<SearchSpan> spans;  // at most spans_per_spanset
  uint32_t matched = 0;           // spans in the spanset
  // by() values and aggregate results, as Tempo reports them ("by(resource.service.name)").
  std::vector<opentelemetry::proto::common::v1::KeyValue> attributes;
};

struct SearchTrace {
  TraceId id;
  std::string root_service_name;  // "<root span not yet received>" when the root is missing
  std::string root_trace_name;
  uint64_t start_unix_nano = 0;
  uint32_t duration_ms = 0;
  std::vector<SearchSpanset> spansets;
};

struct SearchMetrics {
  uint64_t inspected_traces = 0;
  uint64_t inspected_bytes = 0;
  uint64_t inspected_spans = 0;
  uint32_t total_blocks = 0;
  uint32_t completed_jobs = 0;
  uint32_t total_jobs = 0;
  uint64_t total_block_bytes = 0;
};

struct SearchResult {
  std::vector<SearchTrace> traces;  // most recent first, at most `limit`
  SearchMetrics metrics;
};

// Tag names and values for autocomplete.
enum class TagScope { kAll, kSpan, kResource, kEvent, kLink, kInstrumentation, kIntrinsic };

struct TagsRequest {
  TagScope scope = TagScope::kAll;
  uint64_t start_ns = 0, end_ns = 0;
  uint32_t limit = 0;  // 0 = no limit (max_bytes still applies)
};

struct TagsResult {
  // Per scope (resource, span, event, link, instrumentation, intrinsic), sorted names.
  std::vector<std::pair<TagScope, std::vector<std::string>>> scopes;
};

struct TagValuesRequest {
  std::string tag;          // "span.http.method", ".foo", "resource.service.name", "name", …
  std::string query;        // optional TraceQL filter narrowing which spans count ("q")
  uint64_t start_ns = 0, end_ns = 0;
  uint32_t limit = 0;       // 0 = no limit
};

struct TagValue {
  std::string type;   // "string", "int", "float", "bool", "duration", "status", "kind"
  std::string value;  // as Tempo renders it
  bool operator<(const TagValue& o) const {
    return type != o.type ? type < o.type : value < o.value;
  }
  bool operator==(const TagValue&) const = default;
};

struct TagValuesResult {
  std::vector<TagValue> values;  // distinct, sorted
};

}  // namespace tempo::querier
