#include "tempo/block/bloom.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <random>
#include <set>

#include "block/block_io.h"
#include "tempo/backend/backend.h"
#include "test_ids.h"
#include "testing/temp_dir.h"

using namespace tempo;
using tempo::testing::random_id;
using tempo::testing::random_id64;
using tempo::testing::sequential_id;

TEST_CASE("bloom: false-positive rate over 100k absent IDs is below twice the target") {
  struct Kind {
    const char* name;
    std::function<TraceId(std::mt19937_64&, uint64_t)> make;
  };
  const std::vector<Kind> kinds = {
      {"random 128-bit", [](std::mt19937_64& r, uint64_t) { return random_id(r); }},
      {"zero-padded 64-bit", [](std::mt19937_64& r, uint64_t) { return random_id64(r); }},
      {"sequential", [](std::mt19937_64&, uint64_t i) { return sequential_id(i); }},
  };
  const uint64_t n = 20000;
  const int probes = 100000;
  for (const auto& kind : kinds) {
    for (double fp : {0.01, 0.05, 0.001}) {
      std::mt19937_64 rng(99);
      block::BloomFilter bf(n, fp);
      std::vector<TraceId> added;
      for (uint64_t i = 0; i < n; ++i) {
        added.push_back(kind.make(rng, i));
        bf.add(added.back());
      }
      int false_negatives = 0;
      for (const auto& id : added) false_negatives += !bf.may_contain(id);
      // Absent IDs of the same kind: sequential ones continue past the added range.
      int positives = 0;
      for (int i = 0; i < probes; ++i) positives += bf.may_contain(kind.make(rng, n + i));
      const double rate = static_cast<double>(positives) / probes;
      INFO(kind.name << ": target " << fp << " measured " << rate);
      CHECK(false_negatives == 0);
      CHECK(rate < 2 * fp);
    }
  }
}

TEST_CASE("bloom: optimal sizing") {
  struct Case {
    uint64_t n;
    double fp;
    uint32_t k;
  };
  for (const auto& c : std::vector<Case>{{1000, 0.01, 7}, {1000, 0.05, 4}, {100000, 0.001, 10}}) {
    block::BloomFilter bf(c.n, c.fp);
    const double m = -static_cast<double>(c.n) * std::log(c.fp) / (std::log(2) * std::log(2));
    INFO("n " << c.n << " fp " << c.fp);
    CHECK(bf.bit_count() >= static_cast<uint64_t>(m));
    CHECK(bf.bit_count() <= static_cast<uint64_t>(m) + 8);
    CHECK(bf.hash_count() == c.k);
  }
  CHECK(block::BloomFilter(0, 0.01).bit_count() == 64);  // never empty
  std::mt19937_64 rng(1);
  CHECK_FALSE(block::BloomFilter().may_contain(random_id(rng)));
}

TEST_CASE("bloom: shard count keeps shards near the configured size") {
  struct Case {
    uint64_t n;
    double fp;
    size_t shard_bytes;
    uint32_t want;
  };
  const std::vector<Case> cases = {
      {0, 0.01, 100 * 1024, 1},
      {1, 0.01, 100 * 1024, 1},
      {80000, 0.01, 100 * 1024, 1},     // 95.8 KB
      {90000, 0.01, 100 * 1024, 2},     // 107.8 KB
      {1000000, 0.01, 100 * 1024, 12},  // 1.198 MB
      {1000000, 0.01, 1, block::kMaxBloomShards},
  };
  for (const auto& c : cases) {
    INFO("n " << c.n << " shard bytes " << c.shard_bytes);
    CHECK(block::bloom_shard_count(c.n, c.fp, c.shard_bytes) == c.want);
  }
}

TEST_CASE("bloom: shards spread IDs evenly, zero-padded ones included") {
  const uint32_t shards = 16;
  for (bool short_ids : {false, true}) {
    std::mt19937_64 rng(5);
    std::vector<int> counts(shards);
    const int n = 160000;
    for (int i = 0; i < n; ++i) {
      uint32_t s = block::bloom_shard_of(short_ids ? random_id64(rng) : random_id(rng), shards);
      REQUIRE(s < shards);
      counts[s]++;
    }
    for (int c : counts) {
      INFO("short ids " << short_ids << " count " << c);
      CHECK(std::abs(c - n / static_cast<int>(shards)) < n / static_cast<int>(shards) / 10);
    }
  }
  std::mt19937_64 rng(6);
  CHECK(block::bloom_shard_of(random_id(rng), 1) == 0);
  CHECK(block::bloom_shard_of(random_id(rng), 0) == 0);
}

