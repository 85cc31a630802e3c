#pragma once
// Tempo's per-tenant runtime overrides file (overrides.per_tenant_override_config):
//
//   overrides:
//     "tenant-a":
//       ingestion: {rate_limit_bytes: 1000, burst_size_bytes: 2000, max_traces_per_user: 10}
//       global: {max_bytes_per_trace: 5000}
//     "*":                      # every tenant not listed
//       global: {max_bytes_per_trace: 100000}
//
// Each tenant is written either in the scoped form above (the keys of tempo.yaml's
// overrides.defaults) or, for the whole file, in Tempo's legacy flat form
// (ingestion_rate_limit_bytes, max_bytes_per_trace, metrics_generator_processors, ...).
// Keys are checked as tempo.yaml's are: an unknown key is an error, a key Tempo knows and this
// build does not act on is a warning. A tenant's keys are laid over tempo.yaml's overrides;
// keys it does not set keep those values. See docs/overrides.md.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/config/config.h"
#include "tempo/util/status.h"

namespace tempo::config {

// The tenant whose entry applies to every tenant the file does not list.
inline constexpr std::string_view kWildcardTenant = "*";

struct RuntimeOverrides {
  // Tenant ("*" included) -> its complete limits: the defaults overlaid with its entry. A
  // tenant given as null is left out, as Tempo leaves it (it gets "*" or the defaults).
  std::map<std::string, OverridesConfig, std::less<>> tenants;
  bool legacy_format = false;  // the file used the legacy flat keys
  // One line per key Tempo knows that this build accepts without acting on it.
  std::vector<std::string> warnings;
};

// Parses the text of a runtime overrides file named `source` (for messages) over `defaults`.
// On error *out is unchanged and the message names the file, the line and the key.
Status parse_runtime_overrides(std::string_view text, const std::string& source,
                               const OverridesConfig& defaults, bool expand_env,
                               RuntimeOverrides* out);

// Reads `path` whole into *text; an error names the file.
Status read_runtime_overrides_file(const std::string& path, std::string* text);

}  // namespace tempo::config
