#pragma once
// Hexadecimal text for IDs (trace and span IDs in JSON, block IDs).

#include <cstdint>
#include <string>
#include <string_view>

namespace tempo::hex {

// The value of one hex digit (either case), or -1.
inline int digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Lowercase hex of `bytes`, appended to *out.
inline void append(std::string_view bytes, std::string* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (unsigned char b : bytes) {
    out->push_back(kDigits[b >> 4]);
    out->push_back(kDigits[b & 15]);
  }
}

// The 8 bytes of a 64-bit ID stored as a number (span IDs in columnar tables, Jaeger's int64
// IDs), written at out[0..7] most significant first, as they travel on the wire.
inline void u64_bytes(uint64_t id, char* out) {
  for (int i = 7; i >= 0; --i, id >>= 8) out[i] = static_cast<char>(id & 0xFF);
}

// Lowercase hex of a 64-bit ID stored as a number: the hex of its u64_bytes.
inline std::string encode_u64(uint64_t id) {
  char raw[8];
  u64_bytes(id, raw);
  std::string s;
  s.reserve(16);
  append(std::string_view(raw, 8), &s);
  return s;
}

inline std::string encode(std::string_view bytes) {
  std::string s;
  s.reserve(bytes.size() * 2);
  append(bytes, &s);
  return s;
}

// Decodes an even-length hex string; false (and *out unspecified) on odd length or a
// non-hex character.
inline bool decode(std::string_view text, std::string* out) {
  if (text.size() % 2 != 0) return false;
  out->resize(text.size() / 2);
  for (size_t i = 0; i < out->size(); ++i) {
    int hi = digit(text[2 * i]), lo = digit(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<char>(hi << 4 | lo);
  }
  return true;
}

}  // namespace tempo::hex
