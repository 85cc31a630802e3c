// jemalloc's options for the tempo binary, read by jemalloc when it starts; MALLOC_CONF in the
// environment still overrides them. Linked only when the binary allocates with jemalloc.
//
// percpu_arena: one arena per CPU, a thread allocating from the arena of the CPU it runs on.
// jemalloc's default is four arenas per CPU with threads spread over them round-robin, and
// each arena keeps the pages freed in it for about 10 s (dirty_decay_ms) for its own threads
// only. Under a flood of large gRPC calls the 64 handler threads then left ~200 MiB of freed
// request buffers spread over 8 arenas on a 2-CPU machine (200 calls of 3 MB: peak RSS 285 MiB,
// 115 MiB with percpu_arena); steady ingest ran at the same CPU per span (bench/README.md).
extern "C" {
// NOLINTNEXTLINE: jemalloc declares it as a mutable global of this name.
const char* malloc_conf = "percpu_arena:percpu";
}
