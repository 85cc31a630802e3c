#include "tempo/server/grpc_bounded_unary.h"

#include <grpc/byte_buffer.h>
#include <grpc/slice.h>

#include "tempo/util/compression.h"

namespace tempo::server {

grpc::Status read_request_bytes(grpc_byte_buffer* buffer, size_t max_bytes, std::string* out) {
  out->clear();
  if (buffer == nullptr) return grpc::Status::OK;  // an empty message
  if (buffer->type != GRPC_BB_RAW) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "unexpected byte buffer type");
  }
  // Read the slices directly: grpc_byte_buffer_reader_init would inflate a compressed buffer
  // without any bound, which is what this avoids. Core has already held the bytes as
  // received to the receive limit.
  const grpc_slice_buffer& slices = buffer->data.raw.slice_buffer;
  std::string received;
  for (size_t i = 0; i < slices.count; ++i) {
    received.append(reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(slices.slices[i])),
                    GRPC_SLICE_LENGTH(slices.slices[i]));
  }
  const char* encoding = nullptr;
  switch (buffer->data.raw.compression) {
    case GRPC_COMPRESS_NONE: *out = std::move(received); return grpc::Status::OK;
    case GRPC_COMPRESS_GZIP: encoding = "gzip"; break;
    case GRPC_COMPRESS_DEFLATE: encoding = "deflate"; break;  // zlib format in gRPC
    default:
      return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                          "unsupported message compression algorithm");
  }
  Status s = decompress(encoding, received, max_bytes, out);
  if (s.is(Status::Code::kResourceExhausted)) {
    out->clear();
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        std::string("grpc: received message after decompression larger than max (") +
                            std::to_string(max_bytes) + " bytes)");
  }
  if (!s.is_ok()) {
    out->clear();
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        "cannot decompress " + std::string(encoding) + " message: " + s.message());
  }
  return grpc::Status::OK;
}

}  // namespace tempo::server
