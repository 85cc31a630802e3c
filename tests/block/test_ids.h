#pragma once
// Trace-ID generators shared by the block tests.

#include <cstring>
#include <random>

#include "tempo/model/trace_id.h"

namespace tempo::testing {

// 128 random bits, like OTLP SDKs produce.
inline TraceId random_id(std::mt19937_64& rng) {
  TraceId id;
  uint64_t a = rng(), b = rng();
  std::memcpy(id.bytes.data(), &a, 8);
  std::memcpy(id.bytes.data() + 8, &b, 8);
  return id;
}

// 64 random bits left-padded with zeros, like Zipkin and Jaeger IDs.
inline TraceId random_id64(std::mt19937_64& rng) {
  TraceId id;
  uint64_t b = rng();
  std::memcpy(id.bytes.data() + 8, &b, 8);
  return id;
}

// A counter in the last 8 bytes, big-endian: IDs that differ in few bits.
inline TraceId sequential_id(uint64_t n) {
  TraceId id;
  for (int i = 0; i < 8; ++i) id.bytes[15 - i] = static_cast<uint8_t>(n >> (8 * i));
  return id;
}

}  // namespace tempo::testing
