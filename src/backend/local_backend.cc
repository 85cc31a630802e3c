// The local-filesystem backend: objects are files under a root directory. Writes go to a
// temporary file that is fsync'ed and renamed into place, so readers never see a partial
// object and a crash leaves either the old object or the new one.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>

#include "tempo/backend/backend.h"
#include "tempo/observability/metrics.h"

namespace tempo::backend {
namespace {

namespace fs = std::filesystem;

prometheus::Family<prometheus::Histogram>& request_duration() {
  static auto& f = metrics::histogram_family("tempodb_backend_request_duration_seconds",
                                             "Time spent doing backend storage requests.");
  return f;
}

// Records one backend request in tempodb_backend_request_duration_seconds.
class Timer {
 public:
  explicit Timer(const char* op) : op_(op), start_(std::chrono::steady_clock::now()) {}
  Status done(Status s) {
    const char* code = s.is_ok() ? "200" : s.is(Status::Code::kNotFound) ? "404" : "500";
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    request_duration()
        .Add({{"operation", op_}, {"status_code", code}}, metrics::request_duration_buckets())
        .Observe(secs);
    return s;
  }

 private:
  const char* op_;
  std::chrono::steady_clock::time_point start_;
};

std::string sys_error(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

Status validate_key(std::string_view key, bool allow_empty) {
  if (key.empty()) {
    return allow_empty ? Status::ok() : Status::invalid_argument("empty object key");
  }
  if (key.front() == '/') return Status::invalid_argument("object key must be relative: " + std::string(key));
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view seg = key.substr(start, end - start);
    if (seg.empty() && end != key.size()) {
      return Status::invalid_argument("object key has an empty segment: " + std::string(key));
    }
    if (seg == "." || seg == "..") {
      return Status::invalid_argument("object key may not contain . or ..: " + std::string(key));
    }
    start = end + 1;
  }
  return Status::ok();
}

Status fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::io_error(sys_error("open dir", dir));
  ::fsync(fd);
  ::close(fd);
  return Status::ok();
}

std::string temp_suffix() {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
         std::to_string(rng() & 0xffffff);
}

bool is_temp_name(const std::string& name) { return name.find(".tmp-") != std::string::npos; }

class LocalWriter final : public ObjectWriter {
 public:
  LocalWriter(std::string final_path, std::string tmp_path, int fd)
      : final_(std::move(final_path)), tmp_(std::move(tmp_path)), fd_(fd) {}
  ~LocalWriter() override {
    if (fd_ >= 0) {
      ::close(fd_);
      ::unlink(tmp_.c_str());
    }
  }
  Status append(std::string_view data) override {
    if (fd_ < 0) return Status::internal("append after close");
    const char* p = data.data();
    size_t n = data.size();
    while (n > 0) {
      ssize_t w = ::write(fd_, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        return Status::io_error(sys_error("write", tmp_));
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    return Status::ok();
  }
  Status close() override {
    Timer t("PUT");
    if (fd_ < 0) return Status::internal("close called twice");
    if (::fsync(fd_) != 0) return t.done(Status::io_error(sys_error("fsync", tmp_)));
    ::close(fd_);
    fd_ = -1;
    if (::rename(tmp_.c_str(), final_.c_str()) != 0) {
      Status s = Status::io_error(sys_error("rename", final_));
      ::unlink(tmp_.c_str());
      return t.done(s);
    }
    return t.done(fsync_dir(fs::path(final_).parent_path().string()));
  }

 private:
  std::string final_, tmp_;
  int fd_;
};

class LocalBackend final : public Backend {
 public:
  explicit LocalBackend(std::string root) : root_(std::move(root)) {
    std::error_code ec;
    fs::create_directories(root_, ec);
  }

  Status open_writer(std::string_view key, std::unique_ptr<ObjectWriter>* out) override {
    TEMPO_RETURN_IF_ERROR(validate_key(key, false));
    std::string path = full(key);
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    if (ec) return Status::io_error("create directory for " + path + ": " + ec.message());
    std::string tmp = path + temp_suffix();
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Status::io_error(sys_error("create", tmp));
    *out = std::make_unique<LocalWriter>(path, tmp, fd);
    return Status::ok();
  }

  Status write(std::string_view key, std::string_view data) override {
    std::unique_ptr<ObjectWriter> w;
    TEMPO_RETURN_IF_ERROR(open_writer(key, &w));
    TEMPO_RETURN_IF_ERROR(w->append(data));
    return w->close();
  }

  Status read(std::string_view key, std::string* out) override {
    return read_object(key, 0, std::nullopt, out);
  }

  Status read_range(std::string_view key, uint64_t offset, uint64_t length,
                    std::string* out) override {
    return read_object(key, offset, length, out);
  }

  Status list(std::string_view prefix, std::vector<std::string>* out) override {
    Timer t("LIST");
    out->clear();
    std::string p(prefix);
    while (!p.empty() && p.back() == '/') p.pop_back();
    TEMPO_RETURN_IF_ERROR(validate_key(p, true));
    std::string dir = p.empty() ? root_ : full(p);
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      std::string name = e.path().filename().string();
      if (is_temp_name(name)) continue;  // an object still being written does not exist yet
      out->push_back(std::move(name));
    }
    if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory) {
      return t.done(Status::io_error("list " + dir + ": " + ec.message()));
    }
    std::sort(out->begin(), out->end());
    return t.done(Status::ok());
  }

