#pragma once
// Remote write 1.0 request bodies: samples as a prometheus WriteRequest protobuf (one
// TimeSeries per sample, labels as given), snappy block-compressed.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "generator/remote_write/disk_queue.h"
#include "tempo/generator/series_sink.h"

namespace tempo::generator::remote_write {

// Prometheus's default queue_config.max_samples_per_send.
inline constexpr size_t kMaxSamplesPerSend = 2000;

// One body per `max_samples` samples, in order. Exemplars go along only with `exemplars`.
std::vector<Batch> encode_batches(std::span<const Sample> samples, bool exemplars,
                                  size_t max_samples = kMaxSamplesPerSend);

}  // namespace tempo::generator::remote_write
