#include "tempo/generator/exposure.h"

#include <algorithm>

#include "tempo/generator/registry.h"

namespace tempo::generator {
namespace {

const std::string& metric_name(const Sample& s) {
  static const std::string kEmpty;
  for (const auto& l : s.labels)
    if (l.name == "__name__") return l.value;
  return kEmpty;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

void escape_value(std::string_view v, std::string* out) {
  for (char c : v) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '"') {
      out->append("\\\"");
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
}

}  // namespace

Status MetricsExposure::append(std::string_view tenant, std::vector<Sample> samples) {
  // A new series is collected twice (a zero 1ms before its value); a scrape shows the value.
  std::vector<Sample> latest;
  latest.reserve(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    if (i + 1 < samples.size() && samples[i + 1].labels == samples[i].labels) continue;
    latest.push_back(std::move(samples[i]));
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = latest_.find(tenant);
  if (it == latest_.end()) {
    latest_.emplace(std::string(tenant), std::move(latest));
  } else {
    it->second = std::move(latest);
  }
  return Status::ok();
}

std::string MetricsExposure::text() const {
  struct Row {
    std::string family, type;
    const Sample* sample;
    const std::string* tenant;
  };
  std::lock_guard<std::mutex> lock(mu_);
  // Histograms are known by their _bucket series; their _sum and _count join that family.
  std::vector<std::string> histograms;
  for (const auto& [tenant, samples] : latest_) {
    for (const auto& s : samples) {
      const std::string& n = metric_name(s);
      if (ends_with(n, "_bucket")) histograms.push_back(n.substr(0, n.size() - 7));
    }
  }
  std::sort(histograms.begin(), histograms.end());
  histograms.erase(std::unique(histograms.begin(), histograms.end()), histograms.end());
  auto is_histogram = [&](std::string_view base) {
    return std::binary_search(histograms.begin(), histograms.end(), base);
  };
  std::vector<Row> rows;
  for (const auto& [tenant, samples] : latest_) {
    for (const auto& s : samples) {
      const std::string& n = metric_name(s);
      Row r{n, "", &s, &tenant};
      for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
        if (ends_with(n, suffix) &&
            is_histogram(std::string_view(n).substr(0, n.size() - suffix.size()))) {
          r.family = n.substr(0, n.size() - suffix.size());
          r.type = "histogram";
          break;
        }
      }
      if (r.type.empty()) r.type = ends_with(n, "_total") ? "counter" : "gauge";
      rows.push_back(std::move(r));
    }
  }
  // A family's lines must be contiguous; within it, each tenant's series keep their order.
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.family < b.family; });
  std::string out;
  const std::string* family = nullptr;
  for (const auto& r : rows) {
    if (!family || *family != r.family) {
      out += "# TYPE " + r.family + " " + r.type + "\n";
      family = &r.family;
    }
    out += metric_name(*r.sample);
    out.push_back('{');
    bool first = true;
    bool has_tenant = false;
    for (const auto& l : r.sample->labels) {
      if (l.name == "__name__") continue;
      if (l.name == "tenant") has_tenant = true;
      if (!first) out.push_back(',');
      first = false;
      out += l.name + "=\"";
      escape_value(l.value, &out);
      out.push_back('"');
    }
    if (!has_tenant) {
      if (!first) out.push_back(',');
      out += "tenant=\"";
      escape_value(*r.tenant, &out);
      out.push_back('"');
    }
    out += "} ";
    out += format_le(r.sample->value);
    out.push_back('\n');
  }
  return out;
}

Status FanoutSink::append(std::string_view tenant, std::vector<Sample> samples) {
  Status first = Status::ok();
  for (size_t i = 0; i < sinks_.size(); ++i) {
    Status s = sinks_[i]->append(tenant, i + 1 < sinks_.size() ? samples : std::move(samples));
    if (!s.is_ok() && first.is_ok()) first = s;
  }
  return first;
}

}  // namespace tempo::generator
