#pragma once
// CPU seconds used so far by the calling thread (default) or by the whole process: what the
// benchmarks divide work by, since wall time on a shared 2-core machine says little.

#include <time.h>

namespace tempo::bench {

inline double cpu_seconds(clockid_t clock = CLOCK_THREAD_CPUTIME_ID) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace tempo::bench
