// WAL append throughput: batches of records appended by 1 and by 8 threads (group commit),
// with and without fdatasync. Prints figures; asserts nothing.
//
//   build/bench/wal_bench [dir] [seconds-per-case]

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tempo/wal/wal.h"

namespace {

using Clock = std::chrono::steady_clock;

void run_case(const std::string& dir, bool sync, int threads, size_t record_size, int batch,
              double seconds) {
  const std::string path = dir + "/bench.wal";
  std::filesystem::remove(path);
  tempo::wal::WriterOptions o;
  o.sync = sync;
  std::unique_ptr<tempo::wal::Writer> w;
  tempo::Status s = tempo::wal::Writer::open(path, o, &w);
  if (!s.is_ok()) {
    std::fprintf(stderr, "open: %s\n", s.to_string().c_str());
    std::exit(1);
  }
  std::atomic<uint64_t> records{0};
  std::atomic<bool> stop{false};
  const auto t0 = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::string payload(record_size, static_cast<char>('a' + t));
      std::vector<std::string_view> recs(batch, payload);
      std::vector<uint64_t> offsets;
      while (!stop.load(std::memory_order_relaxed)) {
        tempo::Status st = w->append(recs, &offsets);
        if (!st.is_ok()) {
          std::fprintf(stderr, "append: %s\n", st.to_string().c_str());
          std::exit(1);
        }
        records.fetch_add(batch, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const double n = static_cast<double>(records.load());
  std::printf(
      "sync=%d threads=%d record=%zuB batch=%d: %.0f records/s, %.1f MB/s, %.0f appends per sync\n",
      sync ? 1 : 0, threads, record_size, batch, n / secs,
      n * static_cast<double>(record_size) / secs / 1e6,
      n / batch / static_cast<double>(std::max<uint64_t>(1, w->sync_count())));
  s = w->close();
  if (!s.is_ok()) std::fprintf(stderr, "close: %s\n", s.to_string().c_str());
  std::filesystem::remove(path);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : std::filesystem::temp_directory_path().string();
  double seconds = argc > 2 ? std::atof(argv[2]) : 2.0;
  for (bool sync : {false, true}) {
    for (int threads : {1, 8}) {
      run_case(dir, sync, threads, 200, 16, seconds);
      run_case(dir, sync, threads, 16 << 10, 4, seconds);
    }
  }
  return 0;
}
