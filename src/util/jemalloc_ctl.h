#pragma once
// jemalloc's control interface (mallctl), for code that may or may not run on jemalloc.
//
// Only the tempo binary links jemalloc (CMakeLists.txt); the libraries under src/ are also
// linked into test binaries and sanitizer builds that allocate with the system malloc. So
// mallctl is bound weakly: it is null where jemalloc is not the process's allocator.

#include <cstddef>

#if __has_include(<jemalloc/jemalloc.h>)
#include <jemalloc/jemalloc.h>
#endif

// The arena index that names all arenas at once in "arena.<i>.*" and "stats.arenas.<i>.*".
#ifndef MALLCTL_ARENAS_ALL
#define MALLCTL_ARENAS_ALL 4096
#endif
#define TEMPO_JEMALLOC_STRINGIFY_(x) #x
#define TEMPO_JEMALLOC_STRINGIFY(x) TEMPO_JEMALLOC_STRINGIFY_(x)
// "4096": splice into a mallctl name, as "arena." TEMPO_JEMALLOC_ALL_ARENAS ".purge".
#define TEMPO_JEMALLOC_ALL_ARENAS TEMPO_JEMALLOC_STRINGIFY(MALLCTL_ARENAS_ALL)

extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace tempo::jemalloc {

// Whether the process allocates with jemalloc (its mallctl is linked in).
inline bool linked() { return &::mallctl != nullptr; }

}  // namespace tempo::jemalloc
