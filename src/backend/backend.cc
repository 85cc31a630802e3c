// The default implementations of the optional Backend operations, in terms of the required ones.

#include "tempo/backend/backend.h"

#include <algorithm>

namespace tempo::backend {
namespace {

// Appends the keys under `prefix` + `rel` to *out, as paths relative to `prefix`. A child whose
// own listing is empty is an object: neither store keeps empty "directories" (the local backend
// prunes them, S3 has none).
Status walk(Backend& b, const std::string& prefix, const std::string& rel,
            std::vector<std::string>* out) {
  std::vector<std::string> children, grandchildren;
  TEMPO_RETURN_IF_ERROR(b.list(prefix + rel, &children));
  for (const auto& c : children) {
    const std::string path = rel + c;
    TEMPO_RETURN_IF_ERROR(b.list(prefix + path + "/", &grandchildren));
    if (grandchildren.empty()) {
      out->push_back(path);
    } else {
      TEMPO_RETURN_IF_ERROR(walk(b, prefix, path + "/", out));
    }
  }
  return Status::ok();
}

}  // namespace

Status Backend::list_objects(std::string_view prefix, std::vector<std::string>* out) {
  out->clear();
  TEMPO_RETURN_IF_ERROR(walk(*this, std::string(prefix), "", out));
  std::sort(out->begin(), out->end());
  return Status::ok();
}

Status Backend::sweep_temporary(std::string_view, std::chrono::nanoseconds, size_t*) {
  return Status::ok();
}

}  // namespace tempo::backend
