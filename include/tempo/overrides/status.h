#pragma once
// GET /status/runtime_config: the overrides in force, as YAML in Tempo's scoped form
// (`defaults:` then `overrides:` per tenant), of the keys this build acts on. With
// mode=diff, only what each listed tenant changes from the defaults.

#include <string>

#include "tempo/overrides/overrides.h"

namespace tempo::overrides {

std::string runtime_config_yaml(const Snapshot& snapshot, bool diff);

}  // namespace tempo::overrides
