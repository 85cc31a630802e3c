#include "app/app.h"

#include <cstdio>

namespace tempo::app {

int run(int argc, char** argv) {
  std::fprintf(stderr, "not wired yet\n");
  return 1;
}

}  // namespace tempo::app
