// Cost of polling the block list: requests and wall time of the first poll (every meta read),
// of a poll with nothing new, and of a poll with one new block, over N blocks of one tenant on
// the local backend. Prints figures; asserts nothing.
//
//   build/bench/blocklist_poll_bench [blocks=672] [dir=a fresh temp dir]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "tempo/block/block.h"
#include "tempo/block/block_list.h"
#include "testing/temp_dir.h"

using namespace tempo;

namespace {

// Counts the requests the block list makes, by kind.
class CountingBackend final : public backend::Backend {
 public:
  explicit CountingBackend(backend::Backend& inner) : inner_(inner) {}
  std::map<std::string, int> counts;

  Status write(std::string_view k, std::string_view d) override { return inner_.write(k, d); }
  Status open_writer(std::string_view k, std::unique_ptr<backend::ObjectWriter>* o) override {
    return inner_.open_writer(k, o);
  }
  Status read(std::string_view k, std::string* o) override {
    ++counts["read"];
    return inner_.read(k, o);
  }
  Status read_range(std::string_view k, uint64_t off, uint64_t len, std::string* o) override {
    ++counts["read"];
    return inner_.read_range(k, off, len, o);
  }
  Status list(std::string_view p, std::vector<std::string>* o) override {
    ++counts["list"];
    return inner_.list(p, o);
  }
  Status list_objects(std::string_view p, std::vector<std::string>* o) override {
    ++counts["list"];  // one walk locally, one ListObjectsV2 per 1000 keys on S3
    return inner_.list_objects(p, o);
  }
  Status remove(std::string_view k) override { return inner_.remove(k); }
  std::string_view name() const override { return "counting"; }

 private:
  backend::Backend& inner_;
};

void write_block(backend::Backend& b, uint8_t n) {
  block::WriterOptions opts;
  opts.format = "vcpp1";
  block::BlockWriter w(b, "bench", block::new_block_id(), opts);
  TraceId id;
  id.bytes[15] = n;
  block::BlockMeta meta;
  if (!w.add(id, "payload", 1000, 2000).is_ok() || !w.finish(&meta).is_ok()) {
    std::fprintf(stderr, "writing a block failed\n");
    std::exit(1);
  }
}

void measure(const char* what, block::BlockList& list, CountingBackend& counting) {
  counting.counts.clear();
  const auto start = std::chrono::steady_clock::now();
  if (!list.poll().is_ok()) {
    std::fprintf(stderr, "poll failed\n");
    std::exit(1);
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("%-14s %8.2f ms  list=%d read=%d  blocks=%zu\n", what, ms, counting.counts["list"],
              counting.counts["read"], list.metas("bench").size());
}

}  // namespace

int main(int argc, char** argv) {
  const int blocks = argc > 1 ? std::atoi(argv[1]) : 672;
  testing::TempDir tmp;
  const std::string dir = argc > 2 ? argv[2] : tmp.path();
  auto local = backend::make_local_backend(dir);
  for (int i = 0; i < blocks; ++i) write_block(*local, static_cast<uint8_t>(i));
  CountingBackend counting(*local);
  block::BlockList list(counting);
  std::printf("%d blocks of one tenant, local backend at %s\n", blocks, dir.c_str());
  measure("first poll", list, counting);
  measure("nothing new", list, counting);
  write_block(*local, 0);
  measure("one new block", list, counting);
  return 0;
}
