#pragma once
// Protobuf wire bytes written by hand, for what protobuf's serializer never writes: fields out
// of order or twice, wrong wire types, unknown fields, truncations.

#include <cstdint>
#include <string>
#include <string_view>

namespace tempo::testing::wire_bytes {

inline std::string varint(uint64_t v) {
  std::string s;
  while (v >= 0x80) {
    s.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  s.push_back(static_cast<char>(v));
  return s;
}
inline std::string tag(uint32_t field, uint32_t wire_type) {
  return varint((field << 3) | wire_type);
}
inline std::string len_field(uint32_t field, std::string_view body) {
  return tag(field, 2) + varint(body.size()) + std::string(body);
}
inline std::string fixed64_field(uint32_t field, uint64_t v) {
  std::string s = tag(field, 1);
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}
inline std::string fixed32_field(uint32_t field, uint32_t v) {
  std::string s = tag(field, 5);
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}
inline std::string varint_field(uint32_t field, uint64_t v) { return tag(field, 0) + varint(v); }

}  // namespace tempo::testing::wire_bytes
