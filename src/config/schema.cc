#include "config/schema.h"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace tempo::config {
namespace {

using Kind = SchemaNode::Kind;

[[noreturn]] void schema_bug(const YAML::Node& n, const std::string& what) {
  std::fprintf(stderr, "tempo: built-in config schema, line %d: %s\n", n.Mark().line + 1,
               what.c_str());
  std::abort();
}

SchemaNode build(const YAML::Node& n);

SchemaNode build_marker(const YAML::Node& n) {
  SchemaNode node;
  const std::string& m = n.Scalar();
  if (m == "known") {
    node.kind = Kind::kLeaf;
  } else if (m == "acted") {
    node.kind = Kind::kLeaf;
    node.acted = true;
  } else if (m == "any") {
    node.kind = Kind::kAny;
  } else {
    schema_bug(n, "unknown marker \"" + m + "\"");
  }
  return node;
}

SchemaNode build_map(const YAML::Node& n) {
  SchemaNode node;
  node.kind = Kind::kMap;
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string key = it->first.as<std::string>();
    if (key == ".flags") {
      std::istringstream flags(it->second.Scalar());
      std::string f;
      while (flags >> f) {
        if (f == "open") node.kind = Kind::kOpenMap;
        else if (f == "unit") node.unit = true;
        else if (f == "acted") node.acted = true;
        else schema_bug(it->second, "unknown flag \"" + f + "\"");
      }
      continue;
    }
    SchemaNode child = build(it->second);
    // A map is acted when anything below it is, so the walk knows where warnings start.
    if (child.acted) node.acted = true;
    node.children.emplace(std::move(key), std::move(child));
  }
  return node;
}

SchemaNode build(const YAML::Node& n) {
  if (n.IsScalar()) return build_marker(n);
  if (n.IsMap()) return build_map(n);
  if (n.IsSequence() && n.size() == 1) {
    SchemaNode node;
    node.kind = Kind::kList;
    auto item = std::make_shared<SchemaNode>(build(n[0]));
    node.acted = item->acted;
    node.item = std::move(item);
    return node;
  }
  schema_bug(n, "expected a marker, a map or a one-item list");
}

SchemaNode parse_schema() {
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(kTempoKeys));
  } catch (const YAML::Exception& e) {
    std::fprintf(stderr, "tempo: built-in config schema does not parse: %s\n", e.what());
    std::abort();
  }
  if (!doc.IsMap()) schema_bug(doc, "the document must be a map");
  doc.remove(".templates");  // anchors only; their uses are resolved aliases
  SchemaNode root = build_map(doc);
  return root;
}

}  // namespace

const SchemaNode& tempo_schema() {
  static const SchemaNode schema = parse_schema();
  return schema;
}

}  // namespace tempo::config
