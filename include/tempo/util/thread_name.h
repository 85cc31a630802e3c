#pragma once
// Naming the calling thread, so `top -H`, `ps -L`, perf and /proc/<pid>/task/*/comm show
// which module a thread belongs to (compaction, flush, io, ...) instead of fifteen "tempo"s.
// That is how an operator, or a benchmark, tells compaction's CPU from ingest's.

#include <string_view>

namespace tempo {

// Sets the name of the calling thread. Linux keeps at most 15 bytes: a longer name is cut.
// Best effort: a failure is ignored, as nothing depends on the name.
void set_thread_name(std::string_view name);

}  // namespace tempo
