#pragma once
// Reads the `metrics_generator` block (processors and registry) and its per-tenant limits.

#include "config/yaml_reader.h"
#include "tempo/config/config.h"

namespace tempo::config {

Status read_metrics_generator(const YamlReader& r, MetricsGeneratorConfig* out);

}  // namespace tempo::config
