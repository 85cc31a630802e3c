#include "tempo/util/memory.h"

#include <cstdlib>  // defines __GLIBC__ on glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace tempo {

void release_free_memory() {
  // Not in sanitizer builds: ASan replaces malloc, so glibc's arena is never set up, and
  // malloc_trim walking it faulted (SEGV in mtrim, seen once in CI).
#if defined(__GLIBC__) && !defined(TEMPO_SANITIZER_BUILD)
  ::malloc_trim(0);
#endif
}

}  // namespace tempo
