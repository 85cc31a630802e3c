#pragma once
// The span-metrics processor (Tempo's `span-metrics`): per span, traces_spanmetrics_calls_total,
// traces_spanmetrics_latency (histogram, seconds, exemplar trace_id) and
// traces_spanmetrics_size_total (encoded span bytes), labelled by the intrinsic dimensions
// (service, span_name, span_kind, status_code, status_message), the configured `dimensions`
// and `dimension_mappings`, and with enable_target_info, job/instance plus a
// traces_target_info series per resource. See docs/metrics_generator.md.

#include <memory>
#include <string>
#include <vector>

#include "tempo/config/config.h"
#include "tempo/generator/processor.h"
#include "tempo/generator/registry.h"
#include "tempo/util/status.h"

namespace tempo::generator {

class SpanFilter;

// Which of the three metrics run: `span-metrics` enables all, the `span-metrics-count`,
// `-latency` and `-size` processors one each.
struct SpanMetricsParts {
  bool count = true, latency = true, size = true;
};

class SpanMetrics : public Processor {
 public:
  // Fails (kInvalidArgument) on a filter policy that cannot be compiled.
  static Status create(const config::SpanMetricsConfig& cfg, SpanMetricsParts parts,
                       Registry& registry, std::unique_ptr<SpanMetrics>* out);
  // What create() checks, without a registry: filter policies and label collisions.
  static Status validate(const config::SpanMetricsConfig& cfg);
  ~SpanMetrics() override;

  void push(
      const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& req) override;

  // Spans a filter policy left out.
  uint64_t filtered_spans() const { return filtered_; }

 private:
  SpanMetrics(const config::SpanMetricsConfig& cfg, SpanMetricsParts parts, Registry& registry);

  config::SpanMetricsConfig cfg_;
  SpanMetricsParts parts_;
  Registry& registry_;
  std::unique_ptr<SpanFilter> filter_;
  Family* calls_ = nullptr;
  Family* latency_ = nullptr;
  Family* size_ = nullptr;
  Family* target_info_ = nullptr;
  std::vector<std::string> dimension_labels_;  // sanitized, in config order
  // Reused per span: label values and the strings non-string attribute values render to.
  std::vector<std::string_view> values_;
  std::vector<std::string> scratch_;
  std::vector<std::string> target_names_, target_values_;
  uint64_t filtered_ = 0;
  prometheus::Counter* filtered_counter_ = nullptr;
};

}  // namespace tempo::generator
