#pragma once
// The file-system seam: everything the WAL and the ingester do to local files goes through an
// Env, so tests can swap in one that fails chosen operations (ENOSPC, EIO, short writes) or
// forgets what was never synced, and prove that nothing acknowledged is lost. Env::posix() is
// the real one; callers receive an Env through their options, never from a global.
//
// Each call maps to one system call (reads and writes at an explicit offset, so a caller's idea
// of where data lies never depends on a file position). Errors are Status values of code
// kIOError whose message names the operation, the path and the errno text.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/util/status.h"

namespace tempo {

// An open local file. read() and size() may be called concurrently with each other and with
// write(); the other calls need external serialisation.
class File {
 public:
  virtual ~File() = default;
  // Reads up to `n` bytes at `offset` into `buf`; *got < n only at the end of the file.
  virtual Status read(uint64_t offset, size_t n, char* buf, size_t* got) const = 0;
  // One pwrite(2): writes a prefix of `data` at `offset` and sets *written to its length, which
  // may be shorter than `data` (the caller writes the rest or gives up).
  virtual Status write(uint64_t offset, std::string_view data, size_t* written) = 0;
  // Writes all of `parts`, back to back, at `offset`, continuing after short writes; on error
  // an unknown prefix may be written. The default joins the parts (when there are several)
  // and calls write() until done, so a test Env that overrides write() alone sees one write
  // per call; the real file hands the parts to pwritev(2) as they are, which saves the WAL's
  // group commit a copy of every byte it writes.
  virtual Status write_all(uint64_t offset, std::span<const std::string_view> parts);
  Status write_all(uint64_t offset, std::string_view data) {
    return write_all(offset, std::span<const std::string_view>(&data, 1));
  }
  // fdatasync(2): once it returns ok, everything written so far survives a crash (provided the
  // directory entry does: see Env::sync_dir).
  virtual Status sync() = 0;
  virtual Status truncate(uint64_t size) = 0;
  virtual Status size(uint64_t* size) const = 0;
  // Closing twice is harmless; the destructor closes too (ignoring errors).
  virtual Status close() = 0;
  const std::string& path() const { return path_; }

 protected:
  explicit File(std::string path) : path_(std::move(path)) {}

 private:
  std::string path_;
};

struct DirEntry {
  enum class Type { kFile, kDir, kOther };
  std::string name;  // without the directory
  Type type = Type::kOther;
};

class Env {
 public:
  enum class OpenMode {
    kReadOnly,
    kReadWrite,  // creates the file if missing
  };

  virtual ~Env() = default;
  // The operating system's file system. Stateless; lives for the whole process.
  static Env* posix();

  virtual Status open(const std::string& path, OpenMode mode, std::unique_ptr<File>* out) = 0;
  // Creates `path` and any missing parents; ok when it exists already.
  virtual Status create_dirs(const std::string& path) = 0;
  // fsync(2) of a directory: makes the creation (or removal) of its entries durable.
  virtual Status sync_dir(const std::string& path) = 0;
  // The entries of `path` except "." and "..", in no particular order.
  virtual Status list_dir(const std::string& path, std::vector<DirEntry>* out) = 0;
  virtual Status remove_file(const std::string& path) = 0;
};

// The directory part of `path` ("." when it has none).
std::string dir_of(const std::string& path);

}  // namespace tempo
