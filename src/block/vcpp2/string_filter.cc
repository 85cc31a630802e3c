#include "block/vcpp2/string_filter.h"

#include <cstring>

namespace tempo::block::vcpp2 {

TraceId string_filter_key(std::string_view s) {
  // Two FNV-1a 64 passes with different offset bases; the bloom mixes the 16 bytes further.
  uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL ^ s.size();
  for (unsigned char c : s) {
    a = (a ^ c) * 0x100000001b3ULL;
    b = (b ^ c) * 0x100000001b3ULL;
    b ^= b >> 29;
  }
  TraceId id;
  std::memcpy(id.bytes.data(), &a, 8);
  std::memcpy(id.bytes.data() + 8, &b, 8);
  return id;
}

}  // namespace tempo::block::vcpp2
