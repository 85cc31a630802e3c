#pragma once
// query_frontend.metrics.* as the TraceQL metrics API applies them (Tempo's defaults).

#include <chrono>
#include <cstdint>

namespace tempo::frontend {

struct MetricsLimits {
  // A longer range is refused (400); 0 means unlimited.
  std::chrono::nanoseconds max_duration = std::chrono::hours(24);
  // A range over more than this many steps is refused (400) with the smallest step allowed.
  uint64_t max_intervals = 10000;
  // Exemplars per series when the request does not say, and the most it may ask for.
  uint32_t max_exemplars = 100;
  // Series in an answer beyond which the query stops with a partial answer (0: no limit).
  uint32_t max_response_series = 0;
  // query_frontend.max_query_expression_size_bytes: a longer query is refused (400).
  uint64_t max_query_bytes = 128 * 1024;
};

}  // namespace tempo::frontend
