#pragma once
// Checks a parsed tempo.yaml against the schema of every key Tempo knows.

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

#include "config/schema.h"
#include "tempo/util/status.h"

namespace tempo::config {

// Fails on the first key Tempo does not know (full dotted path and line, `source` naming the
// file), on a scalar where a map or list belongs, and on a key given twice in one map. Every
// present key Tempo knows but this build does not act on adds exactly one line to *warnings:
// a leaf names itself; a map the schema marks as one feature (a receiver, a backend block, a
// processor) or an empty map names the map; nothing below a named key is named again.
// `path` names `root` in messages when it is not a whole file (a tenant of the runtime
// overrides file: "overrides.tenant-a").
Status check_keys(const YAML::Node& root, const SchemaNode& schema, std::string_view source,
                  std::vector<std::string>* warnings, const std::string& path = "");

// The text of the warning for `path`; the loader uses it for values it recognises but ignores.
std::string unsupported_warning(std::string_view path);

}  // namespace tempo::config
