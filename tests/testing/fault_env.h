#pragma once
// An Env over the real file system that fails chosen operations and simulates crashes, to
// prove that nothing a caller acknowledged is lost and nothing it refused is acknowledged.
//
// Faults: an operation of a given kind (optionally only on paths containing a string) fails
// with an errno (ENOSPC, EIO, ...), or a write is cut short, after `skip` matching operations
// and for `count` of them.
//
// Crashes: from a chosen operation on (the Nth that changes the disk, or a fault marked
// `crash`), every operation fails, as if the process had died right there. restart() then
// applies what the crash did to the disk and lets operations through again:
//   Loss::kUnsynced  power loss: each file keeps only what its last successful sync covered,
//                    and a file or directory whose entry in its parent was never synced
//                    (sync_dir of the parent) is gone, with everything in it (as LevelDB's
//                    fault_injection_test);
//   Loss::kNone      the process died but the kernel kept its page cache: nothing is lost,
//                    so whatever was written and not acknowledged is still there.
// Removals are taken as durable at once (a lost removal could only bring back a WAL segment
// whose block was already written, which replay writes again).

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "tempo/util/env.h"

namespace tempo::testing {

class FaultEnv final : public Env {
 public:
  enum class Op {
    kOpen,
    kRead,
    kWrite,
    kSync,
    kTruncate,
    kSize,
    kCreateDirs,
    kSyncDir,
    kListDir,
    kRemove
  };
  enum class Loss { kUnsynced, kNone };

  // What fails, built as Fault(Op::kWrite).on(".wal").after(2).with_errno(ENOSPC).
  struct Fault {
    explicit Fault(Op o) : op(o) {}
    // Only operations on paths containing `s`.
    Fault& on(std::string s) {
      path_contains = std::move(s);
      return *this;
    }
    // Let `n` matching operations through first.
    Fault& after(int n) {
      skip = n;
      return *this;
    }
    // Fail `n` of them (-1: until clear_faults()).
    Fault& times(int n) {
      count = n;
      return *this;
    }
    // The errno reported (EIO unless set).
    Fault& with_errno(int e) {
      err = e;
      return *this;
    }
    // kWrite: write only the first `n` bytes and report success.
    Fault& short_write(size_t n) {
      short_len = n;
      return *this;
    }
    // The process dies at this operation (it fails too).
    Fault& crash() {
      crash_here = true;
      return *this;
    }

    Op op;
    std::string path_contains;
    int skip = 0;
    int count = 1;
    int err = EIO;
    size_t short_len = 0;
    bool crash_here = false;
  };

  explicit FaultEnv(Env& base = *Env::posix()) : base_(base) {}

