// The per-tenant runtime overrides file: its keys are checked against the same schema as
// tempo.yaml's `overrides:` block and read by the same read_overrides(), one tenant at a time.

#include "tempo/config/runtime_overrides.h"

#include <fstream>
#include <set>
#include <sstream>

#include "config/key_check.h"
#include "config/overrides.h"
#include "config/schema.h"
#include "config/yaml_reader.h"

namespace tempo::config {
namespace {

// What one tenant's entry may hold, in each of Tempo's two forms.
struct TenantSchemas {
  SchemaNode scoped;  // the keys of overrides.defaults
  SchemaNode legacy;  // the flat keys of `overrides:` itself
};

const TenantSchemas& tenant_schemas() {
  static const TenantSchemas schemas = [] {
    const SchemaNode& overrides = tempo_schema().children.at("overrides");
    TenantSchemas s;
    s.scoped = overrides.children.at("defaults");
    s.legacy = overrides;
    // Settings of tempo.yaml's overrides block that are not a tenant's limits.
    for (const char* k : {"defaults", "per_tenant_override_config", "per_tenant_override_period",
                          "user_configurable_overrides", "enable_legacy_overrides"}) {
      s.legacy.children.erase(k);
    }
    return s;
  }();
  return schemas;
}

// The first key of any tenant that only the legacy form has, as Tempo tells the forms apart:
// it reads the file in the scoped form unless a legacy key is in the way.
struct LegacyKey {
  bool found = false;
  std::string path;  // overrides.<tenant>.<key>
  std::string line;  // "line N"
};

LegacyKey first_legacy_key(const YAML::Node& tenants) {
  const TenantSchemas& s = tenant_schemas();
  for (auto it = tenants.begin(); it != tenants.end(); ++it) {
    if (!it->first.IsScalar() || !it->second.IsMap()) continue;
    for (auto k = it->second.begin(); k != it->second.end(); ++k) {
      if (!k->first.IsScalar()) continue;
      const std::string& key = k->first.Scalar();
      if (!s.scoped.children.count(key) && s.legacy.children.count(key)) {
        return {true, "overrides." + it->first.Scalar() + "." + key, line_of(k->first)};
      }
    }
  }
  return {};
}

Status parse(const YAML::Node& root, const std::string& source, const OverridesConfig& defaults,
             RuntimeOverrides* out) {
  if (!root.IsDefined() || root.IsNull()) return Status::ok();  // an empty file: no tenants
  if (!root.IsMap()) {
    return Status::invalid_argument(line_of(root) +
                                    ": the file must be a map with the key \"overrides\"");
  }
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (!it->first.IsScalar() || it->first.Scalar() != "overrides") {
      return Status::invalid_argument(
          line_of(it->first) + ": unknown key \"" +
          (it->first.IsScalar() ? it->first.Scalar() : std::string("?")) +
          "\" (a runtime overrides file holds only \"overrides\", a map of tenant to limits)");
    }
  }
  const YAML::Node tenants = root["overrides"];
  if (tenants.IsNull()) return Status::ok();
  if (!tenants.IsMap()) {
    return Status::invalid_argument(line_of(tenants) +
                                    ": config key \"overrides\" must be a map of tenant to "
                                    "limits");
  }
  const LegacyKey legacy = first_legacy_key(tenants);
  out->legacy_format = legacy.found;
  const SchemaNode& schema = out->legacy_format ? tenant_schemas().legacy : tenant_schemas().scoped;
  std::set<std::string> seen;
  for (auto it = tenants.begin(); it != tenants.end(); ++it) {
    if (!it->first.IsScalar() || it->first.Scalar().empty()) {
      return Status::invalid_argument(line_of(it->first) +
                                      ": a tenant under \"overrides\" is "
                                      "not a plain name");
    }
    const std::string& tenant = it->first.Scalar();
    const std::string path = "overrides." + tenant;
    if (!seen.insert(tenant).second) {
      return Status::invalid_argument(line_of(it->first) + ": tenant \"" + tenant +
                                      "\" is given twice");
    }
    if (it->second.IsNull()) continue;  // listed without limits: as if not listed
    Status s = check_keys(it->second, schema, source, &out->warnings, path);
    if (!s.is_ok()) {
      if (!out->legacy_format) return s;
      return Status::invalid_argument(
          s.message() + "; the file is read in Tempo's legacy flat form because of key \"" +
          legacy.path + "\" (" + legacy.line + "), and one file cannot mix the two forms");
    }
    OverridesConfig limits = defaults;
    TEMPO_RETURN_IF_ERROR(read_overrides(YamlReader(it->second, path + "."), "", "", &limits));
    TEMPO_RETURN_IF_ERROR(validate_overrides(limits, path));
    out->tenants.emplace(tenant, std::move(limits));
  }
  return Status::ok();
}

}  // namespace

Status parse_runtime_overrides(std::string_view text, const std::string& source,
                               const OverridesConfig& defaults, bool expand_env,
                               RuntimeOverrides* out) {
  const std::string what = "per-tenant overrides file " + source + ": ";
  const std::string yaml = expand_env ? config::expand_env(text) : std::string(text);
  RuntimeOverrides r;
  try {
    YAML::Node root = YAML::Load(yaml);
    Status s = parse(root, source, defaults, &r);
    if (!s.is_ok()) return Status::invalid_argument(what + s.message());
  } catch (const YAML::Exception& e) {
    return Status::invalid_argument(what + "line " + std::to_string(e.mark.line + 1) +
                                    ": invalid YAML: " + e.msg);
  }
  *out = std::move(r);
  return Status::ok();
}

Status read_runtime_overrides_file(const std::string& path, std::string* text) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::invalid_argument("cannot read per-tenant overrides file " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  if (f.bad()) return Status::invalid_argument("cannot read per-tenant overrides file " + path);
  *text = ss.str();
  return Status::ok();
}

}  // namespace tempo::config
