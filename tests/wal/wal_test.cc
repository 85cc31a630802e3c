#include "tempo/wal/wal.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "testing/temp_dir.h"

namespace {

using namespace tempo;
namespace fs = std::filesystem;

std::string record(int i, size_t size) {
  std::string s(size, '\0');
  for (size_t j = 0; j < size; ++j) s[j] = static_cast<char>((i * 31 + j) & 0xff);
  return s;
}

std::vector<std::pair<uint64_t, std::string>> replay_all(const std::string& path,
                                                         wal::ReplayStats* stats) {
  std::vector<std::pair<uint64_t, std::string>> out;
  REQUIRE(wal::replay(
              *Env::posix(), path,
              [&](uint64_t off, std::string_view p) { out.emplace_back(off, p); }, stats)
              .is_ok());
  return out;
}

void flip_byte(const std::string& path, uint64_t off) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(off));
  char c;
  f.read(&c, 1);
  c ^= 0x5a;
  f.seekp(static_cast<std::streamoff>(off));
  f.write(&c, 1);
}

}  // namespace

TEST_CASE("append then replay returns every record, offsets readable at random") {
  testing::TempDir dir;
  std::string path = dir.sub("a.wal");
  std::vector<std::string> written;
  std::vector<uint64_t> offsets;
  {
    std::unique_ptr<wal::Writer> w;
    REQUIRE(wal::Writer::open(path, {}, &w).is_ok());
    const size_t sizes[] = {0, 1, 100, 4096, 1 << 20};
    for (int i = 0; i < 40; ++i) {
      written.push_back(record(i, sizes[i % 5]));
      std::string_view v = written.back();
      std::vector<uint64_t> off;
      REQUIRE(w->append(std::span<const std::string_view>(&v, 1), &off).is_ok());
      REQUIRE(off.size() == 1);
      offsets.push_back(off[0]);
    }
  }
  wal::ReplayStats stats;
  auto got = replay_all(path, &stats);
  REQUIRE(got.size() == written.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].first == offsets[i]);
    CHECK(got[i].second == written[i]);
  }
  CHECK(stats.truncated_bytes == 0);

  // Every record by offset, through one reused buffer as a flush reads them: records that fit
  // the read-ahead with their header, one that ends exactly at its end, and longer ones that
  // need a second read, in an order that makes the buffer shrink and grow.
  std::unique_ptr<wal::RandomReader> r;
  REQUIRE(wal::RandomReader::open(*Env::posix(), path, &r).is_ok());
  std::string buf, payload;
  for (size_t i = got.size(); i-- > 0;) {
    std::string_view view;
    INFO("record " << i << " of " << written[i].size() << " bytes");
    REQUIRE(r->read_view(offsets[i], &buf, &view).is_ok());
    CHECK(view == written[i]);
    REQUIRE(r->read(offsets[i], &payload).is_ok());
    CHECK(payload == written[i]);
  }
  REQUIRE(r->read(offsets[17], &payload).is_ok());
  CHECK(payload == written[17]);
  CHECK(r->read(offsets[17] + 1, &payload).is(Status::Code::kCorruption));
}

TEST_CASE("reads by offset refuse torn, damaged and absent records") {
  testing::TempDir dir;
  const std::string path = dir.sub("b.wal");
  // Payloads below, at and above the read-ahead (wal::RandomReader::kReadAhead with the
  // 12-byte record header).
  const size_t fits = wal::RandomReader::kReadAhead - wal::kRecordHeaderSize;
  std::vector<std::string> written = {record(1, 100), record(2, fits), record(3, fits + 1),
                                      record(4, 70000)};
  std::vector<uint64_t> offsets;
  {
    std::unique_ptr<wal::Writer> w;
    REQUIRE(wal::Writer::open(path, {}, &w).is_ok());
    for (const auto& rec : written) {
      std::string_view v = rec;
      std::vector<uint64_t> off;
      REQUIRE(w->append(std::span<const std::string_view>(&v, 1), &off).is_ok());
      offsets.push_back(off[0]);
    }
  }
  const uint64_t end = std::filesystem::file_size(path);
  std::unique_ptr<wal::RandomReader> r;
  REQUIRE(wal::RandomReader::open(*Env::posix(), path, &r).is_ok());
  std::string buf;
  std::string_view view;
  for (size_t i = 0; i < written.size(); ++i) {
    REQUIRE(r->read_view(offsets[i], &buf, &view).is_ok());
    CHECK(view == written[i]);
  }
  // Nothing at the end of the file.
  Status s = r->read_view(end, &buf, &view);
  CHECK(s.is(Status::Code::kCorruption));
  CHECK(s.message().find("no record") != std::string::npos);
  // A flipped payload byte, in the first read and past it.
  flip_byte(path, offsets[0] + wal::kRecordHeaderSize + 50);
  flip_byte(path, offsets[3] + wal::kRecordHeaderSize + 60000);
  for (size_t i : {size_t{0}, size_t{3}}) {
    s = r->read_view(offsets[i], &buf, &view);
    CHECK(s.is(Status::Code::kCorruption));
    CHECK(s.message().find("checksum mismatch") != std::string::npos);
  }
  CHECK(r->read_view(offsets[1], &buf, &view).is_ok());
  // The last record cut short, inside the read-ahead and past it.
  std::filesystem::resize_file(path, offsets[3] + 1000);
  s = r->read_view(offsets[3], &buf, &view);
  CHECK(s.is(Status::Code::kCorruption));
  CHECK(s.message().find("past end of file") != std::string::npos);
  std::filesystem::resize_file(path, offsets[3] + 20000);
  s = r->read_view(offsets[3], &buf, &view);
  CHECK(s.is(Status::Code::kCorruption));
  CHECK(s.message().find("past end of file") != std::string::npos);
  std::filesystem::resize_file(path, offsets[3] + 5);
  CHECK(r->read_view(offsets[3], &buf, &view).is(Status::Code::kCorruption));
}

