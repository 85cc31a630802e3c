#include "tempo/model/trace_id.h"

#include <absl/hash/hash.h>

#include "tempo/util/hex.h"

namespace tempo {

size_t TraceIdHash::operator()(const TraceId& id) const {
  uint64_t a, b;
  std::memcpy(&a, id.bytes.data(), 8);
  std::memcpy(&b, id.bytes.data() + 8, 8);
  return absl::HashOf(a, b);
}

std::string TraceId::hex() const { return hex::encode(view()); }

Status TraceId::from_bytes(std::string_view raw, TraceId* out) {
  if (raw.size() > 16) {
    return Status::invalid_argument("trace ids must be 128 bit, received " +
                                    std::to_string(raw.size() * 8) + " bits");
  }
  out->bytes.fill(0);
  // An absent field is a view with no data pointer, which memcpy must not be given.
  if (!raw.empty()) std::memcpy(out->bytes.data() + (16 - raw.size()), raw.data(), raw.size());
  return Status::ok();
}

namespace {

// Length of the UTF-8 sequence starting at s[i], or 1 for a byte that does not start a valid
// one. Tempo reports the offending character and its position counted in characters (runes).
size_t utf8_len(std::string_view s, size_t i) {
  const auto lead = static_cast<uint8_t>(s[i]);
  size_t n = lead < 0x80           ? 1
             : (lead >> 5) == 0x6  ? 2
             : (lead >> 4) == 0xe  ? 3
             : (lead >> 3) == 0x1e ? 4
                                   : 1;
  if (i + n > s.size()) return 1;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<uint8_t>(s[i + k]) & 0xc0) != 0x80) return 1;
  return n;
}

}  // namespace

Status TraceId::parse_hex(std::string_view hex, TraceId* out) {
  if (hex.empty()) return Status::invalid_argument("trace ID cannot be empty");
  for (size_t i = 0; i < hex.size(); ++i) {
    if (hex::digit(hex[i]) >= 0) continue;
    // Every character before this one is an ASCII hex digit, so the byte offset is also the
    // character position.
    return Status::invalid_argument(
        "trace IDs can only contain hex characters: invalid character '" +
        std::string(hex.substr(i, utf8_len(hex, i))) + "' at position " + std::to_string(i + 1));
  }
  // An odd length gets a leading zero; the result is right-aligned (left-padded) in 16 bytes.
  const size_t byte_len = (hex.size() + 1) / 2;
  if (byte_len > 16) return Status::invalid_argument("trace IDs can't be larger than 128 bits");
  out->bytes.fill(0);
  size_t pos = hex.size();
  for (size_t b = 0; b < byte_len; ++b) {
    int lo = hex::digit(hex[--pos]);
    int hi = pos > 0 ? hex::digit(hex[--pos]) : 0;
    out->bytes[15 - b] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return Status::ok();
}

}  // namespace tempo
