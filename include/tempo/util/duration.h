#pragma once
// Go-style durations, as Tempo's config spells them: "300ms", "5s", "1h30m", "1.5h", "720h", "0".

#include <chrono>
#include <string>
#include <string_view>

#include "tempo/util/status.h"

namespace tempo {

// Go's time.ParseDuration: an optional sign, then one or more <number><unit> with units ns, us
// (or µs), ms, s, m, h; numbers may have a fraction ("1.5h", ".5s"). "0" alone needs no unit.
// Anything else, or a value beyond ±292 years, is kInvalidArgument and *out is unchanged.
Status parse_duration(std::string_view text, std::chrono::nanoseconds* out);

// Go's time.Duration.String(): "0s", "1.5µs", "250ms", "1m0s", "1h30m0s", "-2.5s".
// parse_duration(format_duration(d)) == d for every d.
std::string format_duration(std::chrono::nanoseconds d);

}  // namespace tempo