TEST_CASE("reopening continues after the last record") {
  testing::TempDir dir;
  std::string path = dir.sub("b.wal");
  for (int round = 0; round < 3; ++round) {
    std::unique_ptr<wal::Writer> w;
    REQUIRE(wal::Writer::open(path, {}, &w).is_ok());
    std::string r = record(round, 10);
    std::string_view v = r;
    REQUIRE(w->append(std::span<const std::string_view>(&v, 1), nullptr).is_ok());
  }
  wal::ReplayStats stats;
  auto got = replay_all(path, &stats);
  REQUIRE(got.size() == 3);
  CHECK(got[2].second == record(2, 10));
}

TEST_CASE("a torn tail at any byte is truncated and earlier records survive") {
  testing::TempDir dir;
  std::string path = dir.sub("c.wal");
  std::vector<std::string> recs = {record(1, 50), record(2, 70), record(3, 90)};
  {
    std::unique_ptr<wal::Writer> w;
    REQUIRE(wal::Writer::open(path, {}, &w).is_ok());
    std::vector<std::string_view> views(recs.begin(), recs.end());
    REQUIRE(w->append(views, nullptr).is_ok());
  }
  const uint64_t full = fs::file_size(path);
  const uint64_t last_start = full - (wal::kRecordHeaderSize + 90);
  std::string original;
  {
    std::ifstream f(path, std::ios::binary);
    original.assign(std::istreambuf_iterator<char>(f), {});
  }
  for (uint64_t cut = last_start; cut < full; ++cut) {
    {
      std::ofstream f(path, std::ios::binary | std::ios::trunc);
      f.write(original.data(), static_cast<std::streamsize>(cut));
    }
    wal::ReplayStats stats;
    auto got = replay_all(path, &stats);
    INFO("cut at " << cut);
    REQUIRE(got.size() == 2);
    CHECK(got[1].second == recs[1]);
    CHECK(stats.truncated_bytes == cut - last_start);
    CHECK(fs::file_size(path) == last_start);
    // Appending after recovery works and is read back.
    std::unique_ptr<wal::Writer> w;
    REQUIRE(wal::Writer::open(path, {}, &w).is_ok());
    std::string_view v = recs[2];
    REQUIRE(w->append(std::span<const std::string_view>(&v, 1), nullptr).is_ok());
    w.reset();
    auto again = replay_all(path, &stats);
    REQUIRE(again.size() == 3);
    CHECK(again[2].second == recs[2]);
  }
}

TEST_CASE("a corrupt record in the middle is skipped and the ones after it are recovered") {
  testing::TempDir dir;
  std::string path = dir.sub("d.wal");
  std::vector<std::string> recs;
  for (int i = 0; i < 5; ++i) recs.push_back(record(i, 200));
  std::vector<uint64_t> offsets;
  {
    std::unique_ptr<wal::Writer> w;
    REQUIRE(wal::Writer::open(path, {}, &w).is_ok());
    std::vector<std::string_view> views(recs.begin(), recs.end());
    REQUIRE(w->append(views, &offsets).is_ok());
  }
  // Damage record 2's payload and record 3's length field.
  flip_byte(path, offsets[2] + wal::kRecordHeaderSize + 10);
  wal::ReplayStats stats;
  auto got = replay_all(path, &stats);
  REQUIRE(got.size() == 4);
  CHECK(got[0].second == recs[0]);
  CHECK(got[1].second == recs[1]);
  CHECK(got[2].second == recs[3]);
  CHECK(got[3].second == recs[4]);
  CHECK(stats.skipped_corrupt == 1);
  CHECK(stats.truncated_bytes == 0);

  flip_byte(path, offsets[3] + 5);
  auto got2 = replay_all(path, &stats);
  REQUIRE(got2.size() == 3);
  CHECK(got2[2].second == recs[4]);
}

TEST_CASE("garbage after the last record is truncated") {
  testing::TempDir dir;
  std::string path = dir.sub("e.wal");
  {
    std::unique_ptr<wal::Writer> w;
    REQUIRE(wal::Writer::open(path, {}, &w).is_ok());
    std::string r = record(9, 30);
    std::string_view v = r;
    REQUIRE(w->append(std::span<const std::string_view>(&v, 1), nullptr).is_ok());
  }
  {
    std::ofstream f(path, std::ios::binary | std::ios::app);
    f << "this is not a record at all";
  }
  wal::ReplayStats stats;
  auto got = replay_all(path, &stats);
  REQUIRE(got.size() == 1);
  CHECK(got[0].second == record(9, 30));
  CHECK(stats.truncated_bytes == 27);
}

