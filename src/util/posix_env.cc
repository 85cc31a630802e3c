// Env::posix(): the Env of the operating system, one system call per operation.

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "tempo/util/env.h"

namespace tempo {
namespace {

Status errno_status(std::string_view what, const std::string& path, int err) {
  std::string m(what);
  m += " ";
  m += path;
  m += ": ";
  m += std::strerror(err);
  return Status::io_error(std::move(m));
}

class PosixFile final : public File {
 public:
  PosixFile(std::string path, int fd) : File(std::move(path)), fd_(fd) {}
  ~PosixFile() override {
    ignore_error(close(), "a destructor has no one to tell; callers that care call close()");
  }

  Status read(uint64_t offset, size_t n, char* buf, size_t* got) const override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, buf + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return errno_status("read", path(), errno);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    *got = done;
    return Status::ok();
  }

  Status write(uint64_t offset, std::string_view data, size_t* written) override {
    for (;;) {
      ssize_t w = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
      if (w >= 0) {
        *written = static_cast<size_t>(w);
        return Status::ok();
      }
      if (errno != EINTR) {
        *written = 0;
        return errno_status("write", path(), errno);
      }
    }
  }

  using File::write_all;
  Status write_all(uint64_t offset, std::span<const std::string_view> parts) override {
    std::vector<iovec> iov;
    iov.reserve(std::min<size_t>(parts.size(), IOV_MAX));
    size_t next = 0, skip = 0;  // the first part not fully written, and how much of it is
    for (;;) {
      while (next < parts.size() && parts[next].size() == skip) {
        ++next;
        skip = 0;
      }
      if (next == parts.size()) return Status::ok();
      iov.clear();
      for (size_t i = next; i < parts.size() && iov.size() < IOV_MAX; ++i) {
        std::string_view p = parts[i];
        if (i == next) p.remove_prefix(skip);
        if (!p.empty()) iov.push_back({const_cast<char*>(p.data()), p.size()});
      }
      const ssize_t w =
          ::pwritev(fd_, iov.data(), static_cast<int>(iov.size()), static_cast<off_t>(offset));
      if (w < 0) {
        if (errno == EINTR) continue;
        return errno_status("write", path(), errno);
      }
      if (w == 0) return Status::io_error("write " + path() + ": no progress");
      offset += static_cast<uint64_t>(w);
      for (size_t left = static_cast<size_t>(w); left > 0;) {
        const size_t rest = parts[next].size() - skip;
        if (left < rest) {
          skip += left;
          break;
        }
        left -= rest;
        ++next;
        skip = 0;
      }
    }
  }

  Status sync() override {
    if (::fdatasync(fd_) != 0) return errno_status("fdatasync", path(), errno);
    return Status::ok();
  }

  Status truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      return errno_status("truncate", path(), errno);
    }
    return Status::ok();
  }

  Status size(uint64_t* size) const override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return errno_status("stat", path(), errno);
    *size = static_cast<uint64_t>(st.st_size);
    return Status::ok();
  }

  Status close() override {
    if (fd_ < 0) return Status::ok();
    int fd = fd_;
    fd_ = -1;
    // Linux releases the descriptor even when close fails, so it is never retried.
    if (::close(fd) != 0) return errno_status("close", path(), errno);
    return Status::ok();
  }

 private:
  int fd_;
};

class PosixEnv final : public Env {
 public:
  Status open(const std::string& path, OpenMode mode, std::unique_ptr<File>* out) override {
    int flags = O_CLOEXEC | (mode == OpenMode::kReadOnly ? O_RDONLY : (O_RDWR | O_CREAT));
    int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) return errno_status("open", path, errno);
    *out = std::make_unique<PosixFile>(path, fd);
    return Status::ok();
  }

  Status create_dirs(const std::string& path) override {
    if (path.empty()) return Status::ok();
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) return Status::ok();
      return errno_status("create directory", path, ENOTDIR);
    }
    std::string parent = dir_of(path);
    if (parent != path && parent != ".") TEMPO_RETURN_IF_ERROR(create_dirs(parent));
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
      return errno_status("create directory", path, errno);
    }
    return Status::ok();
  }

  Status sync_dir(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno_status("open directory", path, errno);
    Status s;
    if (::fsync(fd) != 0) s = errno_status("fsync directory", path, errno);
    ::close(fd);
    return s;
  }

  Status list_dir(const std::string& path, std::vector<DirEntry>* out) override {
    DIR* d = ::opendir(path.c_str());
    if (!d) return errno_status("list directory", path, errno);
    Status s;
    for (;;) {
      errno = 0;
      struct dirent* e = ::readdir(d);
      if (!e) {
        if (errno != 0) s = errno_status("list directory", path, errno);
        break;
      }
      std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      DirEntry entry;
      entry.name = name;
      unsigned char type = e->d_type;
      if (type == DT_UNKNOWN) {  // some file systems do not fill d_type
        struct stat st;
        std::string full = path + "/" + entry.name;
        if (::lstat(full.c_str(), &st) == 0) {
          type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
        }
      }
      entry.type = type == DT_DIR   ? DirEntry::Type::kDir
                   : type == DT_REG ? DirEntry::Type::kFile
                                    : DirEntry::Type::kOther;
      out->push_back(std::move(entry));
    }
    ::closedir(d);
    return s;
  }

  Status remove_file(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return errno_status("remove", path, errno);
    return Status::ok();
  }
};

}  // namespace

Status File::write_all(uint64_t offset, std::span<const std::string_view> parts) {
  std::string joined;
  std::string_view data;
  if (parts.size() == 1) {
    data = parts[0];
  } else {
    size_t total = 0;
    for (auto p : parts) total += p.size();
    joined.reserve(total);
    for (auto p : parts) joined.append(p);
    data = joined;
  }
  while (!data.empty()) {
    size_t n = 0;
    TEMPO_RETURN_IF_ERROR(write(offset, data, &n));
    if (n == 0) return Status::io_error("write " + path() + ": no progress");
    offset += n;
    data.remove_prefix(n);
  }
  return Status::ok();
}

Env* Env::posix() {
  static PosixEnv env;
  return &env;
}

std::string dir_of(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace tempo
