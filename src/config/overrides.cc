#include "config/overrides.h"

namespace tempo::config {
namespace {

// Tempo's processor names; local-blocks and host-info are accepted and not run here.
Status check_processors(const YamlReader& r, const std::string& path) {
  std::vector<std::string> names;
  TEMPO_RETURN_IF_ERROR(r.strings(path, &names));
  for (const auto& p : names) {
    if (p != "span-metrics" && p != "service-graphs" && p != "local-blocks" &&
        p != "span-metrics-count" && p != "span-metrics-latency" && p != "span-metrics-size" &&
        p != "host-info") {
      return Status::invalid_argument(
          line_of(r.at(path)) + ": config key \"" + r.prefix() + path +
          "\": metrics_generator processor \"" + p +
          "\" is not a known processor, valid values: [service-graphs span-metrics local-blocks "
          "span-metrics-count span-metrics-latency span-metrics-size host-info]");
    }
  }
  return Status::ok();
}

// One setting's value, by the type of the field it goes into.
Status read_value(const YamlReader& r, const std::string& key, int64_t* v) {
  return r.integer(key, v);
}
Status read_value(const YamlReader& r, const std::string& key, std::chrono::nanoseconds* v) {
  return r.model_duration(key, v);
}
Status read_value(const YamlReader& r, const std::string& key, std::vector<std::string>* v) {
  return r.strings(key, v);
}

}  // namespace

Status read_overrides(const YamlReader& r, const std::string& flat, const std::string& scoped,
                      OverridesConfig* o) {
  // Every setting under its legacy flat name and its scoped name, side by side, so neither
  // form can miss one; the scoped value is read second and wins.
  auto both = [&](const char* flat_key, const char* scoped_key, auto* field) -> Status {
    TEMPO_RETURN_IF_ERROR(read_value(r, flat + flat_key, field));
    return read_value(r, scoped + scoped_key, field);
  };
  TEMPO_RETURN_IF_ERROR(both("ingestion_rate_limit_bytes", "ingestion.rate_limit_bytes",
                             &o->ingestion_rate_limit_bytes));
  TEMPO_RETURN_IF_ERROR(both("ingestion_burst_size_bytes", "ingestion.burst_size_bytes",
                             &o->ingestion_burst_size_bytes));
  TEMPO_RETURN_IF_ERROR(
      both("max_traces_per_user", "ingestion.max_traces_per_user", &o->max_traces_per_user));
  TEMPO_RETURN_IF_ERROR(
      both("max_bytes_per_trace", "global.max_bytes_per_trace", &o->max_bytes_per_trace));
  TEMPO_RETURN_IF_ERROR(both("max_bytes_per_tag_values_query",
                             "read.max_bytes_per_tag_values_query",
                             &o->max_bytes_per_tag_values_query));
  TEMPO_RETURN_IF_ERROR(both("block_retention", "compaction.block_retention", &o->block_retention));
  TEMPO_RETURN_IF_ERROR(both("metrics_generator_processors", "metrics_generator.processors",
                             &o->metrics_generator_processors));
  TEMPO_RETURN_IF_ERROR(both("metrics_generator_max_active_series",
                             "metrics_generator.max_active_series",
                             &o->metrics_generator_max_active_series));
  TEMPO_RETURN_IF_ERROR(check_processors(r, flat + "metrics_generator_processors"));
  TEMPO_RETURN_IF_ERROR(check_processors(r, scoped + "metrics_generator.processors"));
  return Status::ok();
}

Status validate_overrides(const OverridesConfig& o, const std::string& where) {
  if (o.ingestion_rate_limit_bytes <= 0 || o.ingestion_burst_size_bytes <= 0) {
    return Status::invalid_argument(
        where + " ingestion rate_limit_bytes and burst_size_bytes must be positive");
  }
  if (o.max_bytes_per_tag_values_query < 0) {
    return Status::invalid_argument(where + " max_bytes_per_tag_values_query must not be negative");
  }
  if (o.block_retention < Duration::zero()) {
    return Status::invalid_argument(where + " block_retention must not be negative");
  }
  return Status::ok();
}

}  // namespace tempo::config
