#include "backend/request_metrics.h"

#include <string>

#include "tempo/observability/metrics.h"

namespace tempo::backend {

void record_request(std::string_view operation, int status_code, double seconds) {
  static auto& family = metrics::histogram_family("tempodb_backend_request_duration_seconds",
                                                  "Time spent doing backend storage requests.");
  family
      .Add({{"operation", std::string(operation)}, {"status_code", std::to_string(status_code)}},
           metrics::request_duration_buckets())
      .Observe(seconds);
}

}  // namespace tempo::backend
