#pragma once
// The object-store interface: all the rest of the code knows of storage. Keys are
// '/'-separated paths relative to the store root, e.g. "single-tenant/<block-id>/meta.json".
// Local disk, S3 and fault-injecting test stores implement it and must behave the same.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/util/status.h"

namespace tempo::backend {

// Streams one object into the store. Nothing is visible under the key until close()
// returns ok; an ObjectWriter destroyed without close() leaves nothing behind.
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  virtual Status append(std::string_view data) = 0;
  virtual Status close() = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // Stores `data` under `key`, replacing any previous object. Atomic: a concurrent or later
  // reader sees either the whole old object or the whole new one, never a part.
  virtual Status write(std::string_view key, std::string_view data) = 0;
  // Opens a streaming writer for a large object (block data). Same atomicity as write().
  virtual Status open_writer(std::string_view key, std::unique_ptr<ObjectWriter>* out) = 0;
  // Reads a whole object. kNotFound if it does not exist.
  virtual Status read(std::string_view key, std::string* out) = 0;
  // Reads `length` bytes at `offset`. kNotFound if missing; kInvalidArgument past the end.
  virtual Status read_range(std::string_view key, uint64_t offset, uint64_t length,
                            std::string* out) = 0;
  // Names of the immediate children of `prefix` (a "directory" ending in '/', or "" for the
  // root), without the prefix and without a trailing '/', sorted. Empty if none.
  virtual Status list(std::string_view prefix, std::vector<std::string>* out) = 0;
  // Keys of every object under `prefix` (a "directory" ending in '/'), at any depth, relative
  // to the prefix, sorted. One listing of a tenant tells the block list which blocks have a
  // meta.json or a meta.compacted.json without a request per block. The default walks list();
  // a store with a recursive listing (S3 without a delimiter) overrides it.
  virtual Status list_objects(std::string_view prefix, std::vector<std::string>* out);
  // Removes one object. Removing a missing object is ok.
  virtual Status remove(std::string_view key) = 0;
  // Removes what interrupted writes left under `prefix` that is invisible to list() and older
  // than `older_than` (the local backend's ".tmp-*" files of writers that are gone) and adds
  // how many to *removed. The default has nothing to sweep: S3 multipart uploads that were
  // never completed are aborted by the writer or by a bucket lifecycle rule.
  virtual Status sweep_temporary(std::string_view prefix, std::chrono::nanoseconds older_than,
                                 size_t* removed);
  // Short name for logs and metrics labels: "local", "s3".
  virtual std::string_view name() const = 0;
};

// A backend on the local filesystem rooted at `root` (created if missing).
std::unique_ptr<Backend> make_local_backend(const std::string& root);

// An S3-compatible object store (AWS S3, MinIO, Ceph RGW). Field meanings are those of
// Tempo's storage.trace.s3 block.
struct S3Options {
  std::string bucket;
  std::string endpoint;  // host[:port]; empty means s3.<region>.amazonaws.com
  std::string prefix;    // keys live under <prefix>/ when set
  std::string region = "us-east-1";
  std::string access_key, secret_key, session_token;  // empty: from AWS_* environment variables
  bool insecure = false;        // plain HTTP instead of HTTPS
  bool insecure_skip_verify = false;  // HTTPS without checking the server's certificate
  bool forcepathstyle = false;  // <endpoint>/<bucket>/<key>; otherwise path style is used for
                                // every endpoint but AWS's own, which gets <bucket>.<endpoint>
  size_t part_size = 16 << 20;  // multipart upload part size for large objects (min 5 MiB)
};
// kInvalidArgument when the options cannot work (no bucket, no credentials).
Status make_s3_backend(const S3Options& options, std::unique_ptr<Backend>* out);

}  // namespace tempo::backend
