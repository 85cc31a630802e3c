#pragma once
// Command-line flags of the benchmarks: `--name=value`.

#include <string>

namespace tempo::bench {

// True when `arg` is `--name=...`, with the text after '=' in *value.
inline bool flag(const std::string& arg, const char* name, std::string* value) {
  const std::string prefix = std::string("--") + name + "=";
  if (arg.rfind(prefix, 0) != 0) return false;
  *value = arg.substr(prefix.size());
  return true;
}

}  // namespace tempo::bench
