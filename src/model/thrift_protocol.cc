// Apache Thrift protocols over a message in memory, bounded by its size (thrift_protocol.h).
//
// This is the one file that instantiates Thrift's reading protocol templates, and the
// sanitizer build compiles it without UBSan's enum check (CMakeLists.txt): they cast a type
// byte from the wire to TType before checking it (TBinaryProtocol.tcc, readFieldBegin and
// readListBegin), a load UBSan reports for any byte past 31. That is the library's and
// harmless (no compiler here assumes enum ranges without -fstrict-enums); the code that maps
// the decoded fields (jaeger_thrift.cc) stays fully checked.

#include "model/thrift_protocol.h"

#include <thrift/TConfiguration.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <algorithm>
#include <climits>

namespace tempo::model {
namespace {

using apache::thrift::transport::TMemoryBuffer;

// Every list in jaeger.thrift holds structs with at least two required fields (Tag: key and
// vType is the smallest), which take at least 5 bytes on the wire in either protocol.
constexpr size_t kMinListElementBytes = 5;

// The lengths a Thrift message states are bounded by the bytes actually received, so a
// datagram or body that claims a 2 GiB string or list is refused before anything is
// allocated for it: a string cannot be longer than the input, a list cannot hold more
// elements than fit in it, and the transport's max message size (TConfiguration) refuses
// any read past the input. Without these, Thrift sizes std::string/std::vector from the
// claimed length first (std::bad_alloc, or 2 GiB touched for a 13-byte body).
struct ThriftLimits {
  explicit ThriftLimits(std::string_view bytes)
      : string_limit(clamp(bytes.size())),
        container_limit(clamp(bytes.size() / kMinListElementBytes)),
        config(std::make_shared<apache::thrift::TConfiguration>(string_limit)) {}
  // At least 1: Thrift reads a limit of 0 as "unlimited".
  static int32_t clamp(size_t n) {
    return static_cast<int32_t>(std::clamp<size_t>(n, 1, INT32_MAX));
  }
  int32_t string_limit;
  int32_t container_limit;
  std::shared_ptr<apache::thrift::TConfiguration> config;
};

std::shared_ptr<TMemoryBuffer> observe(std::string_view bytes, const ThriftLimits& limits) {
  // OBSERVE reads the caller's bytes in place; Thrift only ever reads through it here.
  return std::make_shared<TMemoryBuffer>(
      reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data())),
      static_cast<uint32_t>(bytes.size()), TMemoryBuffer::OBSERVE, limits.config);
}

}  // namespace

std::unique_ptr<apache::thrift::protocol::TProtocol> bounded_protocol(std::string_view bytes,
                                                                      ThriftProtocol protocol) {
  const ThriftLimits limits(bytes);
  auto buffer = observe(bytes, limits);
  if (protocol == ThriftProtocol::kCompact) {
    return std::make_unique<apache::thrift::protocol::TCompactProtocol>(buffer, limits.string_limit,
                                                                        limits.container_limit);
  }
  return std::make_unique<apache::thrift::protocol::TBinaryProtocol>(
      buffer, limits.string_limit, limits.container_limit, /*strict_read=*/false,
      /*strict_write=*/true);
}

}  // namespace tempo::model
