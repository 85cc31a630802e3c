#include "tempo/block/encoding.h"

#include "block/vcpp1/vcpp1.h"
#include "block/vcpp2/vcpp2.h"

namespace tempo::block {

// A fixed table rather than a registration hook: the set of formats is part of the build,
// and a constant list needs no global mutable state.
const Encoding* encoding_for(std::string_view format) {
  for (const Encoding* e : {&vcpp1::encoding(), &vcpp2::encoding()}) {
    if (e->format() == format) return e;
  }
  return nullptr;
}

std::vector<std::string_view> known_formats() {
  return {vcpp1::encoding().format(), vcpp2::encoding().format()};
}

}  // namespace tempo::block
