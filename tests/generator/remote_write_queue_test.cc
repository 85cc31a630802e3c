// The on-disk remote write queue: order, restart, a torn tail, a full queue, deleted segments,
// a damaged cursor, and a crash at every point of the disk's history.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "generator/remote_write/disk_queue.h"
#include "testing/fault_env.h"
#include "testing/temp_dir.h"

namespace tempo::generator::remote_write {
namespace {

namespace fs = std::filesystem;

Batch batch(int i, size_t body_bytes = 40) {
  Batch b;
  b.body = "batch-" + std::to_string(i) + "-";
  b.body.resize(body_bytes, static_cast<char>('a' + i % 26));
  b.samples = static_cast<uint32_t>(10 + i);
  b.exemplars = static_cast<uint32_t>(i % 3);
  return b;
}

QueueOptions options(const std::string& dir) {
  QueueOptions o;
  o.dir = dir;
  o.sync = true;
  return o;
}

// Pops everything, returning the bodies in the order the sender would send them.
std::vector<std::string> drain(DiskQueue& q) {
  std::vector<std::string> out;
  for (;;) {
    Batch b;
    Status s = q.front(&b);
    if (s.is(Status::Code::kNotFound)) break;
    REQUIRE(s.is_ok());
    out.push_back(b.body);
    REQUIRE(q.pop().is_ok());
  }
  return out;
}

std::vector<std::string> segments(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".wal") out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("remote write queue hands batches out in push order, each until popped") {
  testing::TempDir tmp;
  std::unique_ptr<DiskQueue> q;
  REQUIRE(DiskQueue::open(options(tmp.sub("t/ep")), &q).is_ok());
  for (int i = 0; i < 5; ++i) REQUIRE(q->push(batch(i), nullptr).is_ok());
  CHECK(q->pending().batches == 5);
  CHECK(q->pending().samples == 10 + 11 + 12 + 13 + 14);
  CHECK(q->pending().exemplars == 0 + 1 + 2 + 0 + 1);
  Batch a, b;
  REQUIRE(q->front(&a).is_ok());
  REQUIRE(q->front(&b).is_ok());
  CHECK(a.body == batch(0).body);
  CHECK(b.body == batch(0).body);  // the same until popped
  CHECK(a.samples == 10);
  CHECK(drain(*q) == std::vector<std::string>{batch(0).body, batch(1).body, batch(2).body,
                                              batch(3).body, batch(4).body});
  CHECK(q->pending().batches == 0);
  CHECK(q->pending().samples == 0);
}

TEST_CASE("remote write queue keeps what was not popped across a restart, and only that") {
  testing::TempDir tmp;
  const auto o = options(tmp.sub("t/ep"));
  {
    std::unique_ptr<DiskQueue> q;
    REQUIRE(DiskQueue::open(o, &q).is_ok());
    for (int i = 0; i < 4; ++i) REQUIRE(q->push(batch(i), nullptr).is_ok());
    Batch b;
    REQUIRE(q->front(&b).is_ok());
    REQUIRE(q->pop().is_ok());
  }
  std::unique_ptr<DiskQueue> q;
  REQUIRE(DiskQueue::open(o, &q).is_ok());
  CHECK(q->pending().batches == 3);
  CHECK(q->pending().samples == 11 + 12 + 13);
  REQUIRE(q->push(batch(9), nullptr).is_ok());
  CHECK(drain(*q) ==
        std::vector<std::string>{batch(1).body, batch(2).body, batch(3).body, batch(9).body});
  q.reset();
  REQUIRE(DiskQueue::open(o, &q).is_ok());
  CHECK(q->pending().batches == 0);
}

TEST_CASE("remote write queue truncates a torn tail and keeps every whole batch before it") {
  testing::TempDir tmp;
  const auto o = options(tmp.sub("t/ep"));
  {
    std::unique_ptr<DiskQueue> q;
    REQUIRE(DiskQueue::open(o, &q).is_ok());
    for (int i = 0; i < 3; ++i) REQUIRE(q->push(batch(i), nullptr).is_ok());
  }
  auto segs = segments(o.dir);
  REQUIRE(segs.size() == 1);
  const std::string seg = o.dir + "/" + segs[0];
  // The process died while writing the third batch: half of it reached the disk.
  fs::resize_file(seg, fs::file_size(seg) - 20);
  std::unique_ptr<DiskQueue> q;
  REQUIRE(DiskQueue::open(o, &q).is_ok());
  CHECK(q->pending().batches == 2);
  REQUIRE(q->push(batch(7), nullptr).is_ok());
  CHECK(drain(*q) == std::vector<std::string>{batch(0).body, batch(1).body, batch(7).body});
}

TEST_CASE("a full remote write queue drops the oldest batches and says what it dropped") {
  testing::TempDir tmp;
  auto o = options(tmp.sub("t/ep"));
  o.max_bytes = 3 * (8 + 40);  // three batches of 40-byte bodies (plus their 8-byte header)
  std::unique_ptr<DiskQueue> q;
  REQUIRE(DiskQueue::open(o, &q).is_ok());
  QueueCounts dropped;
  for (int i = 0; i < 3; ++i) REQUIRE(q->push(batch(i), &dropped).is_ok());
  CHECK(dropped.batches == 0);
  REQUIRE(q->push(batch(3), &dropped).is_ok());
  REQUIRE(q->push(batch(4), &dropped).is_ok());
  CHECK(dropped.batches == 2);
  CHECK(dropped.samples == 10 + 11);
  CHECK(dropped.exemplars == 0 + 1);
  CHECK(q->pending().batches == 3);

  SECTION("never the batch being sent") {
    Batch held;
    REQUIRE(q->front(&held).is_ok());
    CHECK(held.body == batch(2).body);
    QueueCounts more;
    REQUIRE(q->push(batch(5), &more).is_ok());
    CHECK(more.batches == 1);
    CHECK(more.samples == 13);  // batch 3, behind the held batch 2
    CHECK(drain(*q) == std::vector<std::string>{batch(2).body, batch(4).body, batch(5).body});
  }
  SECTION("and the drop survives a restart") {
    q.reset();
    REQUIRE(DiskQueue::open(o, &q).is_ok());
    CHECK(drain(*q) == std::vector<std::string>{batch(2).body, batch(3).body, batch(4).body});
  }
}

TEST_CASE("remote write queue deletes segments once every batch in them is sent") {
  testing::TempDir tmp;
  auto o = options(tmp.sub("t/ep"));
  o.segment_bytes = 200;  // a new segment every few batches
  std::unique_ptr<DiskQueue> q;
  REQUIRE(DiskQueue::open(o, &q).is_ok());
  for (int i = 0; i < 12; ++i) REQUIRE(q->push(batch(i), nullptr).is_ok());
  CHECK(segments(o.dir).size() >= 3);
  auto sent = drain(*q);
  REQUIRE(sent.size() == 12);
  for (int i = 0; i < 12; ++i) CHECK(sent[static_cast<size_t>(i)] == batch(i).body);
  CHECK(segments(o.dir).size() == 1);  // the one taking appends
  q.reset();
  REQUIRE(DiskQueue::open(o, &q).is_ok());
  CHECK(q->pending().batches == 0);
  CHECK(segments(o.dir).size() == 1);  // the old active one was empty of unsent batches
}

TEST_CASE("remote write queue survives a damaged cursor by sending again, never by losing") {
  testing::TempDir tmp;
  const auto o = options(tmp.sub("t/ep"));
  {
    std::unique_ptr<DiskQueue> q;
    REQUIRE(DiskQueue::open(o, &q).is_ok());
    for (int i = 0; i < 4; ++i) REQUIRE(q->push(batch(i), nullptr).is_ok());
    Batch b;
    REQUIRE(q->front(&b).is_ok());
    REQUIRE(q->pop().is_ok());
    REQUIRE(q->front(&b).is_ok());
    REQUIRE(q->pop().is_ok());
  }
  SECTION("the newest slot torn: the other, one pop older, is used") {
    // Writes alternate between two 32-byte slots: generation 1 (open) went to the second,
    // 2 (first pop) to the first, 3 (second pop) to the second again. Tear that one.
    std::fstream f(o.dir + "/cursor", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(32 + 20);
    f.put('\x7f');
    f.close();
    std::unique_ptr<DiskQueue> q;
    REQUIRE(DiskQueue::open(o, &q).is_ok());
    // The second pop is forgotten: that batch comes again (a receiver takes it as a
    // duplicate); nothing unsent is lost.
    CHECK(drain(*q) == std::vector<std::string>{batch(1).body, batch(2).body, batch(3).body});
  }
  SECTION("both slots gone: everything still on disk is sent again") {
    fs::resize_file(o.dir + "/cursor", 0);
    std::unique_ptr<DiskQueue> q;
    REQUIRE(DiskQueue::open(o, &q).is_ok());
    // The first segment still holds all four batches (it is the one that was active).
    CHECK(drain(*q) ==
          std::vector<std::string>{batch(0).body, batch(1).body, batch(2).body, batch(3).body});
  }
}

TEST_CASE(
    "remote write queue loses no acknowledged push and resends no acknowledged pop at "
    "any crash point") {
  using testing::FaultEnv;
  // Count the disk changes of one clean run, then crash at each of them in turn.
  auto run = [](FaultEnv& env, const std::string& dir, int* pushed, int* popped) {
    auto o = options(dir);
    o.env = &env;
    o.segment_bytes = 150;
    std::unique_ptr<DiskQueue> q;
    if (!DiskQueue::open(o, &q).is_ok()) return;
    for (int i = 0; i < 6; ++i) {
      if (!q->push(batch(i), nullptr).is_ok()) return;
      *pushed = i + 1;
      if (i % 2 == 1) {
        Batch b;
        if (!q->front(&b).is_ok() || !q->pop().is_ok()) return;
        ++*popped;
      }
    }
  };
  uint64_t total = 0;
  {
    testing::TempDir tmp;
    FaultEnv env;
    int pushed = 0, popped = 0;
    run(env, tmp.sub("t/ep"), &pushed, &popped);
    REQUIRE(pushed == 6);
    REQUIRE(popped == 3);
    total = env.mutations();
  }
  REQUIRE(total > 10);
  for (uint64_t n = 1; n <= total; ++n) {
    INFO("crash at mutation " << n);
    testing::TempDir tmp;
    FaultEnv env;
    env.crash_at_mutation(n);
    int pushed = 0, popped = 0;
    run(env, tmp.sub("t/ep"), &pushed, &popped);
    env.restart(FaultEnv::Loss::kUnsynced);
    std::unique_ptr<DiskQueue> q;
    REQUIRE(DiskQueue::open(options(tmp.sub("t/ep")), &q).is_ok());
    auto left = drain(*q);
    // What comes back is a run of consecutive batches: it starts at the first not
    // acknowledged as popped (or the one whose pop was under way), and holds every
    // acknowledged push (plus, maybe, the one under way).
    int first = popped;
    if (!left.empty() && left[0] != batch(first).body) {
      REQUIRE(popped + 1 <= pushed);
      first = popped + 1;
    }
    for (size_t i = 0; i < left.size(); ++i) {
      CHECK(left[i] == batch(first + static_cast<int>(i)).body);
    }
    CHECK(first + static_cast<int>(left.size()) >= pushed);
    CHECK(first + static_cast<int>(left.size()) <= pushed + 1);
  }
}

}  // namespace
}  // namespace tempo::generator::remote_write
