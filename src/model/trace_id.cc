#include "tempo/model/trace_id.h"

namespace tempo {

std::string TraceId::hex() const {
  static const char* digits = "0123456789abcdef";
  std::string s(32, '0');
  for (size_t i = 0; i < 16; ++i) {
    s[2 * i] = digits[bytes[i] >> 4];
    s[2 * i + 1] = digits[bytes[i] & 0xf];
  }
  return s;
}

Status TraceId::from_bytes(std::string_view raw, TraceId* out) {
  if (raw.size() > 16) {
    return Status::invalid_argument("trace ids must be 128 bit, received " +
                                    std::to_string(raw.size() * 8) + " bits");
  }
  out->bytes.fill(0);
  std::memcpy(out->bytes.data() + (16 - raw.size()), raw.data(), raw.size());
  return Status::ok();
}

Status TraceId::parse_hex(std::string_view hex, TraceId* out) {
  // Stub until the model module lands; see src/model.
  return Status::internal("not implemented");
}

}  // namespace tempo