TEST_CASE("concurrent appenders are group-committed and nothing is lost") {
  testing::TempDir dir;
  std::string path = dir.sub("f.wal");
  std::unique_ptr<wal::Writer> w;
  REQUIRE(wal::Writer::open(path, {}, &w).is_ok());
  constexpr int kThreads = 8, kPer = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPer; ++i) {
        std::string r = "t" + std::to_string(t) + "-" + std::to_string(i);
        std::string_view v = r;
        if (!w->append(std::span<const std::string_view>(&v, 1), nullptr).is_ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  CHECK(w->sync_count() <= static_cast<uint64_t>(kThreads * kPer));
  w.reset();
  wal::ReplayStats stats;
  auto got = replay_all(path, &stats);
  REQUIRE(got.size() == kThreads * kPer);
  std::set<std::string> seen;
  for (auto& [off, p] : got) seen.insert(p);
  CHECK(seen.size() == kThreads * kPer);
  CHECK(seen.count("t7-49") == 1);
}

TEST_CASE("a file that is not a wal is refused") {
  testing::TempDir dir;
  std::string path = dir.sub("g.wal");
  {
    std::ofstream f(path, std::ios::binary);
    f << "definitely not a write-ahead log";
  }
  std::unique_ptr<wal::Writer> w;
  CHECK(wal::Writer::open(path, {}, &w).is(Status::Code::kCorruption));
}

// Records in two parts (a caller's header and bytes held elsewhere) read back joined, mixed
// with whole records in one group commit from several threads; a single append of more parts
// than one pwritev takes (IOV_MAX, 1024 on Linux) lands whole and in order.
TEST_CASE("two-part records read back joined, also past one pwritev's worth of parts") {
  testing::TempDir dir;
  std::string path = dir.sub("p.wal");
  std::unique_ptr<wal::Writer> w;
  REQUIRE(wal::Writer::open(path, {}, &w).is_ok());

  // 1500 records of three parts each (frame header, head, body): 4500 parts in one append.
  std::vector<std::string> heads, bodies;
  for (int i = 0; i < 1500; ++i) {
    heads.push_back("head-" + std::to_string(i) + ":");
    bodies.push_back(i % 10 == 0 ? std::string() : record(i, static_cast<size_t>(i % 97) * 13));
  }
  heads[3].clear();  // an empty head is allowed too
  std::vector<wal::Writer::Parts> parts;
  for (size_t i = 0; i < heads.size(); ++i) parts.push_back({heads[i], bodies[i]});
  std::vector<uint64_t> offsets;
  REQUIRE(w->append(parts, &offsets).is_ok());
  REQUIRE(offsets.size() == parts.size());

  // Then whole and two-part records from 6 threads at once.
  constexpr int kThreads = 6, kPer = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPer; ++i) {
        const std::string head = "t" + std::to_string(t) + "-";
        const std::string body = std::to_string(i) + record(t * 100 + i, 50);
        Status s;
        if ((t + i) % 2) {
          const std::string whole = head + body;
          std::string_view v = whole;
          s = w->append(std::span<const std::string_view>(&v, 1), nullptr);
        } else {
          wal::Writer::Parts p{head, body};
          s = w->append(std::span<const wal::Writer::Parts>(&p, 1), nullptr);
        }
        if (!s.is_ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  w.reset();

  wal::ReplayStats stats;
  auto got = replay_all(path, &stats);
  REQUIRE(got.size() == parts.size() + kThreads * kPer);
  CHECK(stats.truncated_bytes == 0);
  std::unique_ptr<wal::RandomReader> r;
  REQUIRE(wal::RandomReader::open(*Env::posix(), path, &r).is_ok());
  std::string payload;
  for (size_t i = 0; i < parts.size(); ++i) {
    INFO("record " << i);
    REQUIRE(got[i].first == offsets[i]);
    REQUIRE(got[i].second == heads[i] + bodies[i]);
    REQUIRE(r->read(offsets[i], &payload).is_ok());
    REQUIRE(payload == heads[i] + bodies[i]);
  }
  std::set<std::string> seen;
  for (size_t i = parts.size(); i < got.size(); ++i) seen.insert(got[i].second);
  CHECK(seen.size() == kThreads * kPer);
  CHECK(seen.count("t5-39" + record(539, 50)) == 1);

  // A record over the limit is refused whichever way it comes, and nothing is written.
  REQUIRE(wal::Writer::open(path, {}, &w).is_ok());
  const uint64_t size = w->size();
  const std::string big(wal::kMaxRecordSize / 2 + 1, 'x');
  wal::Writer::Parts too_large{big, big};
  CHECK(w->append(std::span<const wal::Writer::Parts>(&too_large, 1), nullptr)
            .is(Status::Code::kInvalidArgument));
  CHECK(w->size() == size);
}
