#pragma once
// vcpp1: zstd pages of (trace ID, serialized TracesData) records, a page index and bloom
// shards (docs/block_format.md, "vcpp1"). Kept so blocks written before vcpp2 stay readable
// and for tests; its scan for search decodes every page back into a SpanTable.

#include "tempo/block/encoding.h"

namespace tempo::block::vcpp1 {

const Encoding& encoding();

}  // namespace tempo::block::vcpp1
