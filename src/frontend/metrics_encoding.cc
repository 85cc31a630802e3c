#include "frontend/metrics_encoding.h"

#include <google/protobuf/util/json_util.h>

#include <cmath>

namespace tempo::frontend {
namespace {

void set_labels(
    const std::vector<traceql::MetricsLabel>& labels,
    google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>* out) {
  for (const auto& l : labels) {
    auto* kv = out->Add();
    kv->set_key(l.name);
    auto* v = kv->mutable_value();
    switch (l.value.type) {
      case traceql::LabelValue::Type::kString:
        v->set_string_value(l.value.s);
        break;
      case traceql::LabelValue::Type::kInt:
        v->set_int_value(l.value.i);
        break;
      case traceql::LabelValue::Type::kFloat:
        v->set_double_value(l.value.f);
        break;
      case traceql::LabelValue::Type::kBool:
        v->set_bool_value(l.value.i != 0);
        break;
    }
  }
}

void set_metrics(const querier::SearchMetrics& m, tempopb::SearchMetrics* out) {
  out->set_inspectedtraces(static_cast<uint32_t>(m.inspected_traces));
  out->set_inspectedbytes(m.inspected_bytes);
  out->set_inspectedspans(m.inspected_spans);
  out->set_totalblocks(m.total_blocks);
  out->set_completedjobs(m.completed_jobs);
  out->set_totaljobs(m.total_jobs);
  out->set_totalblockbytes(m.total_block_bytes);
}

// Protobuf's JSON printer, with the series list present even when empty, as Tempo's combiner
// makes it non-nil.
std::string print(const google::protobuf::Message& m, bool series_empty) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  (void)google::protobuf::util::MessageToJsonString(m, &json, options);
  if (series_empty && json.size() >= 2 && json.front() == '{') {
    json = std::string("{\"series\":[]") + (json.size() > 2 ? "," : "") + json.substr(1);
  }
  return json;
}

}  // namespace

void to_proto(const querier::MetricsQueryResult& result, tempopb::QueryRangeResponse* out) {
  out->Clear();
  traceql::IntervalMapper mapper(result.request);
  for (const auto& s : result.series) {
    auto* ts = out->add_series();
    set_labels(s.labels, ts->mutable_labels());
    for (size_t i = 0; i < s.values.size(); ++i) {
      if (std::isnan(s.values[i])) continue;
      auto* sample = ts->add_samples();
      sample->set_timestamp_ms(mapper.timestamp_ms(static_cast<int>(i)));
      sample->set_value(s.values[i]);
    }
    for (const auto& e : s.exemplars) {
      auto* ex = ts->add_exemplars();
      set_labels(e.labels, ex->mutable_labels());
      ex->set_value(e.value);
      ex->set_timestamp_ms(e.timestamp_ms);
    }
  }
  set_metrics(result.metrics, out->mutable_metrics());
  if (result.partial) {
    out->set_status(tempopb::PARTIAL);
    out->set_message(result.message);
  }
}

void to_proto(const querier::MetricsQueryResult& result, tempopb::QueryInstantResponse* out) {
  out->Clear();
  for (const auto& s : result.series) {
    if (s.values.empty() || std::isnan(s.values[0])) continue;
    auto* is = out->add_series();
    set_labels(s.labels, is->mutable_labels());
    is->set_value(s.values[0]);
  }
  set_metrics(result.metrics, out->mutable_metrics());
  if (result.partial) {
    out->set_status(tempopb::PARTIAL);
    out->set_message(result.message);
  }
}

std::string to_json(const tempopb::QueryRangeResponse& r) { return print(r, r.series_size() == 0); }
std::string to_json(const tempopb::QueryInstantResponse& r) {
  return print(r, r.series_size() == 0);
}

}  // namespace tempo::frontend
