#include "generator/remote_write/write_request.h"

#include <snappy.h>

#include <algorithm>

#include "prometheus/remote.pb.h"

namespace tempo::generator::remote_write {
namespace {

void set_labels(const std::vector<Label>& from,
                google::protobuf::RepeatedPtrField<prompb::Label>* to) {
  to->Reserve(static_cast<int>(from.size()));
  for (const auto& l : from) {
    auto* pl = to->Add();
    pl->set_name(l.name);
    pl->set_value(l.value);
  }
}

}  // namespace

std::vector<Batch> encode_batches(std::span<const Sample> samples, bool exemplars,
                                  size_t max_samples) {
  std::vector<Batch> out;
  if (max_samples == 0) max_samples = kMaxSamplesPerSend;
  prompb::WriteRequest req;
  std::string raw;
  for (size_t start = 0; start < samples.size(); start += max_samples) {
    const size_t end = std::min(samples.size(), start + max_samples);
    req.Clear();
    Batch b;
    for (size_t i = start; i < end; ++i) {
      const Sample& s = samples[i];
      auto* ts = req.add_timeseries();
      set_labels(s.labels, ts->mutable_labels());
      auto* ps = ts->add_samples();
      ps->set_value(s.value);
      ps->set_timestamp(s.timestamp_ms);
      b.samples++;
      if (!exemplars) continue;
      for (const auto& e : s.exemplars) {
        auto* pe = ts->add_exemplars();
        set_labels(e.labels, pe->mutable_labels());
        pe->set_value(e.value);
        pe->set_timestamp(e.timestamp_ms);
        b.exemplars++;
      }
    }
    raw.clear();
    req.SerializeToString(&raw);
    snappy::Compress(raw.data(), raw.size(), &b.body);
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace tempo::generator::remote_write
