// Go-style durations (tempo.yaml values, the minDuration/maxDuration search parameters):
// parse_duration, and its documented contract parse_duration(format_duration(d)) == d.

#include "tempo/util/duration.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::chrono::nanoseconds d{};
  if (!tempo::parse_duration(text, &d).is_ok()) return 0;
  std::chrono::nanoseconds again{};
  if (!tempo::parse_duration(tempo::format_duration(d), &again).is_ok() || again != d) {
    std::abort();
  }
  return 0;
}