TEST_CASE("bloom: encode and decode round trip, damage is detected") {
  std::mt19937_64 rng(3);
  block::BloomFilter bf(500, 0.01);
  std::vector<TraceId> ids;
  for (int i = 0; i < 500; ++i) {
    ids.push_back(random_id(rng));
    bf.add(ids.back());
  }
  const std::string enc = bf.encode();
  REQUIRE(enc.size() == 12 + bf.bit_count() / 8 + 4);
  block::BloomFilter back;
  REQUIRE(block::BloomFilter::decode(enc, &back).is_ok());
  CHECK(back.bit_count() == bf.bit_count());
  CHECK(back.hash_count() == bf.hash_count());
  for (const auto& id : ids) REQUIRE(back.may_contain(id));
  for (int i = 0; i < 1000; ++i) {
    TraceId probe = random_id(rng);
    REQUIRE(back.may_contain(probe) == bf.may_contain(probe));
  }

  for (size_t pos : {size_t{0}, size_t{5}, enc.size() / 2, enc.size() - 1}) {
    INFO("flipped byte " << pos);
    std::string bad = enc;
    bad[pos] ^= 0x10;
    CHECK(block::BloomFilter::decode(bad, &back).is(Status::Code::kCorruption));
  }
  CHECK(block::BloomFilter::decode(enc.substr(0, enc.size() - 1), &back)
            .is(Status::Code::kCorruption));
  CHECK(block::BloomFilter::decode("", &back).is(Status::Code::kCorruption));
}

// A writer's bloom shards: filled as IDs come when the writer has an upper bound of its trace
// count (exact at a flush, an overestimate in a compaction), kept and sized at the end without
// one. Every ID is found in the shard a lookup reads, whatever the bound, and the rate holds
// as long as the bound does.
TEST_CASE("bloom shards of a writer: with an exact, a loose, a too small or no bound") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  const uint64_t n = 30000;
  std::mt19937_64 rng(7);
  std::vector<TraceId> ids;
  for (uint64_t i = 0; i < n; ++i) ids.push_back(random_id(rng));
  struct Case {
    uint64_t bound;
    bool rate_holds;
  };
  for (const Case c : {Case{n, true}, Case{3 * n, true}, Case{0, true}, Case{n / 4, false}}) {
    block::WriterOptions opts;
    opts.bloom_false_positive = 0.01;
    opts.bloom_shard_size_bytes = 4096;  // several shards
    opts.expected_traces = c.bound;
    block::BloomShards shards(opts);
    for (const auto& id : ids) shards.add(id);
    CHECK(shards.over_bound() == (c.bound != 0 && c.bound < n));
    const std::string prefix = "t/b" + std::to_string(c.bound) + "/";
    std::vector<std::string> written;
    uint32_t count = 0;
    REQUIRE(shards.write(*backend, prefix, &written, &count).is_ok());
    INFO("bound " << c.bound);
    // The shard count is fixed by the bound when there is one, by the real count otherwise.
    CHECK(count == block::bloom_shard_count(c.bound == 0 ? n : c.bound, 0.01, 4096));
    REQUIRE(count > 1);
    REQUIRE(written.size() == count);
    std::vector<block::BloomFilter> filters(count);
    for (uint32_t i = 0; i < count; ++i) {
      std::string data;
      REQUIRE(written[i] == prefix + "bloom-" + std::to_string(i));
      REQUIRE(backend->read(written[i], &data).is_ok());
      REQUIRE(block::BloomFilter::decode(data, &filters[i]).is_ok());
    }
    int missing = 0;
    for (const auto& id : ids)
      missing += !filters[block::bloom_shard_of(id, count)].may_contain(id);
    CHECK(missing == 0);
    int positives = 0;
    const int probes = 50000;
    for (int i = 0; i < probes; ++i) {
      const TraceId absent = random_id(rng);
      positives += filters[block::bloom_shard_of(absent, count)].may_contain(absent);
    }
    const double rate = static_cast<double>(positives) / probes;
    INFO("false-positive rate " << rate);
    if (c.rate_holds) {
      CHECK(rate < 0.015);
    } else {
      CHECK(rate > 0.05);  // four times the IDs the filters were sized for
    }
  }
}
