#pragma once
// Sinks for generated series besides remote write: the latest collection of every tenant
// rendered on the server's own GET /metrics (metrics_generator.registry.
// expose_on_metrics_endpoint, this build's own key), a sink that feeds several, and one that
// discards.

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "tempo/generator/series_sink.h"

namespace tempo::generator {

// Keeps the last collection per tenant and renders it in the Prometheus text format (0.0.4),
// each series with a `tenant` label (unless it already has one, e.g. inject_tenant_id_as).
// Series removed as stale disappear with the next collection.
class MetricsExposure : public SeriesSink {
 public:
  Status append(std::string_view tenant, std::vector<Sample> samples) override;
  // Families grouped, with # TYPE lines (histogram for _bucket/_sum/_count families, counter
  // for names ending _total, gauge otherwise). Exemplars and timestamps are left out.
  std::string text() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::vector<Sample>, std::less<>> latest_;
};

// Hands every collection to each sink in turn; the first error is returned, the rest still run.
class FanoutSink : public SeriesSink {
 public:
  void add(SeriesSink* sink) { sinks_.push_back(sink); }
  Status append(std::string_view tenant, std::vector<Sample> samples) override;

 private:
  std::vector<SeriesSink*> sinks_;
};

class NullSink : public SeriesSink {
 public:
  Status append(std::string_view, std::vector<Sample>) override { return Status::ok(); }
};

}  // namespace tempo::generator
