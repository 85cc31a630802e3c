// Request-body decompression: the Content-Encoding of every HTTP receiver and the gzip/deflate
// messages of the gRPC receivers, bounded by the receive limit as the servers bound it. The
// first byte picks the encoding, the rest is the body.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ingest.h"
#include "tempo/util/compression.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static constexpr std::string_view kEncodings[] = {"gzip",   "deflate",  "zlib", "zstd",
                                                    "snappy", "identity", ""};
  if (size == 0) return 0;
  const std::string_view encoding = kEncodings[data[0] % std::size(kEncodings)];
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (body.size() > tempo::fuzz::max_http_body()) return -1;
  // A small bound as well as the server's, so the bomb check is reached by small inputs.
  for (size_t max_out : {size_t{4096}, tempo::fuzz::max_grpc_message()}) {
    std::string out;
    tempo::Status s = tempo::decompress(encoding, body, max_out, &out);
    if (s.is_ok() && out.size() > max_out) std::abort();
  }
  return 0;
}
