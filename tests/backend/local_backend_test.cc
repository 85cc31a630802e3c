#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <limits>
#include <random>
#include <thread>

#include "tempo/backend/backend.h"
#include "tempo/observability/metrics.h"
#include "testing/temp_dir.h"

using namespace tempo;
namespace fs = std::filesystem;

namespace {

// Every regular file and directory under `root`, relative, for asserting what is on disk.
std::vector<std::string> disk_entries(const std::string& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    out.push_back(fs::relative(e.path(), root).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("local backend: write and read round trip, overwrite replaces") {
  testing::TempDir dir;
  auto b = backend::make_local_backend(dir.path());
  CHECK(b->name() == "local");
  std::string big(3 * 1024 * 1024 + 7, '\0');
  std::mt19937 rng(1);
  for (auto& c : big) c = static_cast<char>(rng());

  REQUIRE(b->write("t1/blk/meta.json", "{\"a\":1}").is_ok());
  REQUIRE(b->write("t1/blk/data", big).is_ok());
  REQUIRE(b->write("t1/blk/empty", "").is_ok());

  std::string out;
  REQUIRE(b->read("t1/blk/meta.json", &out).is_ok());
  CHECK(out == "{\"a\":1}");
  REQUIRE(b->read("t1/blk/data", &out).is_ok());
  CHECK(out == big);
  REQUIRE(b->read("t1/blk/empty", &out).is_ok());
  CHECK(out.empty());

  REQUIRE(b->write("t1/blk/meta.json", "second").is_ok());
  REQUIRE(b->read("t1/blk/meta.json", &out).is_ok());
  CHECK(out == "second");

  // A second backend on the same root sees the same objects (nothing cached in memory).
  auto b2 = backend::make_local_backend(dir.path() + "/");
  REQUIRE(b2->read("t1/blk/meta.json", &out).is_ok());
  CHECK(out == "second");
}

TEST_CASE("local backend: ranged reads") {
  testing::TempDir dir;
  auto b = backend::make_local_backend(dir.path());
  REQUIRE(b->write("k/data", "0123456789").is_ok());
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  struct Case {
    uint64_t offset, length;
    Status::Code code;
    std::string want;
  };
  const std::vector<Case> cases = {
      {0, 10, Status::Code::kOk, "0123456789"},
      {3, 4, Status::Code::kOk, "3456"},
      {9, 1, Status::Code::kOk, "9"},
      {10, 0, Status::Code::kOk, ""},
      {0, 0, Status::Code::kOk, ""},
      {8, 5, Status::Code::kInvalidArgument, ""},   // runs past the end
      {0, 11, Status::Code::kInvalidArgument, ""},  // one byte too many
      {11, 0, Status::Code::kInvalidArgument, ""},  // starts past the end
      {kMax, 2, Status::Code::kInvalidArgument, ""},  // offset + length overflows
      {2, kMax, Status::Code::kInvalidArgument, ""},
  };
  for (const auto& c : cases) {
    INFO("offset " << c.offset << " length " << c.length);
    std::string out = "stale";
    Status s = b->read_range("k/data", c.offset, c.length, &out);
    REQUIRE(s.code() == c.code);
    if (s.is_ok()) CHECK(out == c.want);
  }
  std::string out;
  CHECK(b->read_range("k/missing", 0, 1, &out).is(Status::Code::kNotFound));
  CHECK(b->read_range("nope/x", 0, 0, &out).is(Status::Code::kNotFound));
}

TEST_CASE("local backend: missing objects") {
  testing::TempDir dir;
  auto b = backend::make_local_backend(dir.path());
  REQUIRE(b->write("t/blk/data", "x").is_ok());
  std::string out;
  CHECK(b->read("t/blk/missing", &out).is(Status::Code::kNotFound));
  CHECK(b->read("t/blk", &out).is(Status::Code::kNotFound));            // a directory
  CHECK(b->read("t/blk/data/deeper", &out).is(Status::Code::kNotFound));  // below an object
  CHECK(b->remove("t/blk/missing").is_ok());
  CHECK(b->remove("nothing/here/at/all").is_ok());
  CHECK(b->remove("t/blk").is(Status::Code::kInvalidArgument));  // not an object
  std::vector<std::string> names{"stale"};
  REQUIRE(b->list("missing/", &names).is_ok());
  CHECK(names.empty());
  names = {"stale"};
  REQUIRE(b->list("t/blk/data/", &names).is_ok());  // an object has no children
  CHECK(names.empty());
}

TEST_CASE("local backend: list returns sorted immediate children") {
  testing::TempDir dir;
  auto b = backend::make_local_backend(dir.path());
  std::vector<std::string> empty_root{"stale"};
  REQUIRE(b->list("", &empty_root).is_ok());
  CHECK(empty_root.empty());

  const std::vector<std::string> keys = {"t2/z/data", "t1/b/meta.json", "t1/a/data",
                                         "t1/a/bloom-10", "t1/a/bloom-2", "t1/a/meta.json",
                                         "t10/q/data", "t1/A/data"};
  for (const auto& k : keys) REQUIRE(b->write(k, k).is_ok());

  struct Case {
    std::string prefix;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {"", {"t1", "t10", "t2"}},
      {"t1/", {"A", "a", "b"}},
      {"t1", {"A", "a", "b"}},  // the trailing '/' is optional
      {"t1/a/", {"bloom-10", "bloom-2", "data", "meta.json"}},  // bytewise order
      {"t2/z/", {"data"}},
  };
  for (const auto& c : cases) {
    INFO("prefix '" << c.prefix << "'");
    std::vector<std::string> names;
    REQUIRE(b->list(c.prefix, &names).is_ok());
    CHECK(names == c.want);
  }
}

TEST_CASE("local backend: an unclosed writer is invisible and an abandoned one leaves nothing") {
  testing::TempDir dir;
  auto b = backend::make_local_backend(dir.path());
  REQUIRE(b->write("t/b/data", "old").is_ok());
  {
    std::unique_ptr<backend::ObjectWriter> w;
    REQUIRE(b->open_writer("t/b/data", &w).is_ok());
    REQUIRE(w->append("partial new").is_ok());
    std::vector<std::string> names;
    REQUIRE(b->list("t/b/", &names).is_ok());
    CHECK(names == std::vector<std::string>{"data"});  // the temp file is hidden
    std::string out;
    REQUIRE(b->read("t/b/data", &out).is_ok());
    CHECK(out == "old");  // readers still see the whole old object
  }
  std::string out;
  REQUIRE(b->read("t/b/data", &out).is_ok());
  CHECK(out == "old");
  CHECK(disk_entries(dir.path()) == std::vector<std::string>{"t", "t/b", "t/b/data"});

  {
    std::unique_ptr<backend::ObjectWriter> w;
    REQUIRE(b->open_writer("t/c/data", &w).is_ok());
    REQUIRE(w->append("never closed").is_ok());
  }
  CHECK(b->read("t/c/data", &out).is(Status::Code::kNotFound));
  // Not even the directory the writer created is left behind.
  CHECK(disk_entries(dir.path()) == std::vector<std::string>{"t", "t/b", "t/b/data"});

  std::unique_ptr<backend::ObjectWriter> w;
  REQUIRE(b->open_writer("t/b/data", &w).is_ok());
  REQUIRE(w->append("hello ").is_ok());
  REQUIRE(w->append("").is_ok());
  REQUIRE(w->append("world").is_ok());
  REQUIRE(w->close().is_ok());
  CHECK(w->append("late").is(Status::Code::kInternal));
  CHECK(w->close().is(Status::Code::kInternal));
  REQUIRE(b->read("t/b/data", &out).is_ok());
  CHECK(out == "hello world");
  for (const auto& e : disk_entries(dir.path())) CHECK(e.find(".tmp-") == std::string::npos);
}

TEST_CASE("local backend: a concurrent reader sees whole objects only") {
  testing::TempDir dir;
  auto b = backend::make_local_backend(dir.path());
  const std::string a(256 * 1024, 'a'), z(512 * 1024, 'z');
  REQUIRE(b->write("t/obj", a).is_ok());
  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      std::unique_ptr<backend::ObjectWriter> w;
      if (!b->open_writer("t/obj", &w).is_ok()) return;
      const std::string& v = i % 2 ? a : z;
      // Streamed in pieces so a non-atomic store would expose a prefix.
      for (size_t off = 0; off < v.size(); off += 64 * 1024) {
        if (!w->append(std::string_view(v).substr(off, 64 * 1024)).is_ok()) return;
      }
      if (!w->close().is_ok()) return;
      writes++;
    }
  });
  int torn = 0;
  for (int i = 0; i < 300 || writes.load() < 3; ++i) {
    std::string out;
    REQUIRE(b->read("t/obj", &out).is_ok());
    torn += !(out == a || out == z);
  }
  stop = true;
  writer.join();
  CHECK(torn == 0);
  CHECK(writes.load() >= 3);
}

