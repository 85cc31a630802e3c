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

}  // namespace

Status read_overrides(const YamlReader& r, const std::string& flat, const std::string& scoped,
                      OverridesConfig* o) {
  const std::string& f = flat;
  TEMPO_RETURN_IF_ERROR(
      r.integer(f + "ingestion_rate_limit_bytes", &o->ingestion_rate_limit_bytes));
  TEMPO_RETURN_IF_ERROR(
      r.integer(f + "ingestion_burst_size_bytes", &o->ingestion_burst_size_bytes));
  TEMPO_RETURN_IF_ERROR(r.integer(f + "max_traces_per_user", &o->max_traces_per_user));
  TEMPO_RETURN_IF_ERROR(r.integer(f + "max_bytes_per_trace", &o->max_bytes_per_trace));
  TEMPO_RETURN_IF_ERROR(
      r.integer(f + "max_bytes_per_tag_values_query", &o->max_bytes_per_tag_values_query));
  TEMPO_RETURN_IF_ERROR(r.model_duration(f + "block_retention", &o->block_retention));
  TEMPO_RETURN_IF_ERROR(
      r.strings(f + "metrics_generator_processors", &o->metrics_generator_processors));
  TEMPO_RETURN_IF_ERROR(r.integer(f + "metrics_generator_max_active_series",
                                  &o->metrics_generator_max_active_series));

  const std::string& d = scoped;
  TEMPO_RETURN_IF_ERROR(
      r.integer(d + "ingestion.rate_limit_bytes", &o->ingestion_rate_limit_bytes));
  TEMPO_RETURN_IF_ERROR(
      r.integer(d + "ingestion.burst_size_bytes", &o->ingestion_burst_size_bytes));
  TEMPO_RETURN_IF_ERROR(r.integer(d + "ingestion.max_traces_per_user", &o->max_traces_per_user));
  TEMPO_RETURN_IF_ERROR(r.integer(d + "global.max_bytes_per_trace", &o->max_bytes_per_trace));
  TEMPO_RETURN_IF_ERROR(
      r.integer(d + "read.max_bytes_per_tag_values_query", &o->max_bytes_per_tag_values_query));
  TEMPO_RETURN_IF_ERROR(r.model_duration(d + "compaction.block_retention", &o->block_retention));
  TEMPO_RETURN_IF_ERROR(
      r.strings(d + "metrics_generator.processors", &o->metrics_generator_processors));
  TEMPO_RETURN_IF_ERROR(r.integer(d + "metrics_generator.max_active_series",
                                  &o->metrics_generator_max_active_series));
  TEMPO_RETURN_IF_ERROR(check_processors(r, f + "metrics_generator_processors"));
  TEMPO_RETURN_IF_ERROR(check_processors(r, d + "metrics_generator.processors"));
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
