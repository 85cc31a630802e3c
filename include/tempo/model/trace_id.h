#pragma once
// A 128-bit trace ID. Ordering is bytewise, which is the order traces are stored in blocks.

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include "tempo/util/status.h"

namespace tempo {

struct TraceId {
  std::array<uint8_t, 16> bytes{};

  auto operator<=>(const TraceId&) const = default;
  bool operator==(const TraceId&) const = default;

  bool is_zero() const {
    for (uint8_t b : bytes)
      if (b) return false;
    return true;
  }
  std::string_view view() const {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
  // 32 lowercase hex digits.
  std::string hex() const;

  // From raw bytes as OTLP carries them; shorter inputs (e.g. 64-bit Zipkin/Jaeger IDs)
  // are left-padded with zeros. More than 16 bytes is an error.
  static Status from_bytes(std::string_view raw, TraceId* out);
  // From a URL path segment with Tempo's rules: 1-32 hex digits, odd length gets a leading
  // zero, shorter IDs are left-padded. Errors carry Tempo's messages.
  static Status parse_hex(std::string_view hex, TraceId* out);
};

// Trace IDs come from clients, who could pick IDs that collide under a fixed hash and make
// every lookup of a table walk them all. So the hash is absl's of the ID's two words, seeded
// per process (trace_id.cc), for every table keyed by trace ID.
struct TraceIdHash {
  size_t operator()(const TraceId& id) const;
};

}  // namespace tempo
