// The WAL under disk faults (through testing::FaultEnv): a record append() acknowledged is
// replayed after a crash, a record it refused is not, and the writer recovers once the fault
// clears.

#include <catch2/catch.hpp>
#include <cerrno>
#include <string>
#include <vector>

#include "tempo/wal/wal.h"
#include "testing/fault_env.h"
#include "testing/temp_dir.h"

namespace {

using namespace tempo;
using testing::FaultEnv;
using Fault = FaultEnv::Fault;
using Op = FaultEnv::Op;

std::string record(int i) { return "record-" + std::to_string(i) + std::string(40 + i % 7, 'x'); }

Status append_one(wal::Writer& w, const std::string& r) {
  std::string_view v = r;
  std::vector<uint64_t> offsets;
  return w.append(std::span<const std::string_view>(&v, 1), &offsets);
}

std::vector<std::string> replay_all(Env& env, const std::string& path,
                                    wal::ReplayStats* stats = nullptr) {
  wal::ReplayStats local;
  std::vector<std::string> out;
  REQUIRE(wal::replay(
              env, path, [&](uint64_t, std::string_view p) { out.emplace_back(p); },
              stats ? stats : &local)
              .is_ok());
  return out;
}

std::unique_ptr<wal::Writer> open_writer(FaultEnv& env, const std::string& path) {
  wal::WriterOptions o;
  o.env = &env;
  std::unique_ptr<wal::Writer> w;
  REQUIRE(wal::Writer::open(path, o, &w).is_ok());
  return w;
}

}  // namespace

TEST_CASE(
    "wal fault: a short write and then a crash leaves a torn tail that replays to the last whole "
    "record") {
  testing::TempDir dir;
  FaultEnv env;
  const std::string path = dir.sub("a.wal");
  auto w = open_writer(env, path);
  REQUIRE(append_one(*w, record(0)).is_ok());
  REQUIRE(append_one(*w, record(1)).is_ok());
  const uint64_t good = w->size();
  // The first 9 bytes of record 2 reach the file, then the process dies.
  env.inject(Fault(Op::kWrite).short_write(9));
  env.inject(Fault(Op::kWrite).after(1).crash());
  CHECK_FALSE(append_one(*w, record(2)).is_ok());
  REQUIRE(env.crashed());
  w.reset();
  env.restart(FaultEnv::Loss::kNone);  // killed: the page cache keeps the torn bytes
  REQUIRE(std::filesystem::file_size(path) == good + 9);
  wal::ReplayStats stats;
  CHECK(replay_all(env, path, &stats) == std::vector<std::string>{record(0), record(1)});
  CHECK(stats.truncated_bytes == 9);
  CHECK(std::filesystem::file_size(path) == good);
  // Appends continue right after the last whole record.
  auto w2 = open_writer(env, path);
  REQUIRE(append_one(*w2, record(3)).is_ok());
  w2.reset();
  CHECK(replay_all(env, path) == std::vector<std::string>{record(0), record(1), record(3)});
}

TEST_CASE("wal fault: a crash while replay truncates a torn tail loses no whole record") {
  testing::TempDir dir;
  FaultEnv env;
  const std::string path = dir.sub("a.wal");
  {
    auto w = open_writer(env, path);
    REQUIRE(append_one(*w, record(0)).is_ok());
    env.inject(Fault(Op::kWrite).short_write(20));
    env.inject(Fault(Op::kWrite).after(1).crash());
    CHECK_FALSE(append_one(*w, record(1)).is_ok());
  }
  env.restart(FaultEnv::Loss::kNone);
  for (auto point : {Op::kTruncate, Op::kSync}) {
    env.inject(Fault(point).crash());
    wal::ReplayStats stats;
    CHECK_FALSE(wal::replay(env, path, nullptr, &stats).is_ok());
    env.restart(FaultEnv::Loss::kUnsynced);
  }
  CHECK(replay_all(env, path) == std::vector<std::string>{record(0)});
}

// Every point of a short run of appends: the process dies at the Nth operation that changes
// the disk (open, write, fdatasync, truncate, directory sync), then comes back, either after a
// power loss (unsynced data gone) or a kill (page cache kept).