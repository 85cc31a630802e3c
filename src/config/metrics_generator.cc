#include "config/metrics_generator.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace tempo::config {
namespace {

Status bad(const YAML::Node& n, const std::string& path, const std::string& what) {
  return Status::invalid_argument(line_of(n) + ": config key \"" + path + "\" " + what);
}

Status read_buckets(const YamlReader& r, const std::string& path, std::vector<double>* out) {
  YAML::Node n = r.at(path);
  if (!n.IsDefined() || n.IsNull()) return Status::ok();
  if (!n.IsSequence() || n.size() == 0) return bad(n, path, "must be a non-empty list of numbers");
  std::vector<double> v;
  for (const auto& item : n) {
    const std::string s = item.IsScalar() ? item.Scalar() : std::string();
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || !std::isfinite(d)) {
      return bad(item, path, "must be a list of numbers, got \"" + s + "\"");
    }
    if (!v.empty() && d <= v.back()) {
      return bad(item, path, "must be in increasing order");
    }
    v.push_back(d);
  }
  *out = std::move(v);
  return Status::ok();
}

// A YAML scalar as Go's decoder types it for an `any` field: quoted -> string; otherwise
// bool, int, float, or string.
FilterValue typed_scalar(const YAML::Node& n) {
  FilterValue v;
  v.s = n.Scalar();
  if (n.Tag() == "!") return v;  // quoted
  const std::string& s = v.s;
  if (s == "true" || s == "false") {
    v.kind = FilterValue::Kind::kBool;
    v.b = s == "true";
    return v;
  }
  if (!s.empty()) {
    char* end = nullptr;
    errno = 0;
    long long i = std::strtoll(s.c_str(), &end, 10);
    if (*end == '\0' && errno == 0) {
      v.kind = FilterValue::Kind::kInt;
      v.i = i;
      return v;
    }
    double d = std::strtod(s.c_str(), &end);
    if (*end == '\0' && std::isfinite(d)) {
      v.kind = FilterValue::Kind::kDouble;
      v.d = d;
      return v;
    }
  }
  return v;
}

Status read_policy_match(const YAML::Node& n, const std::string& path, FilterPolicyMatch* out) {
  if (!n.IsDefined() || n.IsNull()) return Status::ok();
  if (!n.IsMap()) return bad(n, path, "must be a map with match_type and attributes");
  out->present = true;
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (key != "match_type" && key != "attributes") {
      return bad(it->first, path + "." + key, "is unknown (use match_type and attributes)");
    }
  }
  YAML::Node mt = n["match_type"];
  if (mt.IsDefined() && !mt.IsNull()) {
    if (!mt.IsScalar() || (mt.Scalar() != "strict" && mt.Scalar() != "regex")) {
      return bad(mt, path + ".match_type", "must be strict or regex");
    }
    out->match_type = mt.Scalar();
  }
  YAML::Node attrs = n["attributes"];
  if (!attrs.IsDefined() || attrs.IsNull()) return Status::ok();
  if (!attrs.IsSequence()) return bad(attrs, path + ".attributes", "must be a list");
  for (const auto& a : attrs) {
    if (!a.IsMap() || !a["key"].IsDefined() || !a["key"].IsScalar() || !a["value"].IsDefined() ||
        !a["value"].IsScalar()) {
      return bad(a, path + ".attributes", "items must have a scalar key and value");
    }
    out->attributes.emplace_back(a["key"].Scalar(), typed_scalar(a["value"]));
  }
  return Status::ok();
}

