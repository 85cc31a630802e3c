#pragma once
// Request-body decompression for the encodings OTLP/HTTP clients send.

#include <cstddef>
#include <string>
#include <string_view>

#include "tempo/util/status.h"

namespace tempo {

// Decodes `in` per a Content-Encoding value: "gzip", "deflate"/"zlib", "zstd", "snappy" (raw
// block), "identity" or "". kInvalidArgument when the data does not decode; kResourceExhausted
// when the output would exceed `max_out` (a decompression bomb); kNotFound for an unsupported
// encoding.
Status decompress(std::string_view encoding, std::string_view in, size_t max_out,
                  std::string* out);

Status gzip_compress(std::string_view in, std::string* out);

}  // namespace tempo
