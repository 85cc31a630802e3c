#pragma once
// Giving freed heap back to the operating system.

namespace tempo {

// Asks the allocator to return the free pages it keeps. glibc keeps freed memory in its
// per-thread arenas for reuse and gives back only the top of each heap, so the memory of a
// burst that is over (a flushed block's WAL index and live-search tables, freed from many
// threads) stays in the process's RSS. Walks the whole heap: call after large frees, not per
// request. Does nothing where the allocator has no such call.
void release_free_memory();

}  // namespace tempo
