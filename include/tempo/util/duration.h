#pragma once
// Go-style durations as Tempo's config uses them: "300ms", "5s", "1h30m", "1.5h", "720h", "0".

#include <chrono>
#include <string>
#include <string_view>

#include "tempo/util/status.h"

namespace tempo {

// Units: ns, us (µs), ms, s, m, h; a leading sign and fractions are allowed; "0" alone is 0.
Status parse_duration(std::string_view text, std::chrono::nanoseconds* out);
// The shortest Go-style spelling, e.g. 5400s -> "1h30m0s".
std::string format_duration(std::chrono::nanoseconds d);

}  // namespace tempo
