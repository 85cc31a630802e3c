#include "tempo/generator/span_metrics.h"

#include <algorithm>

#include "generator/attributes.h"
#include "generator/span_filter.h"
#include "tempo/observability/metrics.h"

namespace tempo::generator {
namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

constexpr std::string_view kIntrinsics[] = {"service", "span_name", "span_kind", "status_code",
                                            "status_message"};

// Tempo's rule: a dimension whose sanitized name is an intrinsic label gets a "__" prefix.
std::string dimension_label(std::string_view name, std::span<const std::string_view> reserved) {
  std::string s = sanitize_label_name(name);
  for (auto r : reserved) {
    if (s == r) return "__" + s;
  }
  return s;
}

prometheus::Family<prometheus::Counter>& filtered_metric() {
  static auto& f =
      metrics::counter_family("tempo_metrics_generator_spans_discarded_total",
                              "The total number of discarded spans received per tenant");
  return f;
}

}  // namespace

SpanMetrics::SpanMetrics(const config::SpanMetricsConfig& cfg, SpanMetricsParts parts,
                         Registry& registry)
    : cfg_(cfg), parts_(parts), registry_(registry) {}

SpanMetrics::~SpanMetrics() = default;

namespace {

// The label names of the span series in value order, and the dimensions' part of them.
Status series_labels(const config::SpanMetricsConfig& cfg, std::vector<std::string>* labels,
                     std::vector<std::string>* dimension_labels) {
  const auto& in = cfg.intrinsic_dimensions;
  if (in.service) labels->emplace_back("service");
  if (in.span_name) labels->emplace_back("span_name");
  if (in.span_kind) labels->emplace_back("span_kind");
  if (in.status_code) labels->emplace_back("status_code");
  if (in.status_message) labels->emplace_back("status_message");
  for (const auto& d : cfg.dimensions) dimension_labels->push_back(dimension_label(d, kIntrinsics));
  for (const auto& m : cfg.dimension_mappings) {
    dimension_labels->push_back(dimension_label(m.name, kIntrinsics));
  }
  labels->insert(labels->end(), dimension_labels->begin(), dimension_labels->end());
  if (cfg.enable_target_info) {
    labels->emplace_back("job");
    labels->emplace_back("instance");
  }
  for (size_t i = 0; i < labels->size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if ((*labels)[i] == (*labels)[j]) {
        return Status::invalid_argument("metrics_generator.processor.span_metrics: label \"" +
                                        (*labels)[i] + "\" is produced twice by the dimensions");
      }
    }
  }
  return Status::ok();
}

}  // namespace

Status SpanMetrics::validate(const config::SpanMetricsConfig& cfg) {
  std::unique_ptr<SpanFilter> filter;
  TEMPO_RETURN_IF_ERROR(SpanFilter::create(cfg.filter_policies, &filter));
  std::vector<std::string> labels, dims;
  return series_labels(cfg, &labels, &dims);
}

Status SpanMetrics::create(const config::SpanMetricsConfig& cfg, SpanMetricsParts parts,
                           Registry& registry, std::unique_ptr<SpanMetrics>* out) {
  std::unique_ptr<SpanMetrics> p(new SpanMetrics(cfg, parts, registry));
  TEMPO_RETURN_IF_ERROR(SpanFilter::create(cfg.filter_policies, &p->filter_));
  std::vector<std::string> labels;
  TEMPO_RETURN_IF_ERROR(series_labels(cfg, &labels, &p->dimension_labels_));
  p->filtered_counter_ =
      &filtered_metric().Add({{"tenant", registry.options().tenant}, {"reason", "filtered"}});
  if (cfg.enable_target_info) p->target_info_ = &registry.gauge("traces_target_info", {});
  if (parts.count) p->calls_ = &registry.counter("traces_spanmetrics_calls_total", labels);
  if (parts.latency) {
    p->latency_ = &registry.histogram("traces_spanmetrics_latency", labels, cfg.histogram_buckets);
  }
  if (parts.size) p->size_ = &registry.counter("traces_spanmetrics_size_total", labels);
  p->values_.resize(labels.size());
  p->scratch_.resize(p->dimension_labels_.size());
  *out = std::move(p);
  return Status::ok();
}