Status read_filter_policies(const YamlReader& r, const std::string& path,
                            std::vector<FilterPolicy>* out) {
  YAML::Node n = r.at(path);
  if (!n.IsDefined() || n.IsNull()) return Status::ok();
  if (!n.IsSequence()) return bad(n, path, "must be a list of include/exclude policies");
  std::vector<FilterPolicy> policies;
  for (size_t i = 0; i < n.size(); ++i) {
    const YAML::Node& p = n[i];
    const std::string ip = path + "[" + std::to_string(i) + "]";
    if (!p.IsMap()) return bad(p, ip, "must be a map with include and/or exclude");
    for (auto it = p.begin(); it != p.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (key != "include" && key != "exclude") {
        return bad(it->first, ip + "." + key, "is unknown (use include and exclude)");
      }
    }
    FilterPolicy fp;
    TEMPO_RETURN_IF_ERROR(read_policy_match(p["include"], ip + ".include", &fp.include));
    TEMPO_RETURN_IF_ERROR(read_policy_match(p["exclude"], ip + ".exclude", &fp.exclude));
    policies.push_back(std::move(fp));
  }
  *out = std::move(policies);
  return Status::ok();
}

Status read_span_metrics(const YamlReader& r, SpanMetricsConfig* c) {
  const std::string b = "metrics_generator.processor.span_metrics.";
  TEMPO_RETURN_IF_ERROR(read_buckets(r, b + "histogram_buckets", &c->histogram_buckets));
  TEMPO_RETURN_IF_ERROR(r.strings(b + "dimensions", &c->dimensions));
  auto& in = c->intrinsic_dimensions;
  TEMPO_RETURN_IF_ERROR(r.boolean(b + "intrinsic_dimensions.service", &in.service));
  TEMPO_RETURN_IF_ERROR(r.boolean(b + "intrinsic_dimensions.span_name", &in.span_name));
  TEMPO_RETURN_IF_ERROR(r.boolean(b + "intrinsic_dimensions.span_kind", &in.span_kind));
  TEMPO_RETURN_IF_ERROR(r.boolean(b + "intrinsic_dimensions.status_code", &in.status_code));
  TEMPO_RETURN_IF_ERROR(r.boolean(b + "intrinsic_dimensions.status_message", &in.status_message));
  TEMPO_RETURN_IF_ERROR(r.boolean(b + "enable_target_info", &c->enable_target_info));
  TEMPO_RETURN_IF_ERROR(
      r.strings(b + "target_info_excluded_dimensions", &c->target_info_excluded_dimensions));
  TEMPO_RETURN_IF_ERROR(read_filter_policies(r, b + "filter_policies", &c->filter_policies));

  const std::string mp = b + "dimension_mappings";
  YAML::Node m = r.at(mp);
  if (m.IsDefined() && !m.IsNull()) {
    if (!m.IsSequence()) return bad(m, mp, "must be a list of {name, source_labels, join}");
    for (size_t i = 0; i < m.size(); ++i) {
      const std::string ip = mp + "[" + std::to_string(i) + "]";
      if (!m[i].IsMap()) return bad(m[i], ip, "must be a map with name, source_labels, join");
      for (auto it = m[i].begin(); it != m[i].end(); ++it) {
        const std::string key = it->first.Scalar();
        if (key != "name" && key != "source_labels" && key != "join") {
          return bad(it->first, ip + "." + key, "is unknown (use name, source_labels, join)");
        }
      }
      YamlReader item(m[i]);
      SpanMetricsConfig::DimensionMapping dm;
      TEMPO_RETURN_IF_ERROR(item.str("name", &dm.name));
      TEMPO_RETURN_IF_ERROR(item.strings("source_labels", &dm.source_labels));
      TEMPO_RETURN_IF_ERROR(item.str("join", &dm.join));
      if (dm.name.empty()) return bad(m[i], ip + ".name", "must be set");
      c->dimension_mappings.push_back(std::move(dm));
    }
  }
  return Status::ok();
}

