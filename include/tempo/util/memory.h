#pragma once
// Giving freed heap back to the operating system.

namespace tempo {

// Asks the allocator to return the free pages it keeps. glibc keeps freed memory in its
// per-thread arenas for reuse and gives back only the top of each heap; jemalloc (the tempo
// binary's allocator) keeps freed pages dirty for about 10 s in the arena that freed them. So
// the memory of a burst that is over (a flushed block's WAL index and live-search tables, freed
// from many threads) stays in the process's RSS. On jemalloc this purges every arena, on glibc
// it trims the heap: call after large frees, not per request. Does nothing where the allocator
// has no such call, and in sanitizer builds.
void release_free_memory();

}  // namespace tempo
