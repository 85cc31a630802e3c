#pragma once
// The tree of every tempo.yaml key Grafana Tempo knows (2.x and 3.x dialects), marking the
// ones this build acts on. The loader walks a config against it: an unknown key is an error;
// a known key this build does not act on is accepted with one warning.

#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace tempo::config {

struct SchemaNode {
  enum class Kind {
    kMap,      // only the listed keys
    kOpenMap,  // the listed keys plus any others (collector receiver settings)
    kList,     // a sequence of `item`
    kLeaf,     // a value (scalar, list or map) checked by the typed reader when acted on
    kAny,      // anything below is accepted unchecked
  };
  Kind kind = Kind::kLeaf;
  // This key, or one below it, changes what the server does.
  bool acted = false;
  // Reported as one unsupported feature: a single warning names this key, none below it.
  bool unit = false;
  std::map<std::string, SchemaNode, std::less<>> children;
  std::shared_ptr<const SchemaNode> item;  // kList only
};

// The key list itself, in the YAML format described in schema_keys.cc.
extern const std::string_view kTempoKeys;

// The schema of a whole tempo.yaml, parsed from kTempoKeys once. The text is part of the
// build, so a malformed one is a programming error and aborts with a message.
const SchemaNode& tempo_schema();

}  // namespace tempo::config