TEST_CASE("local backend: keys that are not plain relative paths are refused") {
  testing::TempDir dir;
  auto b = backend::make_local_backend(dir.path());
  const std::vector<std::string> bad = {"",      "../etc/passwd", "/abs",      "a//b",
                                        "a/../b", "a/..",          "./a",       "a/./b",
                                        "a/",    "..",            ".tmp-x/y",  "a/.tmp-data.1"};
  for (const auto& key : bad) {
    INFO("key '" << key << "'");
    std::string out;
    std::unique_ptr<backend::ObjectWriter> w;
    CHECK(b->write(key, "x").is(Status::Code::kInvalidArgument));
    CHECK(b->open_writer(key, &w).is(Status::Code::kInvalidArgument));
    CHECK(b->read(key, &out).is(Status::Code::kInvalidArgument));
    CHECK(b->read_range(key, 0, 1, &out).is(Status::Code::kInvalidArgument));
    CHECK(b->remove(key).is(Status::Code::kInvalidArgument));
  }
  std::vector<std::string> names;
  CHECK(b->list("../", &names).is(Status::Code::kInvalidArgument));
  CHECK(b->list("/etc/", &names).is(Status::Code::kInvalidArgument));
  CHECK(b->list("a//", &names).is_ok());  // trailing slashes are only the directory marker
  CHECK(disk_entries(dir.path()).empty());
  // Names that merely contain dots are fine.
  REQUIRE(b->write("t/..x/a.b..c", "ok").is_ok());
  std::string out;
  REQUIRE(b->read("t/..x/a.b..c", &out).is_ok());
  CHECK(out == "ok");
}

