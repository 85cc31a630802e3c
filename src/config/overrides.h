#pragma once
// The keys of one set of Tempo overrides (one tenant's limits), shared by tempo.yaml's
// `overrides:` block and the per-tenant runtime overrides file, so both spell and check them
// the same way.

#include <string>

#include "config/yaml_reader.h"
#include "tempo/config/config.h"
#include "tempo/util/status.h"

namespace tempo::config {

// Overlays *o with the legacy flat keys found under `flat` (max_bytes_per_trace, ...) and
// then the scoped keys under `scoped` (global.max_bytes_per_trace, ...), so the scoped
// spelling wins when both are given. Each prefix is a dotted path ending in '.', or "" for
// the reader's own node. Absent keys leave *o's value: the caller's defaults are inherited.
Status read_overrides(const YamlReader& r, const std::string& flat, const std::string& scoped,
                      OverridesConfig* o);

// Checks the values a running server needs of one set of overrides; `where` ("overrides",
// "overrides.tenant-a") starts the message.
Status validate_overrides(const OverridesConfig& o, const std::string& where);

}  // namespace tempo::config
