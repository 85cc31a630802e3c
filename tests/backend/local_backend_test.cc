#include <catch2/catch.hpp>

#include <filesystem>

#include "tempo/backend/backend.h"
#include "testing/temp_dir.h"

using namespace tempo;

TEST_CASE("local backend: write, read, ranged read, list, remove") {
  testing::TempDir dir;
  auto b = backend::make_local_backend(dir.path());
  REQUIRE(b->write("t1/blk/meta.json", "{\"a\":1}").is_ok());
  REQUIRE(b->write("t1/blk/data", "0123456789").is_ok());
  REQUIRE(b->write("t2/x/data", "z").is_ok());

  std::string out;
  REQUIRE(b->read("t1/blk/data", &out).is_ok());
  CHECK(out == "0123456789");
  REQUIRE(b->read_range("t1/blk/data", 3, 4, &out).is_ok());
  CHECK(out == "3456");
  CHECK(b->read_range("t1/blk/data", 8, 5, &out).is(Status::Code::kInvalidArgument));
  CHECK(b->read("t1/blk/missing", &out).is(Status::Code::kNotFound));
  CHECK(b->read_range("nope/x", 0, 1, &out).is(Status::Code::kNotFound));

  std::vector<std::string> names;
  REQUIRE(b->list("", &names).is_ok());
  CHECK(names == std::vector<std::string>{"t1", "t2"});
  REQUIRE(b->list("t1/blk/", &names).is_ok());
  CHECK(names == std::vector<std::string>{"data", "meta.json"});
  REQUIRE(b->list("missing/", &names).is_ok());
  CHECK(names.empty());

  REQUIRE(b->remove("t2/x/data").is_ok());
  REQUIRE(b->remove("t2/x/data").is_ok());  // idempotent
  REQUIRE(b->list("", &names).is_ok());
  CHECK(names == std::vector<std::string>{"t1"});  // emptied directories are gone
}

TEST_CASE("local backend: an abandoned writer leaves nothing and close publishes") {
  testing::TempDir dir;
  auto b = backend::make_local_backend(dir.path());
  {
    std::unique_ptr<backend::ObjectWriter> w;
    REQUIRE(b->open_writer("t/b/data", &w).is_ok());
    REQUIRE(w->append("partial").is_ok());
    std::vector<std::string> names;
    REQUIRE(b->list("t/b/", &names).is_ok());
    CHECK(names.empty());  // not visible before close
  }
  std::string out;
  CHECK(b->read("t/b/data", &out).is(Status::Code::kNotFound));
  std::unique_ptr<backend::ObjectWriter> w;
  REQUIRE(b->open_writer("t/b/data", &w).is_ok());
  REQUIRE(w->append("hello ").is_ok());
  REQUIRE(w->append("world").is_ok());
  REQUIRE(w->close().is_ok());
  REQUIRE(b->read("t/b/data", &out).is_ok());
  CHECK(out == "hello world");
}

TEST_CASE("local backend: keys that escape the root are refused") {
  testing::TempDir dir;
  auto b = backend::make_local_backend(dir.path());
  std::string out;
  for (const char* key : {"../etc/passwd", "/abs", "a//b", "a/../b", ""}) {
    INFO(key);
    CHECK(b->write(key, "x").is(Status::Code::kInvalidArgument));
    CHECK(b->read(key, &out).is(Status::Code::kInvalidArgument));
  }
}
