#include "tempo/server/grpc_bounded_unary.h"

#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/slice.h>

#include <algorithm>
#include <cstring>

#include "tempo/util/compression.h"

namespace tempo::server {

namespace {

struct ByteBufferDestroy {
  void operator()(grpc_byte_buffer* b) const { grpc_byte_buffer_destroy(b); }
};
using OwnedByteBuffer = std::unique_ptr<grpc_byte_buffer, ByteBufferDestroy>;

// How long an unread call waits for its share of the budget before it is refused.
constexpr std::chrono::milliseconds kBudgetWait(1000);

const grpc::Status kBudgetRefused(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                  "too many request bytes in flight on this server, retry later");

// The slices of a received raw buffer, as one string.
std::string concatenate(const grpc_byte_buffer& buffer) {
  const grpc_slice_buffer& slices = buffer.data.raw.slice_buffer;
  std::string out;
  out.reserve(slices.length);
  for (size_t i = 0; i < slices.count; ++i) {
    out.append(reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(slices.slices[i])),
               GRPC_SLICE_LENGTH(slices.slices[i]));
  }
  return out;
}

// Inflates `received`, compressed with `algorithm`, into *out, never past `max_bytes`.
grpc::Status inflate(grpc_compression_algorithm algorithm, std::string_view received,
                     size_t max_bytes, std::string* out) {
  const char* encoding = nullptr;
  switch (algorithm) {
    case GRPC_COMPRESS_GZIP:
      encoding = "gzip";
      break;
    case GRPC_COMPRESS_DEFLATE:
      encoding = "deflate";
      break;  // zlib format in gRPC
    default:
      return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                          "unsupported message compression algorithm");
  }
  Status s = decompress(encoding, received, max_bytes, out);
  if (s.is(Status::Code::kResourceExhausted)) {
    out->clear();
    return grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
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

}  // namespace

grpc::Status ReceivedRequest::receive(grpc::internal::Call* call, size_t max_bytes,
                                      BodyBudget* budget) {
  reset();
  // While the message arrives it may grow to the receive limit, so that is what it holds of
  // the budget until its size is known (all of the budget when that is smaller: such a call
  // then receives alone). Unread, the call costs only its stream window, so it waits a moment
  // for the share rather than send its client into a retry at once.
  if (budget) {
    const uint64_t reserve = std::min<uint64_t>(max_bytes, budget->limit());
    if (!budget->acquire_within(reserve, kBudgetWait)) return kBudgetRefused;
    budget_ = budget;
    charged_ = reserve;
  }
  // The call's own completion queue is a pluck queue that only this thread waits on; the
  // address of `tag` names this batch on it.
  grpc_byte_buffer* received = nullptr;
  grpc_op op;
  std::memset(&op, 0, sizeof op);
  op.op = GRPC_OP_RECV_MESSAGE;
  op.data.recv_message.recv_message = &received;
  int tag = 0;
  if (grpc_call_start_batch(call->call(), &op, 1, &tag, nullptr) != GRPC_CALL_OK) {
    reset();
    return grpc::Status(grpc::StatusCode::INTERNAL, "cannot start reading the request");
  }
  const grpc_event ev = grpc_completion_queue_pluck(call->cq()->cq(), &tag,
                                                    gpr_inf_future(GPR_CLOCK_REALTIME), nullptr);
  OwnedByteBuffer owned(received);
  if (ev.type != GRPC_OP_COMPLETE || !ev.success) {
    reset();
    return grpc::Status(grpc::StatusCode::CANCELLED, "the request could not be read");
  }
  if (received && received->type != GRPC_BB_RAW) {
    reset();
    return grpc::Status(grpc::StatusCode::INTERNAL, "unexpected byte buffer type");
  }
  // From here the request holds its size as received (no message: an empty request).
  if (!recharge(received ? received->data.raw.slice_buffer.length : 0)) return kBudgetRefused;
  if (!received) return grpc::Status::OK;
  const grpc_compression_algorithm algorithm = received->data.raw.compression;
  if (algorithm == GRPC_COMPRESS_NONE) {
    const grpc_slice_buffer& slices = received->data.raw.slice_buffer;
    if (slices.count == 1) {
      bytes_ =
          std::string_view(reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(slices.slices[0])),
                           GRPC_SLICE_LENGTH(slices.slices[0]));
      buffer_ = owned.release();
      return grpc::Status::OK;
    }
    copy_ = concatenate(*received);
    bytes_ = copy_;
    return grpc::Status::OK;
  }
  // Read the slices directly: grpc_byte_buffer_reader_init would inflate a compressed buffer
  // without any bound, which is what this avoids.
  std::string compressed = concatenate(*received);
  owned.reset();
  grpc::Status s = inflate(algorithm, compressed, max_bytes, &copy_);
  compressed = std::string();
  if (!s.ok()) {
    reset();
    return s;
  }
  // And from here its inflated size.
  if (!recharge(copy_.size())) return kBudgetRefused;
  bytes_ = copy_;
  return grpc::Status::OK;
}

bool ReceivedRequest::recharge(uint64_t bytes) {
  if (!budget_) return true;
  if (bytes > charged_ && !budget_->try_acquire(bytes - charged_)) {
    reset();
    return false;
  }
  if (bytes < charged_) budget_->release(charged_ - bytes);
  charged_ = bytes;
  return true;
}

void ReceivedRequest::reset() {
  bytes_ = {};
  if (buffer_) grpc_byte_buffer_destroy(buffer_);
  buffer_ = nullptr;
  copy_ = std::string();
  if (budget_) budget_->release(charged_);
  budget_ = nullptr;
  charged_ = 0;
}

}  // namespace tempo::server