  void inject(Fault f) {
    std::lock_guard<std::mutex> l(mu_);
    faults_.push_back(std::move(f));
  }
  void clear_faults() {
    std::lock_guard<std::mutex> l(mu_);
    faults_.clear();
  }
  // The process dies at the `n`th operation from now that changes the disk (1 = the next).
  void crash_at_mutation(uint64_t n) {
    std::lock_guard<std::mutex> l(mu_);
    crash_at_ = mutations_ + n;
  }
  uint64_t mutations() const {
    std::lock_guard<std::mutex> l(mu_);
    return mutations_;
  }
  bool crashed() const {
    std::lock_guard<std::mutex> l(mu_);
    return crashed_;
  }
  // Applies the crash (see the top of this file), clears every fault and lets operations
  // through again. Call it once nothing of the "dead" process touches files any more.
  void restart(Loss loss) {
    std::lock_guard<std::mutex> l(mu_);
    if (loss == Loss::kUnsynced) {
      // Directories created and never made durable go first, with whatever is in them.
      for (const auto& [dir, synced] : dirs_) {
        std::error_code ec;
        if (!synced) std::filesystem::remove_all(dir, ec);
      }
      for (const auto& [path, st] : files_) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) continue;
        if (!st.entry_synced) {
          std::filesystem::remove(path, ec);
        } else if (std::filesystem::file_size(path, ec) > st.synced) {
          std::filesystem::resize_file(path, st.synced, ec);
        }
      }
    }
    files_.clear();
    dirs_.clear();
    faults_.clear();
    crashed_ = false;
    crash_at_ = 0;
  }

  Status open(const std::string& path, OpenMode mode, std::unique_ptr<File>* out) override;
  Status create_dirs(const std::string& path) override {
    TEMPO_RETURN_IF_ERROR(check(Op::kCreateDirs, path, true));
    // The directories this call creates: a power loss takes them unless their parent is synced.
    std::vector<std::string> fresh;
    std::error_code ec;
    for (std::filesystem::path p(path); !p.empty() && !std::filesystem::exists(p, ec);
         p = p.parent_path()) {
      fresh.push_back(p.string());
      if (p == p.parent_path()) break;
    }
    TEMPO_RETURN_IF_ERROR(base_.create_dirs(path));
    std::lock_guard<std::mutex> l(mu_);
    for (auto& d : fresh) dirs_.emplace(std::move(d), false);
    return Status::ok();
  }
  Status sync_dir(const std::string& path) override {
    TEMPO_RETURN_IF_ERROR(check(Op::kSyncDir, path, true));
    TEMPO_RETURN_IF_ERROR(base_.sync_dir(path));
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [p, st] : files_) {
      if (dir_of(p) == path) st.entry_synced = true;
    }
    for (auto& [d, synced] : dirs_) {
      if (dir_of(d) == path) synced = true;
    }
    return Status::ok();
  }
  Status list_dir(const std::string& path, std::vector<DirEntry>* out) override {
    TEMPO_RETURN_IF_ERROR(check(Op::kListDir, path, false));
    return base_.list_dir(path, out);
  }
  Status remove_file(const std::string& path) override {
    TEMPO_RETURN_IF_ERROR(check(Op::kRemove, path, true));
    TEMPO_RETURN_IF_ERROR(base_.remove_file(path));
    std::lock_guard<std::mutex> l(mu_);
    files_.erase(path);
    return Status::ok();
  }

  // Decides the fate of one operation: ok, a fault, or the crash. *short_write is set when
  // a write is to be cut short.
  Status check(Op op, const std::string& path, bool mutates, size_t* short_write = nullptr) {
    std::lock_guard<std::mutex> l(mu_);
    if (crashed_) return error(op, path, "simulated crash");
    if (mutates && ++mutations_ == crash_at_) {
      crashed_ = true;
      return error(op, path, "simulated crash");
    }
    Fault* fired = nullptr;
    for (auto& f : faults_) {
      if (f.op != op || path.find(f.path_contains) == std::string::npos) continue;
      if (f.skip > 0) {
        --f.skip;
      } else if (f.count != 0 && !fired) {
        if (f.count > 0) --f.count;
        fired = &f;
      }
    }
    if (!fired) return Status::ok();
    if (fired->crash_here) {
      crashed_ = true;
      return error(op, path, "simulated crash");
    }
    if (fired->short_len && short_write) {
      *short_write = fired->short_len;
      return Status::ok();
    }
    return error(op, path, std::strerror(fired->err));
  }

  // Bookkeeping of what a crash may take, per file.
  void on_created(const std::string& path) {
    std::lock_guard<std::mutex> l(mu_);
    files_[path] = FileState{0, false};
  }
  void on_opened(const std::string& path, uint64_t size) {
    std::lock_guard<std::mutex> l(mu_);
    files_.try_emplace(path, FileState{size, true});  // what existed before is durable
  }
  void on_synced(const std::string& path, uint64_t size) {
    std::lock_guard<std::mutex> l(mu_);
    files_[path].synced = size;
  }
  void on_truncated(const std::string& path, uint64_t size) {
    std::lock_guard<std::mutex> l(mu_);
    auto& st = files_[path];
    if (st.synced > size) st.synced = size;
  }

 private:
  struct FileState {
    uint64_t synced = 0;        // bytes a power loss keeps
    bool entry_synced = false;  // the directory entry survives a power loss
  };

  static Status error(Op op, const std::string& path, const std::string& what) {
    static const char* const kNames[] = {"open",
                                         "read",
                                         "write",
                                         "fdatasync",
                                         "truncate",
                                         "stat",
                                         "create directory",
                                         "fsync directory",
                                         "list directory",
                                         "remove"};
    return Status::io_error(std::string(kNames[static_cast<int>(op)]) + " " + path + ": " + what);
  }

  Env& base_;
  mutable std::mutex mu_;
  std::vector<Fault> faults_;
  std::map<std::string, FileState> files_;
  std::map<std::string, bool> dirs_;  // created here -> entry in its parent synced
  uint64_t mutations_ = 0;
  uint64_t crash_at_ = 0;  // 0: never
  bool crashed_ = false;
};

class FaultFile final : public File {
 public:
  FaultFile(FaultEnv& env, std::unique_ptr<File> base)
      : File(base->path()), env_(env), base_(std::move(base)) {}

  Status read(uint64_t offset, size_t n, char* buf, size_t* got) const override {
    TEMPO_RETURN_IF_ERROR(env_.check(FaultEnv::Op::kRead, path(), false));
    return base_->read(offset, n, buf, got);
  }
  Status write(uint64_t offset, std::string_view data, size_t* written) override {
    size_t cut = 0;
    TEMPO_RETURN_IF_ERROR(env_.check(FaultEnv::Op::kWrite, path(), true, &cut));
    if (cut && cut < data.size()) data = data.substr(0, cut);
    return base_->write(offset, data, written);
  }
  Status sync() override {
    TEMPO_RETURN_IF_ERROR(env_.check(FaultEnv::Op::kSync, path(), true));
    TEMPO_RETURN_IF_ERROR(base_->sync());
    uint64_t size = 0;
    TEMPO_RETURN_IF_ERROR(base_->size(&size));
    env_.on_synced(path(), size);
    return Status::ok();
  }
  Status truncate(uint64_t size) override {
    TEMPO_RETURN_IF_ERROR(env_.check(FaultEnv::Op::kTruncate, path(), true));
    TEMPO_RETURN_IF_ERROR(base_->truncate(size));
    env_.on_truncated(path(), size);
    return Status::ok();
  }
  Status size(uint64_t* size) const override {
    TEMPO_RETURN_IF_ERROR(env_.check(FaultEnv::Op::kSize, path(), false));
    return base_->size(size);
  }
  Status close() override { return base_->close(); }

 private:
  FaultEnv& env_;
  std::unique_ptr<File> base_;
};

inline Status FaultEnv::open(const std::string& path, OpenMode mode, std::unique_ptr<File>* out) {
  const bool rw = mode == OpenMode::kReadWrite;
  TEMPO_RETURN_IF_ERROR(check(Op::kOpen, path, rw));
  std::error_code ec;
  const bool existed = std::filesystem::exists(path, ec);
  std::unique_ptr<File> f;
  TEMPO_RETURN_IF_ERROR(base_.open(path, mode, &f));
  if (rw && !existed) {
    on_created(path);
  } else if (rw) {
    uint64_t size = 0;
    TEMPO_RETURN_IF_ERROR(f->size(&size));
    on_opened(path, size);
  }
  *out = std::make_unique<FaultFile>(*this, std::move(f));
  return Status::ok();
}

}  // namespace tempo::testing
