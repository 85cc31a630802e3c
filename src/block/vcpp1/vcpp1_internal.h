#pragma once
// Between the vcpp1 writer (which owns the Encoding) and reader.

#include <memory>

#include "tempo/block/encoding.h"

namespace tempo::block::vcpp1 {

std::unique_ptr<FormatReader> new_reader(BlockIo& io, const BlockMeta& meta);

}  // namespace tempo::block::vcpp1
