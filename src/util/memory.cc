#include "tempo/util/memory.h"

#include <cstdlib>  // defines __GLIBC__ on glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "util/jemalloc_ctl.h"

namespace tempo {

void release_free_memory() {
  // Not in sanitizer builds: ASan replaces malloc, so glibc's arena is never set up, and
  // malloc_trim walking it faulted (SEGV in mtrim, seen once in CI).
#if !defined(TEMPO_SANITIZER_BUILD)
  if (jemalloc::linked()) {
    // glibc's malloc_trim would walk glibc's arena, which jemalloc leaves empty. jemalloc keeps
    // freed pages dirty for dirty_decay_ms (10 s) in the arena that freed them; purge returns
    // every arena's dirty and muzzy pages now. It fails only for a bad name, which is ours.
    ::mallctl("arena." TEMPO_JEMALLOC_ALL_ARENAS ".purge", nullptr, nullptr, nullptr, 0);
    return;
  }
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
#endif
}

}  // namespace tempo
