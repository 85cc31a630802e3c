#include "app/flags.h"

namespace tempo::app {
namespace {

Status parse_bool(const std::string& name, const std::string& v, bool* out) {
  if (v == "true" || v == "1" || v == "t" || v == "TRUE" || v == "True") *out = true;
  else if (v == "false" || v == "0" || v == "f" || v == "FALSE" || v == "False") *out = false;
  else return Status::invalid_argument("invalid boolean value \"" + v + "\" for flag -" + name);
  return Status::ok();
}

}  // namespace

std::string usage() {
  return "Usage: tempo -config.file=PATH [options]\n"
         "  -config.file string        configuration file to load (tempo.yaml)\n"
         "  -config.expand-env         expand ${VAR} and ${VAR:-default} in the config file\n"
         "  -config.verify             load and validate the configuration, then exit\n"
         "  -target string             module to run (default \"all\")\n"
         "  -log.level string          debug, info, warn or error (overrides server.log_level)\n"
         "  -version                   print the version and exit\n";
}

Status parse_flags(const std::vector<std::string>& args, Flags* out) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a.rfind("--", 0) == 0) a = a.substr(2);
    else if (a.rfind("-", 0) == 0) a = a.substr(1);
    else return Status::invalid_argument("unexpected argument \"" + args[i] + "\"");
    std::string name = a, value;
    bool has_value = false;
    if (auto eq = a.find('='); eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      has_value = true;
    }
    auto take_value = [&]() -> Status {
      if (has_value) return Status::ok();
      if (i + 1 >= args.size()) return Status::invalid_argument("flag needs an argument: -" + name);
      value = args[++i];
      return Status::ok();
    };
    auto take_bool = [&](bool* b) -> Status {
      if (!has_value) {
        *b = true;
        return Status::ok();
      }
      return parse_bool(name, value, b);
    };
    if (name == "config.file") {
      TEMPO_RETURN_IF_ERROR(take_value());
      out->config_file = value;
    } else if (name == "config.expand-env") {
      TEMPO_RETURN_IF_ERROR(take_bool(&out->config_expand_env));
    } else if (name == "config.verify") {
      TEMPO_RETURN_IF_ERROR(take_bool(&out->config_verify));
    } else if (name == "version") {
      TEMPO_RETURN_IF_ERROR(take_bool(&out->version));
    } else if (name == "h" || name == "help") {
      out->help = true;
    } else if (name == "target") {
      TEMPO_RETURN_IF_ERROR(take_value());
      out->target = value;
    } else if (name == "log.level") {
      TEMPO_RETURN_IF_ERROR(take_value());
      out->log_level = value;
    } else {
      return Status::invalid_argument("flag provided but not defined: -" + name);
    }
  }
  return Status::ok();
}

}  // namespace tempo::app
