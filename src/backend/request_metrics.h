#pragma once
// tempodb_backend_request_duration_seconds, shared by every backend so local disk and S3 are
// measured alike: operation is the HTTP method (GET, PUT, DELETE, ...) and status_code the
// HTTP status, as Tempo labels object-store requests.

#include <chrono>
#include <string_view>

#include "tempo/util/status.h"

namespace tempo::backend {

void record_request(std::string_view operation, int status_code, double seconds);

// Times one request from construction; done() records it with a status code derived from the
// Status (200, 404, 500) and passes the Status through.
class RequestTimer {
 public:
  explicit RequestTimer(std::string_view op) : op_(op), start_(std::chrono::steady_clock::now()) {}
  Status done(Status s) const {
    record_request(op_, s.is_ok() ? 200 : s.is(Status::Code::kNotFound) ? 404 : 500,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
    return s;
  }

 private:
  std::string_view op_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace tempo::backend
