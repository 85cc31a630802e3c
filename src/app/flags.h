#pragma once
// Command-line flags in Go's flag syntax, as Tempo spells them: -name=value, --name=value,
// -name value, and bare -name for booleans.

#include <string>
#include <vector>

#include "tempo/util/status.h"

namespace tempo::app {

struct Flags {
  std::string config_file;
  bool config_expand_env = false;
  bool config_verify = false;
  bool version = false;
  bool help = false;
  std::string target = "all";
  std::string log_level;  // overrides server.log_level when set
};

Status parse_flags(const std::vector<std::string>& args, Flags* out);
std::string usage();

}  // namespace tempo::app
