#pragma once
// The seam between the metrics generator's registry (which turns spans into series) and
// whatever delivers those series: Prometheus remote write, or nothing. The registry collects
// every `registry.collection_interval` and hands one batch per tenant to the sink.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/util/status.h"

namespace tempo::generator {

struct Label {
  std::string name;
  std::string value;
  bool operator==(const Label&) const = default;
};

// One exemplar of a sample: labels such as {trace_id="..."}, the observed value, and when.
struct Exemplar {
  std::vector<Label> labels;
  double value = 0;
  int64_t timestamp_ms = 0;
};

// One sample of one series. `labels` include `__name__` and are sorted by name (remote write
// requires that order); histograms arrive as their `_bucket` (with `le`), `_sum` and `_count`
// series, as in the text exposition format.
struct Sample {
  std::vector<Label> labels;
  double value = 0;
  int64_t timestamp_ms = 0;
  std::vector<Exemplar> exemplars;
};

class SeriesSink {
 public:
  virtual ~SeriesSink() = default;
  // Takes one collection's samples for `tenant`. Must not block on the network: a sink that
  // delivers remotely queues (bounded, counting what it drops) and returns. Thread-safe.
  virtual Status append(std::string_view tenant, std::vector<Sample> samples) = 0;
};

}  // namespace tempo::generator
