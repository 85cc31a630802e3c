// The config loader: tempo.yaml text as -config.file gives it, loaded (with and without
// -config.expand-env) and validated as the app does at start.

#include "tempo/config/config.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  for (bool expand : {false, true}) {
    tempo::config::LoadOptions options;
    options.expand_env = expand;
    tempo::config::Config config;
    if (tempo::config::load_string(yaml, options, &config).is_ok()) {
      (void)tempo::config::validate(config);
    }
  }
  return 0;
}
