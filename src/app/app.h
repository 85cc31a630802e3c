#pragma once

namespace tempo::app {

// Parses flags, loads the config, starts every module and blocks until SIGTERM/SIGINT or
// /shutdown. Returns the process exit code.
int run(int argc, char** argv);

}  // namespace tempo::app
