#pragma once
// The tree of every tempo.yaml key Grafana Tempo knows (2.x and 3.x dialects), marking the
// ones this build acts on. The loader walks a config against it: an unknown key is an error,
// a known key with no acted key beneath it gets one "not yet supported" warning.

#include <map>
#include <memory>
#include <string>

namespace tempo::config {

struct SchemaNode {
  enum class Kind {
    kMap,      // only the listed keys
    kOpenMap,  // the listed keys plus any others (free-form maps, collector receiver settings)
    kList,     // a sequence of `item`
    kLeaf,     // a value (scalar, list or map) checked by the typed reader when acted on
    kAny,      // anything below is accepted unchecked
  };
  Kind kind = Kind::kLeaf;
  bool acted = false;  // this key (or one below it) changes what the server does
  std::map<std::string, SchemaNode> children;
  std::shared_ptr<SchemaNode> item;
};

// The schema of a whole tempo.yaml; built once.
const SchemaNode& tempo_schema();

}  // namespace tempo::config
