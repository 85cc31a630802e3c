// Trace IDs: the {id} of GET /api/traces/{id} (TraceId::parse_hex) and raw OTLP ID bytes
// (TraceId::from_bytes). Checks the contract too: an accepted ID prints as 32 hex digits that
// parse back to the same ID.

#include "tempo/model/trace_id.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  tempo::TraceId id;
  if (tempo::TraceId::parse_hex(text, &id).is_ok()) {
    const std::string hex = id.hex();
    tempo::TraceId again;
    if (hex.size() != 32 || !tempo::TraceId::parse_hex(hex, &again).is_ok() || again != id) {
      std::abort();
    }
  }
  tempo::TraceId raw;
  if (tempo::TraceId::from_bytes(text, &raw).is_ok() && text.size() > raw.bytes.size()) {
    std::abort();
  }
  return 0;
}
