#pragma once
// A unary gRPC method whose request this process decodes itself instead of gRPC core, so the
// decompressed size of a compressed request is bounded by the receive limit as it inflates.
//
// gRPC 1.51 (Debian 12) inflates a whole compressed message before it compares the result
// with GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH: a 2 MB gzip body that inflates to 2 GiB costs
// 2 GiB of memory before RESOURCE_EXHAUSTED. A server hosting these methods turns core's
// per-message decompression off (GRPC_ARG_ENABLE_PER_MESSAGE_DECOMPRESSION), so the
// compressed bytes reach Deserialize below, which inflates them through tempo::decompress
// with the limit as its output bound.

#include <grpc/byte_buffer.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/method_handler.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "tempo/server/body_budget.h"

namespace tempo::server {

// Reads a received message into *out: its bytes as sent, or inflated when the client
// compressed it (gzip or deflate), never past `max_bytes` (RESOURCE_EXHAUSTED, as gRPC's own
// limit answers).
grpc::Status read_request_bytes(grpc_byte_buffer* buffer, size_t max_bytes, std::string* out);

// The handler gets the request's bytes (inflated, bounded) and decodes them itself: a receiver
// can then resolve the tenant and charge its rate limit by the bytes before paying for
// decoding, as the HTTP receivers do.
template <class Response>
class BoundedUnaryHandler final : public grpc::internal::MethodHandler {
 public:
  using Fn = std::function<grpc::Status(grpc::ServerContext*, std::string_view request,
                                        Response*)>;

  // With a `budget`, a request holds its inflated size in it from Deserialize until the handler
  // returns; when the budget cannot take it the call fails with RESOURCE_EXHAUSTED before it
  // is decoded, so the handler threads together never decode more than the budget.
  BoundedUnaryHandler(Fn fn, size_t max_bytes, std::shared_ptr<BodyBudget> budget = nullptr)
      : fn_(std::move(fn)), max_bytes_(max_bytes), budget_(std::move(budget)) {}

  // As grpc::internal::RpcMethodHandler::RunHandler, with the request bytes owned by a
  // unique_ptr.
  void RunHandler(const HandlerParameter& param) override {
    std::unique_ptr<std::string> request(static_cast<std::string*>(param.request));
    Response response;
    grpc::Status status = param.status;
    if (status.ok() && request) {
      status = grpc::internal::CatchingFunctionHandler([&] {
        return fn_(static_cast<grpc::ServerContext*>(param.server_context), *request, &response);
      });
    }
    if (request && budget_) budget_->release(request->size());
    request.reset();
    grpc::internal::UnaryRunHandlerHelper(param, &response, status);
  }

  // Called by the server with the message as received. `req` becomes ours: the server drops
  // its pointer before this call (gRPC's own handlers destroy it in GenericDeserialize), so
  // it is destroyed here on every path, or each request's bytes leak.
  void* Deserialize(grpc_call*, grpc_byte_buffer* req, grpc::Status* status, void**) override {
    auto bytes = std::make_unique<std::string>();
    {
      const std::unique_ptr<grpc_byte_buffer, ByteBufferDestroy> received(req);
      *status = read_request_bytes(req, max_bytes_, bytes.get());
    }
    if (!status->ok()) return nullptr;
    if (budget_ && !budget_->try_acquire(bytes->size())) {
      *status = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                             "too many request bytes in flight on this server, retry later");
      return nullptr;
    }
    return bytes.release();  // RunHandler takes it back
  }

 private:
  struct ByteBufferDestroy {
    void operator()(grpc_byte_buffer* b) const { grpc_byte_buffer_destroy(b); }
  };
  Fn fn_;
  size_t max_bytes_;
  std::shared_ptr<BodyBudget> budget_;
};

// A grpc::Service made of bounded unary methods, registered by full path
// ("/package.Service/Method").
class BoundedService final : public grpc::Service {
 public:
  template <class Response>
  void add(std::string path, typename BoundedUnaryHandler<Response>::Fn fn, size_t max_bytes,
           std::shared_ptr<BodyBudget> budget) {
    paths_.push_back(std::make_unique<std::string>(std::move(path)));
    // grpc::Service takes ownership of both (it predates unique_ptr in its API).
    AddMethod(std::make_unique<grpc::internal::RpcServiceMethod>(
                  paths_.back()->c_str(), grpc::internal::RpcMethod::NORMAL_RPC,
                  std::make_unique<BoundedUnaryHandler<Response>>(std::move(fn), max_bytes,
                                                                  std::move(budget))
                      .release())
                  .release());
  }
  bool empty() const { return paths_.empty(); }

 private:
  std::vector<std::unique_ptr<std::string>> paths_;  // RpcServiceMethod keeps the pointer
};

}  // namespace tempo::server
