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
};

}  // namespace tempo::frontend