  Status remove(std::string_view key) override {
    Timer t("DELETE");
    TEMPO_RETURN_IF_ERROR(validate_key(key, false));
    std::string path = full(key);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return t.done(Status::io_error(sys_error("unlink", path)));
    }
    // Remove directories the delete left empty, so deleted blocks leave nothing behind.
    fs::path parent = fs::path(path).parent_path();
    std::error_code ec;
    while (parent.string().size() > root_.size() && fs::is_empty(parent, ec) && !ec) {
      fs::remove(parent, ec);
      parent = parent.parent_path();
    }
    return t.done(Status::ok());
  }

  std::string_view name() const override { return "local"; }

 private:
  std::string full(std::string_view key) const { return root_ + "/" + std::string(key); }

  // Reads `length` bytes at `offset`, or the whole object when `length` is empty.
  Status read_object(std::string_view key, uint64_t offset, std::optional<uint64_t> length,
                     std::string* out) {
    Timer t("GET");
    TEMPO_RETURN_IF_ERROR(validate_key(key, false));
    std::string path = full(key);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT || errno == ENOTDIR) {
        return t.done(Status::not_found("no object " + std::string(key)));
      }
      return t.done(Status::io_error(sys_error("open", path)));
    }
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return t.done(Status::io_error(sys_error("stat", path)));
    }
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    const uint64_t n = length.value_or(size - std::min(offset, size));
    if (offset + n > size) {
      ::close(fd);
      return t.done(Status::invalid_argument("range " + std::to_string(offset) + "+" +
                                             std::to_string(n) + " past the end of " +
                                             std::string(key)));
    }
    Status s = pread_all(fd, path, offset, n, out);
    ::close(fd);
    return t.done(s);
  }

  static Status pread_all(int fd, const std::string& path, uint64_t off, uint64_t n,
                          std::string* out) {
    out->resize(n);
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd, out->data() + done, n - done, static_cast<off_t>(off + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return Status::io_error(sys_error("read", path));
      }
      if (r == 0) return Status::io_error("short read of " + path);
      done += static_cast<size_t>(r);
    }
    return Status::ok();
  }

  std::string root_;
};

}  // namespace

std::unique_ptr<Backend> make_local_backend(const std::string& root) {
  return std::make_unique<LocalBackend>(root);
}

}  // namespace tempo::backend
