#pragma once
// A unary gRPC method whose request this process receives and decodes itself instead of gRPC
// core, so that
//  - a compressed request's decompressed size is bounded by the receive limit as it inflates:
//    gRPC 1.51 (Debian 12) inflates a whole compressed message before it compares the result
//    with GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH (a 2 MB gzip body that inflates to 2 GiB cost
//    2 GiB before RESOURCE_EXHAUSTED). A server hosting these methods turns core's
//    per-message decompression off (GRPC_ARG_ENABLE_PER_MESSAGE_DECOMPRESSION) and inflates
//    through tempo::decompress with the limit as its output bound;
//  - a call's request is read only once a handler thread runs the call. For a unary method the
//    synchronous server reads the whole request before it hands the call to a thread, so calls
//    waiting for one of the capped threads each held their whole message: 400 calls of 3.2 MB
//    over 8 connections held 1.3 GB, and no channel argument or resource quota of gRPC 1.51
//    bounds that. These methods are registered as client-streaming instead, which is the same
//    on the wire (one message, then the half-close), so core reads nothing before a thread
//    asks for the message; a waiting call holds at most its HTTP/2 stream window of unread
//    bytes, and a call past the thread cap is refused (RESOURCE_EXHAUSTED) unread.

#include <grpc/byte_buffer.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/method_handler.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "tempo/server/body_budget.h"

namespace tempo::server {

// The one request message of a bounded call, received on the handler's thread, holding its
// share of a BodyBudget until reset() or destruction.
class ReceivedRequest {
 public:
  ReceivedRequest() = default;
  ~ReceivedRequest() { reset(); }
  ReceivedRequest(const ReceivedRequest&) = delete;
  ReceivedRequest& operator=(const ReceivedRequest&) = delete;

  // Waits for the call's request and takes it: its bytes as sent, or inflated when the client
  // compressed them (gzip or deflate), never past `max_bytes` (RESOURCE_EXHAUSTED, as gRPC's
  // own limit answers). With a `budget`, the request holds `max_bytes` of it (at most all of
  // it) while it is received, its size as received once known, before it is copied or
  // inflated, and its inflated size from then on; when the budget cannot take a share,
  // RESOURCE_EXHAUSTED and nothing is held. For the first share the call waits up to a second,
  // unread, and is refused unread.
  // A request of one slice is viewed in place, not copied. A call that sends no message has
  // an empty request.
  grpc::Status receive(grpc::internal::Call* call, size_t max_bytes, BodyBudget* budget);
  std::string_view bytes() const { return bytes_; }
  // Frees the bytes and gives their budget share back.
  void reset();

 private:
  // Makes the share held `bytes`; false (and reset()) when the budget cannot take more.
  bool recharge(uint64_t bytes);

  grpc_byte_buffer* buffer_ = nullptr;  // owned; bytes_ views its only slice when set
  std::string copy_;                    // otherwise bytes_ views this
  std::string_view bytes_;
  BodyBudget* budget_ = nullptr;
  uint64_t charged_ = 0;
};

// The handler gets the request's bytes (inflated, bounded) and decodes them itself: a receiver
// can then resolve the tenant and charge its rate limit by the bytes before paying for
// decoding, as the HTTP receivers do.
template <class Response>
class BoundedUnaryHandler final : public grpc::internal::MethodHandler {
 public:
  using Fn = std::function<grpc::Status(grpc::ServerContext*, std::string_view request, Response*)>;

  // With a `budget`, a request holds a share of it (see ReceivedRequest::receive) from before
  // it is read until the handler returns; when the budget cannot take it the call fails with
  // RESOURCE_EXHAUSTED before it is read, copied or decoded, so the handler threads together
  // never hold more request bytes than the budget (plus one message when the receive limit is
  // larger than the budget).
  BoundedUnaryHandler(Fn fn, size_t max_bytes, std::shared_ptr<BodyBudget> budget = nullptr)
      : fn_(std::move(fn)), max_bytes_(max_bytes), budget_(std::move(budget)) {}

  // As grpc::internal::ClientStreamingHandler::RunHandler for a stream of one message, the
  // message received as bytes.
  void RunHandler(const HandlerParameter& param) override {
    Response response;
    grpc::Status status;
    {
      ReceivedRequest request;
      status = request.receive(param.call, max_bytes_, budget_.get());
      if (status.ok()) {
        status = grpc::internal::CatchingFunctionHandler([&] {
          return fn_(static_cast<grpc::ServerContext*>(param.server_context), request.bytes(),
                     &response);
        });
      }
    }  // the request's bytes and budget share are given back before the answer is sent
    grpc::internal::UnaryRunHandlerHelper(param, &response, status);
  }

 private:
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
    // Client-streaming, so core leaves the request unread until the handler asks for it (see
    // the top of this file); clients call it as the unary method it is.
    AddMethod(std::make_unique<grpc::internal::RpcServiceMethod>(
                  paths_.back()->c_str(), grpc::internal::RpcMethod::CLIENT_STREAMING,
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
