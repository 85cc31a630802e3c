#pragma once
// A byte budget shared by the servers that receive request bodies: HTTP bodies from their
// headers until their handler returns, and gRPC ingest requests (grpc_bounded_unary.h) from
// the moment gRPC hands them over until their handler returns. Sized by
// server.http_max_request_bytes_in_flight.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace tempo::server {

// The bytes of request bodies (as received, and again once decompressed) held in memory at
// once, across every server that shares it. A body holds its share from its headers until its
// handler returns.
class BodyBudget {
 public:
  explicit BodyBudget(uint64_t limit_bytes) : limit_(limit_bytes) {}
  // False, taking nothing, when `n` more bytes would exceed the limit.
  bool try_acquire(uint64_t n);
  // As try_acquire, but waits up to `timeout` for holders to release enough. False at once when
  // `n` exceeds the limit.
  bool acquire_within(uint64_t n, std::chrono::milliseconds timeout);
  void release(uint64_t n);
  uint64_t in_flight() const { return in_flight_.load(); }
  uint64_t limit() const { return limit_; }

 private:
  const uint64_t limit_;
  std::atomic<uint64_t> in_flight_{0};
  // Only acquire_within waits; release() takes the lock only while someone does.
  std::atomic<int> waiters_{0};
  std::mutex mu_;
  std::condition_variable released_;
};

}  // namespace tempo::server
