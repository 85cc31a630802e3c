#pragma once
// A Backend wrapper for tests: records every request and fails the ones whose key contains
// a chosen substring, so tests can assert exactly what a reader fetched and how a writer
// copes with a failing store.

#include <mutex>
#include <string>
#include <vector>

#include "tempo/backend/backend.h"

namespace tempo::testing {

class RecordingBackend final : public backend::Backend {
 public:
  struct Request {
    std::string op;  // "read", "read_range", "write", "open_writer", "list", "remove"
    std::string key;
    uint64_t offset = 0, length = 0;
  };

  explicit RecordingBackend(backend::Backend& inner) : inner_(inner) {}

  // Requests whose key contains `s` fail with kIOError ("" = none).
  void fail_keys_containing(std::string s) {
    std::lock_guard<std::mutex> l(mu_);
    fail_ = std::move(s);
  }
  std::vector<Request> requests() const {
    std::lock_guard<std::mutex> l(mu_);
    return requests_;
  }
  void clear() {
    std::lock_guard<std::mutex> l(mu_);
    requests_.clear();
  }

  Status write(std::string_view key, std::string_view data) override {
    TEMPO_RETURN_IF_ERROR(note("write", key));
    return inner_.write(key, data);
  }
  Status open_writer(std::string_view key, std::unique_ptr<backend::ObjectWriter>* out) override {
    TEMPO_RETURN_IF_ERROR(note("open_writer", key));
    return inner_.open_writer(key, out);
  }
  Status read(std::string_view key, std::string* out) override {
    TEMPO_RETURN_IF_ERROR(note("read", key));
    return inner_.read(key, out);
  }
  Status read_range(std::string_view key, uint64_t offset, uint64_t length,
                    std::string* out) override {
    TEMPO_RETURN_IF_ERROR(note("read_range", key, offset, length));
    return inner_.read_range(key, offset, length, out);
  }
  Status list(std::string_view prefix, std::vector<std::string>* out) override {
    TEMPO_RETURN_IF_ERROR(note("list", prefix));
    return inner_.list(prefix, out);
  }
  Status remove(std::string_view key) override {
    // Removal never fails here, so cleanup after an injected failure can be observed.
    note("remove", key).is_ok();
    return inner_.remove(key);
  }
  std::string_view name() const override { return "recording"; }

 private:
  Status note(const char* op, std::string_view key, uint64_t offset = 0, uint64_t length = 0) {
    std::lock_guard<std::mutex> l(mu_);
    requests_.push_back({op, std::string(key), offset, length});
    if (!fail_.empty() && key.find(fail_) != std::string_view::npos) {
      return Status::io_error("injected failure for " + std::string(key));
    }
    return Status::ok();
  }

  backend::Backend& inner_;
  mutable std::mutex mu_;
  std::string fail_;
  std::vector<Request> requests_;
};

}  // namespace tempo::testing
