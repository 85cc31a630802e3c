#pragma once
// Reading a counter back from the process-wide Prometheus registry, as /metrics shows it.

#include <string>

#include "tempo/observability/metrics.h"

namespace tempo::testing {

// The value of the counter series `series`, written as the exposition writes it: the name and
// its labels in name order, as tempo_discarded_spans_total{reason="x",tenant="t"}. 0 when the
// series does not exist yet (a counter nothing has counted).
inline double counter_value(const std::string& series) {
  const std::string text = metrics::serialize_text();
  const std::string line_start = "\n" + series + " ";
  const auto at = text.find(line_start);
  if (at == std::string::npos) return 0;
  return std::stod(text.substr(at + line_start.size()));
}

}  // namespace tempo::testing