void SpanMetrics::push(const ExportTraceServiceRequest& req) {
  static constexpr std::string_view kTargetReserved[] = {"job", "instance"};
  const auto& in = cfg_.intrinsic_dimensions;
  std::string service_scratch, ns_scratch, inst_scratch, job, trace_hex, one;
  for (const auto& rs : req.resource_spans()) {
    const auto& res = rs.resource().attributes();
    std::string_view service, ns, instance;
    find_text("service.name", res, nullptr, &service_scratch, &service);
    find_text("service.namespace", res, nullptr, &ns_scratch, &ns);
    find_text("service.instance.id", res, nullptr, &inst_scratch, &instance);
    job.clear();
    if (!ns.empty()) {
      job.append(ns);
      job.push_back('/');
    }
    job.append(service);
    bool any_kept = false;
    for (const auto& ss : rs.scope_spans()) {
      for (const auto& span : ss.spans()) {
        // The distributor stores only spans with valid IDs; the request it offers has all.
        if (span.trace_id().size() != 16 || span.span_id().size() != 8) continue;
        if (!filter_->empty() && !filter_->keep(res, span)) {
          ++filtered_;
          filtered_counter_->Increment();
          continue;
        }
        any_kept = true;
        size_t i = 0;
        if (in.service) values_[i++] = service;
        if (in.span_name) values_[i++] = span.name();
        if (in.span_kind) values_[i++] = kind_name(span.kind());
        if (in.status_code) values_[i++] = status_name(span.status().code());
        if (in.status_message) values_[i++] = span.status().message();
        size_t d = 0;
        for (const auto& dim : cfg_.dimensions) {
          std::string_view v;
          if (!find_text(dim, res, &span.attributes(), &scratch_[d], &v)) v = {};
          values_[i++] = v;
          ++d;
        }
        for (const auto& m : cfg_.dimension_mappings) {
          std::string& joined = scratch_[d++];
          joined.clear();
          for (const auto& src : m.source_labels) {
            std::string_view v;
            if (!find_text(src, res, &span.attributes(), &one, &v) || v.empty()) continue;
            if (!joined.empty()) joined.append(m.join);
            joined.append(v);
          }
          values_[i++] = joined;
        }
        if (cfg_.enable_target_info) {
          values_[i++] = job;
          values_[i++] = instance;
        }
        const uint64_t start = span.start_time_unix_nano(), end = span.end_time_unix_nano();
        const double seconds = start < end ? static_cast<double>(end - start) / 1e9 : 0.0;
        if (calls_) calls_->inc(values_, 1);
        if (latency_) {
          hex_id(span.trace_id(), &trace_hex);
          // Tempo's TraceIDToHexString drops leading zeros.
          size_t nz = trace_hex.find_first_not_of('0');
          std::string_view tid(trace_hex);
          tid.remove_prefix(nz == std::string::npos ? trace_hex.size() - 1 : nz);
          latency_->observe(values_, seconds, tid);
        }
        if (size_) size_->inc(values_, static_cast<double>(span.ByteSizeLong()));
      }
    }
    if (target_info_ && any_kept && (!job.empty() || !instance.empty())) {
      target_names_.clear();
      target_values_.clear();
      std::string scratch;
      for (const auto& kv : res) {
        const std::string& key = kv.key();
        if (key.empty() || (key[0] >= '0' && key[0] <= '9')) continue;
        if (key == "service.name" || key == "service.namespace" || key == "service.instance.id")
          continue;
        if (std::find(cfg_.target_info_excluded_dimensions.begin(),
                      cfg_.target_info_excluded_dimensions.end(),
                      key) != cfg_.target_info_excluded_dimensions.end())
          continue;
        target_names_.push_back(dimension_label(key, kTargetReserved));
        target_values_.emplace_back(attribute_text(kv.value(), &scratch));
      }
      // Only a resource with attributes of its own besides job/instance gets target_info.
      if (!target_names_.empty()) {
        if (!job.empty()) {
          target_names_.emplace_back("job");
          target_values_.push_back(job);
        }
        if (!instance.empty()) {
          target_names_.emplace_back("instance");
          target_values_.emplace_back(instance);
        }
        std::vector<std::string_view> names(target_names_.begin(), target_names_.end());
        std::vector<std::string_view> vals(target_values_.begin(), target_values_.end());
        target_info_->set_labeled(names, vals, 1);
      }
    }
  }
}

}  // namespace tempo::generator
