#pragma once
// The process-wide Prometheus registry (prometheus-cpp). Each module registers its own
// families next to the code that changes them, with Tempo's metric names and labels:
//
//   auto& spans = metrics::counter_family("tempo_distributor_spans_received_total",
//                                         "The total number of spans received.");
//   spans.Add({{"tenant", tenant}}).Increment(n);
//
// Looking up a child with Add() takes a lock; hot paths keep the returned reference.

#include <string>
#include <string_view>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace tempo::metrics {

prometheus::Registry& registry();

// Get-or-create: calling twice with the same name returns the same family.
prometheus::Family<prometheus::Counter>& counter_family(const std::string& name,
                                                        const std::string& help);
prometheus::Family<prometheus::Gauge>& gauge_family(const std::string& name,
                                                    const std::string& help);
prometheus::Family<prometheus::Histogram>& histogram_family(const std::string& name,
                                                            const std::string& help);

// Buckets Tempo uses for request durations (seconds).
const prometheus::Histogram::BucketBoundaries& request_duration_buckets();

// The whole registry in the Prometheus text exposition format (for GET /metrics).
std::string serialize_text();

// tempo_build_info and version strings for /api/status/buildinfo.
std::string_view version();
std::string_view revision();

}  // namespace tempo::metrics
