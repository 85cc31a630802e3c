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

TEST_CASE("wal fault: ENOSPC on a write refuses that append only, and the writer goes on") {
  testing::TempDir dir;
  FaultEnv env;
  const std::string path = dir.sub("a.wal");
  auto w = open_writer(env, path);
  REQUIRE(append_one(*w, record(0)).is_ok());
  env.inject(Fault(Op::kWrite).with_errno(ENOSPC));
  Status s = append_one(*w, record(1));
  CHECK(s.is(Status::Code::kIOError));
  CHECK(s.message() == "write " + path + ": No space left on device");
  CHECK_FALSE(w->broken());
  REQUIRE(append_one(*w, record(2)).is_ok());  // the disk has room again
  w.reset();
  env.restart(FaultEnv::Loss::kUnsynced);
  CHECK(replay_all(env, path) == std::vector<std::string>{record(0), record(2)});
}

TEST_CASE("wal fault: short writes are completed, a short write then ENOSPC is cut back") {
  testing::TempDir dir;
  FaultEnv env;
  const std::string path = dir.sub("a.wal");
  auto w = open_writer(env, path);
  // Three short writes in a row: the append still lands whole.
  env.inject(Fault(Op::kWrite).times(3).short_write(5));
  REQUIRE(append_one(*w, record(0)).is_ok());
  // A short write, then the disk is full: nothing of record 1 may stay in the file.
  env.inject(Fault(Op::kWrite).short_write(7));
  env.inject(Fault(Op::kWrite).after(1).with_errno(ENOSPC));
  CHECK(append_one(*w, record(1)).is(Status::Code::kIOError));
  uint64_t size_after_failure = w->size();
  REQUIRE(append_one(*w, record(2)).is_ok());
  CHECK(w->size() > size_after_failure);
  w.reset();
  env.restart(FaultEnv::Loss::kUnsynced);
  wal::ReplayStats stats;
  CHECK(replay_all(env, path, &stats) == std::vector<std::string>{record(0), record(2)});
  CHECK(stats.truncated_bytes == 0);
  CHECK(stats.skipped_corrupt == 0);
}

TEST_CASE("wal fault: EIO on fdatasync refuses the append and every later one") {
  testing::TempDir dir;
  FaultEnv env;
  const std::string path = dir.sub("a.wal");
  auto w = open_writer(env, path);
  REQUIRE(append_one(*w, record(0)).is_ok());
  env.inject(Fault(Op::kSync).with_errno(EIO));
  Status s = append_one(*w, record(1));
  CHECK(s.message() == "fdatasync " + path + ": Input/output error");
  CHECK(w->broken());
  // The fault is gone, but the kernel may have dropped the pages it failed to write: the
  // file takes no more appends (the ingester moves to a new one).
  Status later = append_one(*w, record(2));
  CHECK(later.is(Status::Code::kIOError));
  CHECK(later.message().find("takes no more appends after: fdatasync") != std::string::npos);
  w.reset();
  env.restart(FaultEnv::Loss::kUnsynced);
  CHECK(replay_all(env, path) == std::vector<std::string>{record(0)});
}

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
TEST_CASE("wal fault: a crash at any operation keeps every acknowledged record, in order") {
  constexpr int kRecords = 6;
  auto run = [](FaultEnv& env, const std::string& path, std::vector<std::string>* acked,
                std::vector<std::string>* refused) {
    wal::WriterOptions o;
    o.env = &env;
    std::unique_ptr<wal::Writer> w;
    if (!wal::Writer::open(path, o, &w).is_ok()) {
      for (int i = 0; i < kRecords; ++i) refused->push_back(record(i));
      return;
    }
    for (int i = 0; i < kRecords; ++i) {
      (append_one(*w, record(i)).is_ok() ? acked : refused)->push_back(record(i));
    }
  };
  uint64_t total = 0;
  {
    testing::TempDir dir;
    FaultEnv env;
    std::vector<std::string> acked, refused;
    run(env, dir.sub("a.wal"), &acked, &refused);
    REQUIRE(acked.size() == kRecords);
    total = env.mutations();
  }
  REQUIRE(total > 2 * kRecords);
  for (auto loss : {FaultEnv::Loss::kUnsynced, FaultEnv::Loss::kNone}) {
    for (uint64_t at = 1; at <= total; ++at) {
      CAPTURE(at, loss == FaultEnv::Loss::kUnsynced);
      testing::TempDir dir;
      FaultEnv env;
      const std::string path = dir.sub("a.wal");
      env.crash_at_mutation(at);
      std::vector<std::string> acked, refused;
      run(env, path, &acked, &refused);
      REQUIRE(env.crashed());
      env.restart(loss);
      std::vector<std::string> got;
      if (std::filesystem::exists(path)) got = replay_all(env, path);
      // What was acknowledged comes back first, in order ...
      REQUIRE(got.size() >= acked.size());
      CHECK(std::vector<std::string>(got.begin(), got.begin() + acked.size()) == acked);
      // ... and after it at most the one refused append the crash interrupted, and only when
      // the page cache survived (a kill, not a power loss).
      std::vector<std::string> extra(got.begin() + acked.size(), got.end());
      if (loss == FaultEnv::Loss::kUnsynced) {
        CHECK(extra.empty());
      } else {
        CHECK(extra.size() <= 1);
        if (!extra.empty()) CHECK(extra[0] == refused.at(0));
      }
    }
  }
}
