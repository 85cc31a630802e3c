#pragma once
// The block's string filter: a bloom filter over every distinct string of a vcpp2 block
// (names, keys, values, messages), stored as the `strings-bloom` object. A search whose
// string literal the filter rules out skips the whole block having read only this object,
// instead of every row group's dictionary. Blocks with more distinct strings than
// kMaxFilteredStrings (high-cardinality values) get no filter: it would be large and rarely
// rule anything out.

#include <cstddef>
#include <string_view>

#include "tempo/block/bloom.h"
#include "tempo/model/trace_id.h"

namespace tempo::block::vcpp2 {

inline constexpr std::string_view kStringFilterObject = "strings-bloom";
inline constexpr size_t kMaxFilteredStrings = 256 * 1024;
inline constexpr double kStringFilterFalsePositive = 0.01;

// The 128-bit key a string is filtered under (the bloom takes trace-ID-shaped keys). Stable
// across builds: it is stored.
TraceId string_filter_key(std::string_view s);

}  // namespace tempo::block::vcpp2
