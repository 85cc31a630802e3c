#include "tempo/overrides/status.h"

#include <yaml-cpp/yaml.h>

#include "tempo/util/duration.h"

namespace tempo::overrides {
namespace {

// One set of limits as Tempo's scoped keys; with `base`, only the values that differ from it.
void emit(YAML::Emitter& out, const Limits& l, const Limits* base) {
  out << YAML::BeginMap;
  auto section = [&out](const char* name, bool any) {
    if (any) out << YAML::Key << name << YAML::Value << YAML::BeginMap;
    return any;
  };
  const bool all = base == nullptr;
  const bool rate = all || l.ingestion_rate_limit_bytes != base->ingestion_rate_limit_bytes;
  const bool burst = all || l.ingestion_burst_size_bytes != base->ingestion_burst_size_bytes;
  const bool traces = all || l.max_traces_per_user != base->max_traces_per_user;
  if (section("ingestion", rate || burst || traces)) {
    if (rate) out << YAML::Key << "rate_limit_bytes" << YAML::Value << l.ingestion_rate_limit_bytes;
    if (burst) {
      out << YAML::Key << "burst_size_bytes" << YAML::Value << l.ingestion_burst_size_bytes;
    }
    if (traces) out << YAML::Key << "max_traces_per_user" << YAML::Value << l.max_traces_per_user;
    out << YAML::EndMap;
  }
  if (section("global", all || l.max_bytes_per_trace != base->max_bytes_per_trace)) {
    out << YAML::Key << "max_bytes_per_trace" << YAML::Value << l.max_bytes_per_trace
        << YAML::EndMap;
  }
  if (section("read",
              all || l.max_bytes_per_tag_values_query != base->max_bytes_per_tag_values_query)) {
    out << YAML::Key << "max_bytes_per_tag_values_query" << YAML::Value
        << l.max_bytes_per_tag_values_query << YAML::EndMap;
  }
  if (section("compaction", all || l.block_retention != base->block_retention)) {
    out << YAML::Key << "block_retention" << YAML::Value << format_duration(l.block_retention)
        << YAML::EndMap;
  }
  const bool procs = all || l.metrics_generator_processors != base->metrics_generator_processors;
  const bool series =
      all || l.metrics_generator_max_active_series != base->metrics_generator_max_active_series;
  if (section("metrics_generator", procs || series)) {
    if (procs) {
      out << YAML::Key << "processors" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (const auto& p : l.metrics_generator_processors) out << p;
      out << YAML::EndSeq;
    }
    if (series) {
      out << YAML::Key << "max_active_series" << YAML::Value
          << l.metrics_generator_max_active_series;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
}

}  // namespace

std::string runtime_config_yaml(const Snapshot& snapshot, bool diff) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  if (!diff) {
    out << YAML::Key << "defaults" << YAML::Value;
    emit(out, snapshot.defaults(), nullptr);
  }
  out << YAML::Key << "overrides" << YAML::Value << YAML::BeginMap;
  for (const auto& [tenant, limits] : snapshot.tenants()) {
    out << YAML::Key << tenant << YAML::Value;
    emit(out, *limits, diff ? &snapshot.defaults() : nullptr);
  }
  out << YAML::EndMap << YAML::EndMap;
  return "---\n" + std::string(out.c_str()) + "\n";
}

}  // namespace tempo::overrides