Status read_service_graphs(const YamlReader& r, ServiceGraphsConfig* c) {
  const std::string b = "metrics_generator.processor.service_graphs.";
  TEMPO_RETURN_IF_ERROR(r.duration(b + "wait", &c->wait));
  TEMPO_RETURN_IF_ERROR(r.integer(b + "max_items", &c->max_items));
  TEMPO_RETURN_IF_ERROR(r.integer(b + "workers", &c->workers));
  TEMPO_RETURN_IF_ERROR(read_buckets(r, b + "histogram_buckets", &c->histogram_buckets));
  TEMPO_RETURN_IF_ERROR(r.strings(b + "dimensions", &c->dimensions));
  TEMPO_RETURN_IF_ERROR(r.strings(b + "peer_attributes", &c->peer_attributes));
  TEMPO_RETURN_IF_ERROR(
      r.boolean(b + "enable_client_server_prefix", &c->enable_client_server_prefix));
  TEMPO_RETURN_IF_ERROR(r.boolean(b + "enable_virtual_node_label", &c->enable_virtual_node_label));
  TEMPO_RETURN_IF_ERROR(r.boolean(b + "enable_messaging_system_latency_histogram",
                                  &c->enable_messaging_system_latency_histogram));
  if (c->wait <= Duration::zero()) {
    return Status::invalid_argument("metrics_generator.processor.service_graphs.wait must be > 0");
  }
  if (c->max_items <= 0) {
    return Status::invalid_argument(
        "metrics_generator.processor.service_graphs.max_items must be > 0");
  }
  return Status::ok();
}

Status read_registry(const YamlReader& r, GeneratorRegistryConfig* c) {
  const std::string b = "metrics_generator.registry.";
  TEMPO_RETURN_IF_ERROR(r.duration(b + "collection_interval", &c->collection_interval));
  TEMPO_RETURN_IF_ERROR(r.duration(b + "stale_duration", &c->stale_duration));
  TEMPO_RETURN_IF_ERROR(r.str(b + "inject_tenant_id_as", &c->inject_tenant_id_as));
  TEMPO_RETURN_IF_ERROR(r.integer(b + "max_label_name_length", &c->max_label_name_length));
  TEMPO_RETURN_IF_ERROR(r.integer(b + "max_label_value_length", &c->max_label_value_length));
  TEMPO_RETURN_IF_ERROR(
      r.boolean(b + "expose_on_metrics_endpoint", &c->expose_on_metrics_endpoint));
  YAML::Node el = r.at(b + "external_labels");
  if (el.IsDefined() && !el.IsNull()) {
    if (!el.IsMap()) return bad(el, b + "external_labels", "must be a map of label: value");
    for (auto it = el.begin(); it != el.end(); ++it) {
      if (!it->second.IsScalar()) {
        return bad(it->second, b + "external_labels." + it->first.Scalar(), "must be a string");
      }
      c->external_labels[it->first.Scalar()] = it->second.Scalar();
    }
  }
  if (c->collection_interval <= Duration::zero()) {
    return Status::invalid_argument("metrics_generator.registry.collection_interval must be > 0");
  }
  if (c->stale_duration <= Duration::zero()) {
    return Status::invalid_argument("metrics_generator.registry.stale_duration must be > 0");
  }
  if (c->max_label_name_length <= 0 || c->max_label_value_length <= 0) {
    return Status::invalid_argument(
        "metrics_generator.registry.max_label_name_length and max_label_value_length must be > 0");
  }
  return Status::ok();
}

}  // namespace

Status read_metrics_generator(const YamlReader& r, MetricsGeneratorConfig* out) {
  TEMPO_RETURN_IF_ERROR(read_span_metrics(r, &out->span_metrics));
  TEMPO_RETURN_IF_ERROR(read_service_graphs(r, &out->service_graphs));
  TEMPO_RETURN_IF_ERROR(read_registry(r, &out->registry));
  TEMPO_RETURN_IF_ERROR(
      r.integer("metrics_generator.processing_threads", &out->processing_threads));
  if (out->processing_threads < 0 || out->processing_threads > 64) {
    return Status::invalid_argument(
        "metrics_generator.processing_threads must be between 0 (one per core, at most 4) and "
        "64");
  }
  return Status::ok();
}

}  // namespace tempo::config
