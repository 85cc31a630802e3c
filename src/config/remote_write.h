#pragma once
// Reads metrics_generator.storage: the remote write queue directory and the
// Prometheus remote_write items, checked at load so a bad URL, header or credential stops the
// start with the key named (docs/remote_write.md).

#include "config/yaml_reader.h"
#include "tempo/config/config.h"

namespace tempo::config {

Status read_generator_storage(const YamlReader& r, MetricsGeneratorStorageConfig* out);

}  // namespace tempo::config