TEST_CASE("local backend: remove prunes directories it left empty, never the root") {
  testing::TempDir dir;
  auto b = backend::make_local_backend(dir.path());
  REQUIRE(b->write("t1/blk1/data", "d").is_ok());
  REQUIRE(b->write("t1/blk1/meta.json", "m").is_ok());
  REQUIRE(b->write("t1/blk2/data", "d").is_ok());
  REQUIRE(b->write("t2/blk/data", "d").is_ok());

  REQUIRE(b->remove("t1/blk1/data").is_ok());
  CHECK(disk_entries(dir.path()) ==
        std::vector<std::string>{"t1", "t1/blk1", "t1/blk1/meta.json", "t1/blk2", "t1/blk2/data",
                                 "t2", "t2/blk", "t2/blk/data"});
  REQUIRE(b->remove("t1/blk1/meta.json").is_ok());
  std::vector<std::string> names;
  REQUIRE(b->list("t1/", &names).is_ok());
  CHECK(names == std::vector<std::string>{"blk2"});
  REQUIRE(b->remove("t2/blk/data").is_ok());
  REQUIRE(b->list("", &names).is_ok());
  CHECK(names == std::vector<std::string>{"t1"});
  REQUIRE(b->remove("t1/blk2/data").is_ok());
  CHECK(disk_entries(dir.path()).empty());
  CHECK(fs::is_directory(dir.path()));
  // The store still works after everything was pruned.
  REQUIRE(b->write("t1/blk3/data", "again").is_ok());
  std::string out;
  REQUIRE(b->read("t1/blk3/data", &out).is_ok());
  CHECK(out == "again");
}

