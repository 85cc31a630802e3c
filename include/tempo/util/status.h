#pragma once
// Errors are values: every fallible operation returns a Status that is carried up to
// a place that can act on it (an HTTP/gRPC status, a log line, a retry). Status is
// [[nodiscard]] and the build has -Werror=unused-result: a Status is handled or explicitly
// dropped with ignore_error(status, "why").

#include <string>
#include <string_view>
#include <utility>

namespace tempo {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,    // bad input from a client: HTTP 400 / gRPC INVALID_ARGUMENT
    kNotFound,           // HTTP 404
    kCorruption,         // stored bytes fail a checksum or do not parse
    kIOError,            // the filesystem or object store failed
    kResourceExhausted,  // back-pressure: HTTP 429 / gRPC RESOURCE_EXHAUSTED
    kUnavailable,        // retryable: HTTP 503 / gRPC UNAVAILABLE
    kUnauthenticated,    // missing tenant: HTTP 401
    kInternal,
  };

  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }
  static Status invalid_argument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status not_found(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
  static Status io_error(std::string m) { return {Code::kIOError, std::move(m)}; }
  static Status resource_exhausted(std::string m) { return {Code::kResourceExhausted, std::move(m)}; }
  static Status unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
  static Status internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool is_ok() const { return code_ == Code::kOk; }
  explicit operator bool() const { return is_ok(); }
  Code code() const { return code_; }
  bool is(Code c) const { return code_ == c; }
  const std::string& message() const { return message_; }
  std::string to_string() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

std::string_view code_name(Status::Code code);

// Drops `status` on purpose (Status is [[nodiscard]]). `why` says why no failure here needs
// handling; it is documentation, not logged.
inline void ignore_error(const Status& status, std::string_view why) {
  (void)status;
  (void)why;
}

}  // namespace tempo

// Returns early from the enclosing function when `expr` yields a non-ok Status.
#define TEMPO_RETURN_IF_ERROR(expr)          \
  do {                                       \
    ::tempo::Status _st = (expr);            \
    if (!_st.is_ok()) return _st;            \
  } while (0)
