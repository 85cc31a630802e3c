// The main of a harness outside a fuzzing build: runs LLVMFuzzerTestOneInput once on every
// file named on the command line, or in a folder named there. This is how the seed corpora
// and the crash regressions (fuzz/corpus/<target>, fuzz/regressions/<target>) run as ctest
// tests in the ordinary and sanitizer builds, which have no libFuzzer.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(p)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
    } else if (std::filesystem::exists(p)) {
      files.push_back(p);
    } else {
      std::fprintf(stderr, "%s: no such file or folder\n", argv[i]);
      return 2;
    }
  }
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // What libFuzzer would print before the input that crashes, so a failure names it.
    std::fprintf(stderr, "Running: %s\n", f.c_str());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::fprintf(stderr, "Executed %zu inputs\n", files.size());
  if (files.empty()) {
    std::fprintf(stderr, "no inputs: a replay that runs nothing checks nothing\n");
    return 1;
  }
  return 0;
}