TEST_CASE("local backend: requests are timed in tempodb_backend_request_duration_seconds") {
  testing::TempDir dir;
  auto b = backend::make_local_backend(dir.path());
  auto count = [](const std::string& op, const std::string& code) {
    auto& fam = metrics::histogram_family("tempodb_backend_request_duration_seconds", "");
    auto& h = fam.Add({{"operation", op}, {"status_code", code}},
                      metrics::request_duration_buckets());
    return h.Collect().histogram.sample_count;
  };
  const auto put0 = count("PUT", "200"), get0 = count("GET", "200"),
             miss0 = count("GET", "404"), list0 = count("LIST", "200"),
             del0 = count("DELETE", "200");
  std::string out;
  std::vector<std::string> names;
  REQUIRE(b->write("t/x", "1").is_ok());
  REQUIRE(b->read("t/x", &out).is_ok());
  REQUIRE(b->read_range("t/x", 0, 1, &out).is_ok());
  CHECK(b->read("t/y", &out).is(Status::Code::kNotFound));
  REQUIRE(b->list("t/", &names).is_ok());
  REQUIRE(b->remove("t/x").is_ok());
  CHECK(count("PUT", "200") == put0 + 1);
  CHECK(count("GET", "200") == get0 + 2);
  CHECK(count("GET", "404") == miss0 + 1);
  CHECK(count("LIST", "200") == list0 + 1);
  CHECK(count("DELETE", "200") == del0 + 1);
  CHECK(metrics::serialize_text().find("tempodb_backend_request_duration_seconds_bucket{"
                                       "operation=\"GET\",status_code=\"404\"") !=
        std::string::npos);
}

// A process killed during a flush leaves ".tmp-*" files; the next start removes them (and the
// directories they alone kept), and leaves those of writers still running.
TEST_CASE("local backend: temporary files of interrupted writes are removed on start") {
  testing::TempDir dir;
  {
    auto b = backend::make_local_backend(dir.path());
    REQUIRE(b->write("t/b/data", "kept").is_ok());
  }
  // No process has pid 4194304 + 1 (above Linux's pid_max); pid 1 is always alive.
  const auto touch = [&](const std::string& rel) {
    fs::create_directories(fs::path(dir.path() + "/" + rel).parent_path());
    std::ofstream(dir.path() + "/" + rel) << "partial";
  };
  touch("t/b/.tmp-index.4194305.0.123");
  touch("t/dead/.tmp-data.4194305.7.99");
  touch("t/b/.tmp-bloom-0.1.0.5");
  touch("t/b/.tmp-garbled");
  // This process's own pid on a file older than the process: an earlier incarnation's (pid 1
  // in a container on every start).
  touch("t/b/.tmp-meta.json." + std::to_string(::getpid()) + ".0.1");
  fs::last_write_time(dir.path() + "/t/b/.tmp-meta.json." + std::to_string(::getpid()) + ".0.1",
                      fs::file_time_type::clock::now() - std::chrono::hours(24));

  auto b = backend::make_local_backend(dir.path());
  CHECK(disk_entries(dir.path()) ==
        std::vector<std::string>{"t", "t/b", "t/b/.tmp-bloom-0.1.0.5", "t/b/data"});
  std::string out;
  REQUIRE(b->read("t/b/data", &out).is_ok());
  CHECK(out == "kept");
}
