// The local-filesystem backend: objects are files under a root directory, keys are their
// paths relative to it. Writes go to a temporary file in the object's directory that is
// fsync'ed, renamed into place and then made durable by fsync'ing the directory, so a reader
// never sees a partial object and a crash leaves either the old object or the new one.
//
// Temporary files are named ".tmp-<name>.<unique>"; keys may not use that prefix, and list()
// hides such names, so an object being written does not exist for anyone until close().
// A process killed mid-write leaves its temporary file behind; the next LocalBackend on the
// root removes those whose writer process is gone.

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
#include <signal.h>

#include "tempo/backend/backend.h"
#include "backend/request_metrics.h"
#include "tempo/observability/log.h"

namespace tempo::backend {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTempPrefix = ".tmp-";

std::string sys_error(std::string_view what, const std::string& path, int err) {
  return std::string(what) + " " + path + ": " + std::strerror(err);
}

// A key is one or more '/'-separated non-empty segments, none of them "." or "..", none using
// the temporary-file prefix. This keeps every key inside the root and every key a file.
Status validate_key(std::string_view key) {
  if (key.empty()) return Status::invalid_argument("empty object key");
  if (key.front() == '/') {
    return Status::invalid_argument("object key must be relative: " + std::string(key));
  }
  size_t start = 0;
  while (true) {
    size_t end = key.find('/', start);
    std::string_view seg = key.substr(start, end == std::string_view::npos ? end : end - start);
    if (seg.empty()) {
      return Status::invalid_argument("object key has an empty segment: " + std::string(key));
    }
    if (seg == "." || seg == "..") {
      return Status::invalid_argument("object key may not contain . or ..: " + std::string(key));
    }
    if (seg.starts_with(kTempPrefix)) {
      return Status::invalid_argument("object key uses the reserved prefix .tmp-: " +
                                      std::string(key));
    }
    if (end == std::string_view::npos) return Status::ok();
    start = end + 1;
  }
}

Status fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::io_error(sys_error("open dir", dir, errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::io_error(sys_error("fsync dir", dir, err));
  return Status::ok();
}

// Unique within the host: pid + per-process counter + random bits (several processes may
// share a root in tests).
std::string temp_name(const std::string& final_name) {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::string(kTempPrefix) + final_name + "." + std::to_string(::getpid()) + "." +
         std::to_string(counter.fetch_add(1)) + "." + std::to_string(rng() & 0xffffff);
}

// Removes `dir` and its ancestors while they are empty, stopping below `root`. rmdir refuses
// a non-empty directory, which makes this the race-free emptiness test: a concurrent
// writer's file keeps its directory.
void prune_empty_dirs(const std::string& root, fs::path dir) {
  while (dir.string().size() > root.size() && ::rmdir(dir.c_str()) == 0) dir = dir.parent_path();
}

class LocalWriter final : public ObjectWriter {
 public:
  LocalWriter(const std::string& root, std::string final_path, std::string tmp_path, int fd)
      : root_(root), final_(std::move(final_path)), tmp_(std::move(tmp_path)), fd_(fd) {}
  ~LocalWriter() override { abandon(); }

  Status append(std::string_view data) override {
    if (fd_ < 0) return Status::internal("append to a closed object writer: " + final_);
    const char* p = data.data();
    size_t n = data.size();
    while (n > 0) {
      ssize_t w = ::write(fd_, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        return Status::io_error(sys_error("write", tmp_, errno));
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    return Status::ok();
  }

  Status close() override {
    if (fd_ < 0) return Status::internal("object writer closed twice: " + final_);
    // Any failure abandons the object: the caller must not believe a half-made one exists.
    Status s = publish();
    abandon();
    return timer_.done(std::move(s));
  }

 private:
  Status publish() {
    if (::fsync(fd_) != 0) return Status::io_error(sys_error("fsync", tmp_, errno));
    int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return Status::io_error(sys_error("close", tmp_, errno));
    if (::rename(tmp_.c_str(), final_.c_str()) != 0) {
      return Status::io_error(sys_error("rename", final_, errno));
    }
    tmp_.clear();  // renamed: nothing left to clean up
    return fsync_dir(fs::path(final_).parent_path().string());
  }

  void abandon() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!tmp_.empty()) {
      ::unlink(tmp_.c_str());
      prune_empty_dirs(root_, fs::path(tmp_).parent_path());  // a dropped block leaves nothing
    }
    tmp_.clear();
  }

  RequestTimer timer_{"PUT"};
  std::string root_;
  std::string final_, tmp_;
  int fd_;
};

// The writer pid in a temporary file name ".tmp-<name>.<pid>.<counter>.<random>", or 0.
pid_t temp_owner(std::string_view file_name) {
  size_t end = file_name.rfind('.');
  if (end == std::string_view::npos || end == 0) return 0;
  end = file_name.rfind('.', end - 1);
  if (end == std::string_view::npos || end == 0) return 0;
  const size_t start = file_name.rfind('.', end - 1);
  if (start == std::string_view::npos) return 0;
  pid_t pid = 0;
  for (char c : file_name.substr(start + 1, end - start - 1)) {
    if (c < '0' || c > '9' || pid > 1 << 24) return 0;
    pid = pid * 10 + (c - '0');
  }
  return pid;
}

// When this process started (near enough: static initialization). A temporary file named
// with this process's pid but older than that is from an earlier process that had the same
// pid, which is the rule in a container, where the server is pid 1 on every start.
const fs::file_time_type kProcessStart = fs::file_time_type::clock::now();

// Removes the temporary files under `dir` (inside `root`) left by writers that died before
// close() (a crash or kill during a flush) and last written more than `older_than` ago: nothing
// would ever read or remove them, and they would hold disk space forever. Files of live
// processes are left alone, since several processes may share a root. Returns how many went.
size_t remove_stale_temp_files(const std::string& root, const std::string& dir,
                               std::chrono::nanoseconds older_than) {
  std::error_code ec;
  std::vector<fs::path> stale;
  const auto cutoff = fs::file_time_type::clock::now() -
                      std::chrono::duration_cast<fs::file_time_type::duration>(older_than);
  for (auto it = fs::recursive_directory_iterator(
           dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(kTempPrefix) || !it->is_regular_file(ec)) continue;
    const pid_t owner = temp_owner(name);
    const auto written = it->last_write_time(ec);
    const bool live = owner == ::getpid()
                          ? written >= kProcessStart || ec
                          : owner > 0 && (::kill(owner, 0) == 0 || errno == EPERM);
    if (live || ec || written > cutoff) continue;
    stale.push_back(it->path());
  }
  size_t removed = 0;
  for (const auto& path : stale) {
    if (::unlink(path.c_str()) == 0) {
      ++removed;
      prune_empty_dirs(root, path.parent_path());
    }
  }
  if (removed > 0) {
    log::info("removed temporary files of interrupted writes", {{"path", dir}, {"files", removed}});
  }
  return removed;
}

class LocalBackend final : public Backend {
 public:
  explicit LocalBackend(const std::string& root) {
    std::error_code ec;
    fs::path p = fs::absolute(root, ec).lexically_normal();
    root_ = p.string();
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
    fs::create_directories(root_, ec);
    remove_stale_temp_files(root_, root_, std::chrono::nanoseconds::zero());
  }

  Status open_writer(std::string_view key, std::unique_ptr<ObjectWriter>* out) override {
    TEMPO_RETURN_IF_ERROR(validate_key(key));
    const std::string path = full(key);
    const fs::path dir = fs::path(path).parent_path();
    const std::string tmp = (dir / temp_name(fs::path(path).filename().string())).string();
    // A concurrent remove() may prune the directory between creating it and creating the
    // file in it; retry a few times rather than fail the write.
    int fd = -1;
    int err = 0;
    for (int attempt = 0; attempt < 5 && fd < 0; ++attempt) {
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec) return Status::io_error("create directory " + dir.string() + ": " + ec.message());
      fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      err = errno;
      if (fd < 0 && err != ENOENT) break;
    }
    if (fd < 0) return Status::io_error(sys_error("create", tmp, err));
    *out = std::make_unique<LocalWriter>(root_, path, tmp, fd);
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
    out->clear();
    std::string_view p = prefix;
    while (!p.empty() && p.back() == '/') p.remove_suffix(1);
    if (!p.empty()) TEMPO_RETURN_IF_ERROR(validate_key(p));
    RequestTimer t("LIST");
    const std::string dir = p.empty() ? root_ : full(p);
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) {
      // A missing prefix, or one naming an object rather than a directory, has no children.
      if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) {
        return t.done(Status::ok());
      }
      return t.done(Status::io_error("list " + dir + ": " + ec.message()));
    }
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.starts_with(kTempPrefix)) continue;  // being written: does not exist yet
      out->push_back(std::move(name));
    }
    if (ec) return t.done(Status::io_error("list " + dir + ": " + ec.message()));
    std::sort(out->begin(), out->end());
    return t.done(Status::ok());
  }

  Status list_objects(std::string_view prefix, std::vector<std::string>* out) override {
    out->clear();
    std::string_view p = prefix;
    while (!p.empty() && p.back() == '/') p.remove_suffix(1);
    if (!p.empty()) TEMPO_RETURN_IF_ERROR(validate_key(p));
    RequestTimer t("LIST");
    const fs::path dir = p.empty() ? fs::path(root_) : fs::path(full(p));
    // A directory deleted under the walk (a block being removed) stops it with ENOENT; the walk
    // is then repeated, since a partial listing would make blocks look deleted.
    std::error_code ec;
    for (int attempt = 0; attempt < 5; ++attempt) {
      out->clear();
      ec.clear();
      fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
      if (ec) {
        if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) {
          return t.done(Status::ok());
        }
        break;
      }
      for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.starts_with(kTempPrefix)) continue;  // being written: does not exist yet
        std::error_code type_ec;
        if (!it->is_regular_file(type_ec)) continue;
        out->push_back(it->path().lexically_relative(dir).generic_string());
      }
      if (ec != std::errc::no_such_file_or_directory) break;
    }
    if (ec) return t.done(Status::io_error("list " + dir.string() + ": " + ec.message()));
    std::sort(out->begin(), out->end());
    return t.done(Status::ok());
  }

  Status sweep_temporary(std::string_view prefix, std::chrono::nanoseconds older_than,
                         size_t* removed) override {
    std::string_view p = prefix;
    while (!p.empty() && p.back() == '/') p.remove_suffix(1);
    if (!p.empty()) TEMPO_RETURN_IF_ERROR(validate_key(p));
    *removed += remove_stale_temp_files(root_, p.empty() ? root_ : full(p), older_than);
    return Status::ok();
  }

  Status remove(std::string_view key) override {
    TEMPO_RETURN_IF_ERROR(validate_key(key));
    RequestTimer t("DELETE");
    const std::string path = full(key);
    if (::unlink(path.c_str()) != 0) {
      const int err = errno;
      if (err == EISDIR || err == EPERM) {
        struct stat st;
        if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
          return t.done(Status::invalid_argument("not an object: " + std::string(key)));
        }
      }
      if (err != ENOENT && err != ENOTDIR) {
        return t.done(Status::io_error(sys_error("unlink", path, err)));
      }
    }
    // Deleted blocks and tenants leave no empty directories behind.
    prune_empty_dirs(root_, fs::path(path).parent_path());
    return t.done(Status::ok());
  }

  std::string_view name() const override { return "local"; }

 private:
  std::string full(std::string_view key) const { return root_ + "/" + std::string(key); }

  // Reads `length` bytes at `offset`, or the whole object when `length` is empty.
  Status read_object(std::string_view key, uint64_t offset, std::optional<uint64_t> length,
                     std::string* out) {
    TEMPO_RETURN_IF_ERROR(validate_key(key));
    RequestTimer t("GET");
    const std::string path = full(key);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT || errno == ENOTDIR) {
        return t.done(Status::not_found("no object " + std::string(key)));
      }
      return t.done(Status::io_error(sys_error("open", path, errno)));
    }
    Status s = read_fd(fd, path, key, offset, length, out);
    ::close(fd);
    return t.done(std::move(s));
  }

  static Status read_fd(int fd, const std::string& path, std::string_view key, uint64_t offset,
                        std::optional<uint64_t> length, std::string* out) {
    struct stat st;
    if (::fstat(fd, &st) != 0) return Status::io_error(sys_error("stat", path, errno));
    if (!S_ISREG(st.st_mode)) return Status::not_found("no object " + std::string(key));
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    if (!length) {
      offset = 0;
      length = size;
    }
    if (offset > size || *length > size - offset) {
      return Status::invalid_argument("range " + std::to_string(offset) + "+" +
                                      std::to_string(*length) + " past the end of " +
                                      std::string(key) + " (" + std::to_string(size) + " bytes)");
    }
    out->resize(*length);
    size_t done = 0;
    while (done < *length) {
      ssize_t r = ::pread(fd, out->data() + done, *length - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return Status::io_error(sys_error("read", path, errno));
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
