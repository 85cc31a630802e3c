#pragma once
// vcpp2: traces sorted by ID in row groups of whole traces, each group a run of column chunks
// (one zstd frame each) so search reads only the columns a query needs, and trace by ID reads
// one group (docs/block_format.md, "vcpp2").

#include "tempo/block/encoding.h"

namespace tempo::block::vcpp2 {

const Encoding& encoding();

}  // namespace tempo::block::vcpp2
