#pragma once
// Tempo 3.x renamed the ingester to `live_store` and split the compactor into
// `backend_scheduler` / `backend_worker`. This build loads either dialect: each 3.x key that
// has a 2.x twin is copied onto the twin before the typed read, so both spellings set the same
// module setting.

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "tempo/util/status.h"

namespace tempo::config {

// Copies every 3.x key present in `root` onto its 2.x twin and appends one
// "live_store.max_trace_idle -> ingester.trace_idle_period" line per copy to *mapped.
// Both twins present with different values is an error naming both lines, since one would
// silently lose; except live_store.wal.path and storage.trace.wal.path, which are different
// settings in Tempo 3.x: the live store's WAL wins (see docs/configuration.md).
Status map_dialect(YAML::Node root, std::vector<std::string>* mapped);

}  // namespace tempo::config
