#include "tempo/observability/metrics.h"

#include <map>
#include <memory>
#include <mutex>

#include <prometheus/text_serializer.h>

#ifndef TEMPO_VERSION
#define TEMPO_VERSION "dev"
#endif
#ifndef TEMPO_REVISION
#define TEMPO_REVISION "unknown"
#endif

namespace tempo::metrics {
namespace {

struct Families {
  std::mutex mu;
  std::map<std::string, prometheus::Family<prometheus::Counter>*> counters;
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> gauges;
  std::map<std::string, prometheus::Family<prometheus::Histogram>*> histograms;
};

Families& families() {
  static Families f;
  return f;
}

void register_build_info(prometheus::Registry& r) {
  auto& fam = prometheus::BuildGauge()
                  .Name("tempo_build_info")
                  .Help("A metric with a constant '1' value labeled by version and revision.")
                  .Register(r);
  fam.Add({{"version", TEMPO_VERSION}, {"revision", TEMPO_REVISION}, {"branch", "main"},
           {"goversion", "none"}})
      .Set(1);
}

}  // namespace

prometheus::Registry& registry() {
  static prometheus::Registry* r = [] {
    auto* reg = new prometheus::Registry();  // lives for the process: metrics outlive modules
    register_build_info(*reg);
    return reg;
  }();
  return *r;
}

prometheus::Family<prometheus::Counter>& counter_family(const std::string& name,
                                                        const std::string& help) {
  auto& f = families();
  std::lock_guard<std::mutex> lock(f.mu);
  auto it = f.counters.find(name);
  if (it != f.counters.end()) return *it->second;
  auto& fam = prometheus::BuildCounter().Name(name).Help(help).Register(registry());
  f.counters[name] = &fam;
  return fam;
}

prometheus::Family<prometheus::Gauge>& gauge_family(const std::string& name,
                                                    const std::string& help) {
  auto& f = families();
  std::lock_guard<std::mutex> lock(f.mu);
  auto it = f.gauges.find(name);
  if (it != f.gauges.end()) return *it->second;
  auto& fam = prometheus::BuildGauge().Name(name).Help(help).Register(registry());
  f.gauges[name] = &fam;
  return fam;
}

prometheus::Family<prometheus::Histogram>& histogram_family(const std::string& name,
                                                            const std::string& help) {
  auto& f = families();
  std::lock_guard<std::mutex> lock(f.mu);
  auto it = f.histograms.find(name);
  if (it != f.histograms.end()) return *it->second;
  auto& fam = prometheus::BuildHistogram().Name(name).Help(help).Register(registry());
  f.histograms[name] = &fam;
  return fam;
}

const prometheus::Histogram::BucketBoundaries& request_duration_buckets() {
  static const prometheus::Histogram::BucketBoundaries b = {
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40};
  return b;
}

std::string serialize_text() {
  prometheus::TextSerializer s;
  return s.Serialize(registry().Collect());
}

std::string_view version() { return TEMPO_VERSION; }
std::string_view revision() { return TEMPO_REVISION; }

}  // namespace tempo::metrics
