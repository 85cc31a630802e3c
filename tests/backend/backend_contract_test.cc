// The Backend contract, run against every implementation the same way: the local filesystem
// and S3 (a real s3rver on loopback), so both behave alike for the block and ingester code.

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <random>

#include "tempo/backend/backend.h"
#include "testing/s3rver.h"
#include "testing/temp_dir.h"

using namespace tempo;

namespace {

backend::S3Options s3_options(const testing::S3rver& s3) {
  backend::S3Options o;
  o.bucket = s3.bucket();
  o.endpoint = s3.endpoint();
  o.insecure = true;
  o.access_key = "S3RVER";
  o.secret_key = "S3RVER";
  o.part_size = 5 << 20;
  return o;
}

// Runs `body` once with a fresh local backend and once with a fresh S3 backend.
void for_each_backend(const std::function<void(backend::Backend&)>& body) {
  {
    testing::TempDir dir;
    auto local = backend::make_local_backend(dir.path());
    SECTION("local") { body(*local); }
  }
  {
    testing::S3rver s3;
    std::unique_ptr<backend::Backend> b;
    REQUIRE(backend::make_s3_backend(s3_options(s3), &b).is_ok());
    SECTION("s3") { body(*b); }
  }
}

std::string random_bytes(size_t n, unsigned seed) {
  std::string s(n, '\0');
  std::mt19937 rng(seed);
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

}  // namespace

TEST_CASE("backend contract: write, read, overwrite, empty objects") {
  for_each_backend([](backend::Backend& b) {
    const std::string big = random_bytes(1 << 20, 1);
    REQUIRE(b.write("t1/blk/meta.json", "{\"a\":1}").is_ok());
    REQUIRE(b.write("t1/blk/data", big).is_ok());
    REQUIRE(b.write("t1/blk/empty", "").is_ok());
    std::string got;
    REQUIRE(b.read("t1/blk/meta.json", &got).is_ok());
    CHECK(got == "{\"a\":1}");
    REQUIRE(b.read("t1/blk/data", &got).is_ok());
    CHECK(got == big);
    REQUIRE(b.read("t1/blk/empty", &got).is_ok());
    CHECK(got.empty());
    REQUIRE(b.write("t1/blk/meta.json", "{\"a\":2}").is_ok());
    REQUIRE(b.read("t1/blk/meta.json", &got).is_ok());
    CHECK(got == "{\"a\":2}");
  });
}

TEST_CASE("backend contract: ranged reads") {
  for_each_backend([](backend::Backend& b) {
    const std::string data = random_bytes(100000, 2);
    REQUIRE(b.write("t/x/data", data).is_ok());
    std::string got;
    REQUIRE(b.read_range("t/x/data", 0, 10, &got).is_ok());
    CHECK(got == data.substr(0, 10));
    REQUIRE(b.read_range("t/x/data", 99990, 10, &got).is_ok());
    CHECK(got == data.substr(99990));
    REQUIRE(b.read_range("t/x/data", 500, 0, &got).is_ok());
    CHECK(got.empty());
    CHECK(b.read_range("t/x/data", 99995, 10, &got).is(Status::Code::kInvalidArgument));
    CHECK(b.read_range("t/x/data", 200000, 1, &got).is(Status::Code::kInvalidArgument));
  });
}

TEST_CASE("backend contract: missing objects") {
  for_each_backend([](backend::Backend& b) {
    std::string got;
    CHECK(b.read("nobody/nothing", &got).is(Status::Code::kNotFound));
    CHECK(b.read_range("nobody/nothing", 0, 1, &got).is(Status::Code::kNotFound));
    CHECK(b.remove("nobody/nothing").is_ok());
    std::vector<std::string> names{"stale"};
    REQUIRE(b.list("nobody/", &names).is_ok());
    CHECK(names.empty());
  });
}

TEST_CASE("backend contract: list returns sorted immediate children, remove deletes") {
  for_each_backend([](backend::Backend& b) {
    for (const char* k : {"tb/b2/meta.json", "tb/b1/meta.json", "tb/b1/data", "ta/b9/meta.json",
                          "tb/b1/bloom-0"}) {
      REQUIRE(b.write(k, "x").is_ok());
    }
    std::vector<std::string> names;
    REQUIRE(b.list("", &names).is_ok());
    CHECK(names == std::vector<std::string>{"ta", "tb"});
    REQUIRE(b.list("tb/", &names).is_ok());
    CHECK(names == std::vector<std::string>{"b1", "b2"});
    REQUIRE(b.list("tb/b1/", &names).is_ok());
    CHECK(names == std::vector<std::string>{"bloom-0", "data", "meta.json"});
    REQUIRE(b.remove("tb/b1/data").is_ok());
    REQUIRE(b.list("tb/b1/", &names).is_ok());
    CHECK(names == std::vector<std::string>{"bloom-0", "meta.json"});
    std::string got;
    CHECK(b.read("tb/b1/data", &got).is(Status::Code::kNotFound));
  });
}

TEST_CASE("backend contract: list_objects returns every key under a prefix at any depth") {
  for_each_backend([](backend::Backend& b) {
    for (const char* k : {"tb/b2/meta.json", "tb/b1/meta.json", "tb/b1/data", "ta/b9/meta.json",
                          "tb/lease.json", "tbx/b3/meta.json"}) {
      REQUIRE(b.write(k, "x").is_ok());
    }
    const std::vector<std::string> all{"b1/data", "b1/meta.json", "b2/meta.json", "lease.json"};
    std::vector<std::string> keys;
    REQUIRE(b.list_objects("tb/", &keys).is_ok());
    CHECK(keys == all);
    REQUIRE(b.list_objects("tb/b1/", &keys).is_ok());
    CHECK(keys == std::vector<std::string>{"data", "meta.json"});
    REQUIRE(b.list_objects("nobody/", &keys).is_ok());
    CHECK(keys.empty());
    // The default implementation, walking list(), agrees.
    REQUIRE(b.Backend::list_objects("tb/", &keys).is_ok());
    CHECK(keys == all);
    // An object being streamed is not listed until it is closed.
    std::unique_ptr<backend::ObjectWriter> w;
    REQUIRE(b.open_writer("tb/b4/data", &w).is_ok());
    REQUIRE(w->append("partial").is_ok());
    REQUIRE(b.list_objects("tb/", &keys).is_ok());
    CHECK(std::find(keys.begin(), keys.end(), "b4/data") == keys.end());
    REQUIRE(w->close().is_ok());
    REQUIRE(b.list_objects("tb/b4/", &keys).is_ok());
    CHECK(keys == std::vector<std::string>{"data"});
  });
}

TEST_CASE("backend contract: streamed objects appear whole on close, not before") {
  for_each_backend([](backend::Backend& b) {
    // 12 MiB in uneven pieces: on S3 (5 MiB parts) this is a three-part multipart upload.
    const std::string data = random_bytes(12 << 20, 3);
    std::unique_ptr<backend::ObjectWriter> w;
    REQUIRE(b.open_writer("t/blk/data", &w).is_ok());
    for (size_t off = 0; off < data.size(); off += 777777) {
      REQUIRE(w->append(std::string_view(data).substr(off, 777777)).is_ok());
    }
    std::string got;
    CHECK(b.read("t/blk/data", &got).is(Status::Code::kNotFound));
    REQUIRE(w->close().is_ok());
    REQUIRE(b.read("t/blk/data", &got).is_ok());
    CHECK(got.size() == data.size());
    CHECK(got == data);
    REQUIRE(b.read_range("t/blk/data", (5 << 20) - 3, 6, &got).is_ok());  // across a part edge
    CHECK(got == data.substr((5 << 20) - 3, 6));

    // A small streamed object, and one abandoned without close(): nothing of it is visible.
    REQUIRE(b.open_writer("t/blk/index", &w).is_ok());
    REQUIRE(w->append("abc").is_ok());
    REQUIRE(w->close().is_ok());
    REQUIRE(b.read("t/blk/index", &got).is_ok());
    CHECK(got == "abc");
    REQUIRE(b.open_writer("t/blk/abandoned", &w).is_ok());
    REQUIRE(w->append(std::string_view(data).substr(0, 6 << 20)).is_ok());
    w.reset();
    CHECK(b.read("t/blk/abandoned", &got).is(Status::Code::kNotFound));
    std::vector<std::string> names;
    REQUIRE(b.list("t/blk/", &names).is_ok());
    CHECK(names == std::vector<std::string>{"data", "index"});
  });
}

TEST_CASE("s3 backend: prefixes isolate, bad credentials and buckets say so") {
  testing::S3rver s3;
  auto o = s3_options(s3);
  o.prefix = "/team-a/";
  std::unique_ptr<backend::Backend> a, root;
  REQUIRE(backend::make_s3_backend(o, &a).is_ok());
  REQUIRE(backend::make_s3_backend(s3_options(s3), &root).is_ok());
  CHECK(a->name() == "s3");
  REQUIRE(a->write("t/b/meta.json", "a").is_ok());
  std::vector<std::string> names;
  REQUIRE(a->list("", &names).is_ok());
  CHECK(names == std::vector<std::string>{"t"});
  REQUIRE(root->list("", &names).is_ok());
  CHECK(names == std::vector<std::string>{"team-a"});
  std::string got;
  REQUIRE(root->read("team-a/t/b/meta.json", &got).is_ok());
  CHECK(got == "a");

  auto bad = s3_options(s3);
  bad.access_key = "NOT-A-KEY";
  std::unique_ptr<backend::Backend> b;
  REQUIRE(backend::make_s3_backend(bad, &b).is_ok());
  Status s = b->read("team-a/t/b/meta.json", &got);
  CHECK_FALSE(s.is_ok());
  CHECK_THAT(s.message(), Catch::Contains("InvalidAccessKeyId") && Catch::Contains("check credentials"));

  auto missing = s3_options(s3);
  missing.bucket = "no-such-bucket";
  REQUIRE(backend::make_s3_backend(missing, &b).is_ok());
  s = b->list("", &names);
  CHECK_FALSE(s.is_ok());
  CHECK_THAT(s.message(), Catch::Contains("NoSuchBucket"));

  backend::S3Options none;
  none.bucket = "x";
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_SECRET_ACCESS_KEY");
  CHECK_THAT(backend::make_s3_backend(none, &b).message(), Catch::Contains("no credentials"));
  none.bucket.clear();
  CHECK_THAT(backend::make_s3_backend(none, &b).message(), Catch::Contains("bucket is required"));
}
