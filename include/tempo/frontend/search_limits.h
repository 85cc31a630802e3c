#pragma once
// query_frontend.search.* as the search API applies them (Tempo's defaults).

#include <chrono>
#include <cstdint>

namespace tempo::frontend {

// 0 in a max_* field means unlimited, as in Tempo.
struct SearchLimits {
  uint32_t default_result_limit = 20;
  uint32_t max_result_limit = 256 * 1024;
  uint32_t default_spans_per_span_set = 3;
  uint32_t max_spans_per_span_set = 100;
  std::chrono::nanoseconds max_duration = std::chrono::hours(168);
  // query_frontend.max_query_expression_size_bytes: a longer TraceQL query is refused (400).
  uint64_t max_query_bytes = 128 * 1024;
  // query_frontend.max_grpc_streaming_packet_size: a streamed reply is split into messages of
  // about this size (0: one message however large).
  uint64_t max_packet_bytes = 1 << 20;
};

}  // namespace tempo::frontend
