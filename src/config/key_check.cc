#include "config/key_check.h"

#include <set>

#include "config/yaml_reader.h"

namespace tempo::config {
namespace {

using Kind = SchemaNode::Kind;

std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

const char* shape(const YAML::Node& n) {
  if (n.IsMap()) return "a map";
  if (n.IsSequence()) return "a list";
  return "a single value";
}

class KeyChecker {
 public:
  KeyChecker(std::string_view source, std::vector<std::string>* warnings)
      : source_(source), warnings_(warnings) {}

  // `report` stays true until a key on the way down has been warned about, so a key is
  // named at most once and never together with one of its ancestors.
  Status check(const YAML::Node& node, const SchemaNode& schema, const std::string& path,
               bool report) {
    if (report && !schema.acted && !path.empty() && reported_here(node, schema)) {
      warnings_->push_back(unsupported_warning(path));
      report = false;
    }
    switch (schema.kind) {
      case Kind::kAny:
      case Kind::kLeaf:
        return Status::ok();
      case Kind::kList:
        return check_list(node, schema, path, report);
      case Kind::kMap:
      case Kind::kOpenMap:
        return check_map(node, schema, path, report);
    }
    return Status::ok();
  }

 private:
  static bool reported_here(const YAML::Node& node, const SchemaNode& schema) {
    if (schema.unit) return true;
    if (schema.kind != Kind::kMap && schema.kind != Kind::kOpenMap) return true;
    return !node.IsMap() || node.size() == 0;  // a bare `key:` has no inner key to name
  }

  Status check_list(const YAML::Node& node, const SchemaNode& schema, const std::string& path,
                    bool report) {
    if (node.IsNull()) return Status::ok();
    if (!node.IsSequence()) {
      return Status::invalid_argument(line_of(node) + ": config key \"" + path +
                                      "\" must be a list, got " + shape(node));
    }
    for (size_t i = 0; i < node.size(); ++i) {
      TEMPO_RETURN_IF_ERROR(
          check(node[i], *schema.item, path + "[" + std::to_string(i) + "]", report));
    }
    return Status::ok();
  }

  Status check_map(const YAML::Node& node, const SchemaNode& schema, const std::string& path,
                   bool report) {
    if (node.IsNull()) return Status::ok();
    if (!node.IsMap()) {
      return Status::invalid_argument(
          line_of(node) + ": config key \"" + (path.empty() ? std::string("<root>") : path) +
          "\" must be a map of keys, got " + shape(node));
    }
    std::set<std::string, std::less<>> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->first.IsScalar()) {
        return Status::invalid_argument(line_of(it->first) + ": a key under \"" + path +
                                        "\" is not a plain name");
      }
      const std::string& key = it->first.Scalar();
      std::string child_path = join(path, key);
      if (!seen.insert(key).second) {
        // yaml-cpp keeps both entries and lookups see only the first; Tempo's strict
        // parser refuses the file, and so do we.
        return Status::invalid_argument(line_of(it->first) + ": key \"" + child_path +
                                        "\" is given twice in " + std::string(source_));
      }
      auto c = schema.children.find(key);
      if (c == schema.children.end()) {
        if (schema.kind == Kind::kOpenMap) {
          if (report) warnings_->push_back(unsupported_warning(child_path));
          continue;
        }
        return Status::invalid_argument(line_of(it->first) + ": unknown key \"" + child_path +
                                        "\" in " + std::string(source_) +
                                        " (not a Tempo setting; check the spelling and the "
                                        "indentation)");
      }
      TEMPO_RETURN_IF_ERROR(check(it->second, c->second, child_path, report));
    }
    return Status::ok();
  }

  std::string_view source_;
  std::vector<std::string>* warnings_;
};

}  // namespace

std::string unsupported_warning(std::string_view path) {
  return "config key \"" + std::string(path) +
         "\" is accepted but not yet supported; it has no effect";
}

Status check_keys(const YAML::Node& root, const SchemaNode& schema, std::string_view source,
                  std::vector<std::string>* warnings, const std::string& path) {
  return KeyChecker(source, warnings).check(root, schema, path, true);
}

}  // namespace tempo::config
