// -config.expand-env: environment references in the raw file, replaced before YAML parsing
// (as Tempo does), so a value can also supply structure such as a whole list.

#include <cstdlib>

#include "tempo/config/config.h"

namespace tempo::config {

std::string expand_env(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out += text[i];
      continue;
    }
    if (text[i + 1] == '$') {  // $$ is a literal dollar
      out += '$';
      ++i;
      continue;
    }
    if (text[i + 1] != '{') {  // a bare $ (regexes, prices) stays as written
      out += '$';
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      out += text.substr(i);
      break;
    }
    std::string_view inner = text.substr(i + 2, close - i - 2);
    std::string_view name = inner, fallback;
    enum { kNone, kIfUnsetOrEmpty, kIfUnset } mode = kNone;
    if (auto d = inner.find(":-"); d != std::string_view::npos) {
      name = inner.substr(0, d);
      fallback = inner.substr(d + 2);
      mode = kIfUnsetOrEmpty;
    } else if (auto u = inner.find('-'); u != std::string_view::npos) {
      name = inner.substr(0, u);
      fallback = inner.substr(u + 1);
      mode = kIfUnset;
    }
    const char* v = std::getenv(std::string(name).c_str());
    if (mode == kIfUnsetOrEmpty && (v == nullptr || *v == '\0')) {
      out += fallback;
    } else if (mode == kIfUnset && v == nullptr) {
      out += fallback;
    } else if (v != nullptr) {
      out += v;
    }
    i = close;
  }
  return out;
}

}  // namespace tempo::config
