#pragma once
// Shared by the config tests: load a YAML string that must load, and look up warnings.

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "tempo/config/config.h"

namespace tempo::config::testing {

inline Config must_load(const std::string& yaml, bool expand = false) {
  Config c;
  LoadOptions o;
  o.expand_env = expand;
  Status s = load_string(yaml, o, &c);
  INFO(yaml);
  INFO(s.to_string());
  REQUIRE(s.is_ok());
  return c;
}

inline Status load_error(const std::string& yaml) {
  Config c;
  return load_string(yaml, {}, &c);
}

// The warning that names exactly this key, or "".
inline std::string warning_for(const Config& c, const std::string& key) {
  for (const auto& w : c.warnings) {
    if (w.find("\"" + key + "\"") != std::string::npos) return w;
  }
  return "";
}

inline bool warned(const Config& c, const std::string& key) { return !warning_for(c, key).empty(); }

}  // namespace tempo::config::testing
