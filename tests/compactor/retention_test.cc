// Retention over a real local backend: blocks past retention disappear from the block list and
// from disk, newer ones and other tenants' newer ones stay, and 0 keeps everything.

#include "tempo/compactor/retention.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "tempo/block/block.h"
#include "tempo/block/block_list.h"
#include "testing/fake_lease_clock.h"
#include "testing/temp_dir.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

uint64_t unix_nanos(Clock::time_point t) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

// A one-trace block whose spans end at `end`.
std::string write_block(tempo::backend::Backend& backend, const std::string& tenant,
                        Clock::time_point end) {
  const std::string id = tempo::block::new_block_id();
  tempo::block::WriterOptions opts;
  opts.format = "vcpp1";  // the payload below is not a TracesData
  tempo::block::BlockWriter w(backend, tenant, id, opts);
  tempo::TraceId trace;
  trace.bytes[15] = 1;
  REQUIRE(w.add(trace, "payload", unix_nanos(end - 1s), unix_nanos(end)).is_ok());
  tempo::block::BlockMeta meta;
  REQUIRE(w.finish(&meta).is_ok());
  return id;
}

std::vector<std::string> ids(const tempo::block::BlockList& list, const std::string& tenant) {
  std::vector<std::string> out;
  for (const auto& m : list.metas(tenant)) out.push_back(m.block_id);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("retention deletes blocks whose newest span is older than the retention") {
  tempo::testing::TempDir dir;
  auto backend = tempo::backend::make_local_backend(dir.path());
  const auto now = Clock::now();
  const std::string old_a = write_block(*backend, "a", now - 3h);
  const std::string edge_a = write_block(*backend, "a", now - 2h + 1min);
  const std::string new_a = write_block(*backend, "a", now - 10min);
  const std::string old_b = write_block(*backend, "b", now - 50h);
  tempo::block::BlockList list(*backend);
  REQUIRE(list.load().is_ok());

  tempo::compactor::RetentionOptions options;
  options.retention = 2h;
  options.compacted_retention = 0s;  // marked and deleted in the same pass
  tempo::compactor::Retention retention(*backend, list, options);
  CHECK(retention.sweep(now) == 2);

  std::vector<std::string> kept{edge_a, new_a};
  std::sort(kept.begin(), kept.end());
  CHECK(ids(list, "a") == kept);
  CHECK(ids(list, "b").empty());
  // Gone from storage too: nothing of the deleted blocks is left, and a fresh load agrees.
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/a/" + old_a));
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/b/" + old_b));
  CHECK(std::filesystem::exists(dir.path() + "/a/" + new_a + "/meta.json"));
  tempo::block::BlockList reloaded(*backend);
  REQUIRE(reloaded.load().is_ok());
  CHECK(ids(reloaded, "a") == kept);

  // A second pass has nothing left to do.
  CHECK(retention.sweep(now) == 0);
  // Time moves on: the rest expires too.
  CHECK(retention.sweep(now + 3h) == 2);
  CHECK(ids(list, "a").empty());
}

TEST_CASE("retention of 0 keeps blocks forever") {
  tempo::testing::TempDir dir;
  auto backend = tempo::backend::make_local_backend(dir.path());
  const std::string id = write_block(*backend, "t", Clock::now() - 24h * 365);
  tempo::block::BlockList list(*backend);
  REQUIRE(list.load().is_ok());
  tempo::compactor::RetentionOptions options;
  options.retention = 0s;
  tempo::compactor::Retention retention(*backend, list, options);
  retention.start();
  CHECK(retention.sweep(Clock::now()) == 0);
  retention.stop();
  CHECK(ids(list, "t") == std::vector<std::string>{id});
}

TEST_CASE("retention marks expired blocks first and deletes them after compacted_block_retention") {
  tempo::testing::TempDir dir;
  auto backend = tempo::backend::make_local_backend(dir.path());
  const auto now = Clock::now();
  const std::string old_id = write_block(*backend, "t", now - 3h);
  const std::string new_id = write_block(*backend, "t", now - 10min);
  tempo::block::BlockList list(*backend);
  REQUIRE(list.load().is_ok());
  tempo::compactor::RetentionOptions options;
  options.retention = 2h;
  options.compacted_retention = 1h;
  tempo::compactor::Retention retention(*backend, list, options);

  size_t deleted = 99;
  CHECK(retention.sweep(now, &deleted) == 1);
  CHECK(deleted == 0);
  // Out of every listing, still on disk with its marker for queries that listed it.
  CHECK(ids(list, "t") == std::vector<std::string>{new_id});
  tempo::block::BlockList reloaded(*backend);
  REQUIRE(reloaded.load().is_ok());
  CHECK(ids(reloaded, "t") == std::vector<std::string>{new_id});
  CHECK(std::filesystem::exists(dir.path() + "/t/" + old_id + "/meta.json"));
  CHECK(std::filesystem::exists(dir.path() + "/t/" + old_id + "/meta.compacted.json"));
  std::vector<tempo::block::BlockMeta> live;
  std::vector<tempo::block::CompactedBlockMeta> compacted;
  REQUIRE(tempo::block::list_blocks(*backend, "t", &live, &compacted).is_ok());
  REQUIRE(compacted.size() == 1);
  CHECK(compacted[0].meta.block_id == old_id);
  CHECK(compacted[0].compacted_unix_nano == unix_nanos(now));

  // Not yet: marked 59 minutes ago.
  CHECK(retention.sweep(now + 59min, &deleted) == 0);
  CHECK(deleted == 0);
  CHECK(std::filesystem::exists(dir.path() + "/t/" + old_id + "/meta.compacted.json"));
  // Past it: gone, marker last; the newer block stays.
  CHECK(retention.sweep(now + 61min, &deleted) == 0);
  CHECK(deleted == 1);
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/t/" + old_id));
  CHECK(std::filesystem::exists(dir.path() + "/t/" + new_id + "/meta.json"));
}

TEST_CASE("meta.compacted.json is the block's meta plus compactedTime") {
  tempo::testing::TempDir dir;
  auto backend = tempo::backend::make_local_backend(dir.path());
  const std::string id = write_block(*backend, "t", Clock::now());
  tempo::block::BlockList list(*backend);
  REQUIRE(list.load().is_ok());
  const auto meta = list.metas("t").at(0);
  REQUIRE(tempo::block::mark_compacted(*backend, meta, 1700000000123456789ULL).is_ok());
  std::string json;
  REQUIRE(backend->read("t/" + id + "/meta.compacted.json", &json).is_ok());
  auto j = nlohmann::json::parse(json);
  CHECK(j.at("compactedTime") == "2023-11-14T22:13:20.123456789Z");
  CHECK(j.at("blockID") == id);
  CHECK(j.at("tenantID") == "t");
  CHECK(j.at("format") == "vcpp1");
  CHECK(j.contains("compactionLevel"));
  tempo::block::CompactedBlockMeta back;
  REQUIRE(tempo::block::CompactedBlockMeta::from_json(json, &back).is_ok());
  CHECK(back.compacted_unix_nano == 1700000000123456789ULL);
  CHECK(back.meta.block_id == id);
  // Without compactedTime it is refused, with the reason.
  j.erase("compactedTime");
  tempo::Status s = tempo::block::CompactedBlockMeta::from_json(j.dump(), &back);
  CHECK(s.is(tempo::Status::Code::kCorruption));
  CHECK(s.message().find("compactedTime") != std::string::npos);
  // And the block is no longer listed.
  tempo::block::BlockList reloaded(*backend);
  REQUIRE(reloaded.load().is_ok());
  CHECK(reloaded.metas("t").empty());
}

namespace {

using tempo::testing::FakeLeaseClock;

using tempo::testing::test_lease_options;

}  // namespace

TEST_CASE("with leases, only the holder of a tenant's lease marks and deletes its blocks") {
  tempo::testing::TempDir dir;
  auto backend = tempo::backend::make_local_backend(dir.path());
  const auto now = Clock::now();
  const std::string old_x = write_block(*backend, "x", now - 3h);
  const std::string marked_x = write_block(*backend, "x", now - 10min);
  const std::string old_y = write_block(*backend, "y", now - 3h);
  const std::string new_y = write_block(*backend, "y", now - 10min);
  {
    // Compacted earlier by someone: due for deletion as soon as a holder sweeps tenant x.
    tempo::block::BlockList list(*backend);
    REQUIRE(list.load().is_ok());
    for (const auto& m : list.metas("x")) {
      if (m.block_id == marked_x) {
        REQUIRE(tempo::block::mark_compacted(*backend, m, unix_nanos(now - 2h)).is_ok());
      }
    }
  }
  auto clock = std::make_shared<FakeLeaseClock>();
  tempo::compactor::Lease lease_a(*backend, test_lease_options("a"), clock);
  tempo::compactor::Lease lease_b(*backend, test_lease_options("b"), clock);
  bool held = false;
  REQUIRE(lease_b.try_acquire("x", &held).is_ok());
  REQUIRE(held);

  tempo::compactor::RetentionOptions options;
  options.retention = 2h;
  options.compacted_retention = 1h;
  tempo::block::BlockList list_a(*backend), list_b(*backend);
  REQUIRE(list_a.load().is_ok());
  REQUIRE(list_b.load().is_ok());
  tempo::compactor::Retention a(*backend, list_a, options, &lease_a);
  tempo::compactor::Retention b(*backend, list_b, options, &lease_b);

  // a takes tenant y's lease and keeps out of tenant x, which b holds.
  size_t deleted = 0;
  CHECK(a.sweep(now, &deleted) == 1);
  CHECK(deleted == 0);  // y's block was marked just now; x's marked block is b's to delete
  CHECK(ids(list_a, "y") == std::vector<std::string>{new_y});
  CHECK(ids(list_a, "x").size() == 1);  // old_x still listed (marked_x left the list when loaded)
  CHECK(std::filesystem::exists(dir.path() + "/x/" + old_x + "/meta.json"));
  CHECK(std::filesystem::exists(dir.path() + "/x/" + marked_x + "/meta.compacted.json"));
  CHECK(std::filesystem::exists(dir.path() + "/y/" + old_y + "/meta.compacted.json"));

  // b does tenant x, and keeps out of y, whose lease a now holds.
  CHECK(b.sweep(now, &deleted) == 1);
  CHECK(deleted == 1);
  CHECK(ids(list_b, "x").empty());
  CHECK(std::filesystem::exists(dir.path() + "/x/" + old_x + "/meta.compacted.json"));
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/x/" + marked_x));
  CHECK(ids(list_b, "y").size() == 2);  // b's own list still has y's old block: not its to mark

  // An hour on, each deletes what it marked, and only that.
  CHECK(a.sweep(now + 1h + 1s, &deleted) == 0);
  CHECK(deleted == 1);
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/y/" + old_y));
  CHECK(std::filesystem::exists(dir.path() + "/x/" + old_x + "/meta.compacted.json"));
}

TEST_CASE("retention per tenant: each tenant's own retention, asked on every pass") {
  tempo::testing::TempDir dir;
  auto backend = tempo::backend::make_local_backend(dir.path());
  const auto now = Clock::now();
  write_block(*backend, "short", now - 3h);
  const std::string long_id = write_block(*backend, "long", now - 3h);
  const std::string forever = write_block(*backend, "forever", now - 24h * 365);
  tempo::block::BlockList list(*backend);
  REQUIRE(list.load().is_ok());
  std::map<std::string, std::chrono::nanoseconds, std::less<>> per_tenant = {
      {"short", 1h}, {"long", 24h}, {"forever", 0s}};
  tempo::compactor::RetentionOptions options;
  options.retention = 1min;  // unused once retention_for is set
  options.compacted_retention = 0s;
  options.retention_for = [&per_tenant](std::string_view t) { return per_tenant.find(t)->second; };
  tempo::compactor::Retention retention(*backend, list, options);
  CHECK(retention.sweep(now) == 1);
  CHECK(ids(list, "short").empty());
  CHECK(ids(list, "long") == std::vector<std::string>{long_id});
  CHECK(ids(list, "forever") == std::vector<std::string>{forever});
  // The long tenant's retention is lowered (a reload): its block goes on the next pass.
  per_tenant["long"] = 2h;
  CHECK(retention.sweep(now) == 1);
  CHECK(ids(list, "long").empty());
  CHECK(ids(list, "forever") == std::vector<std::string>{forever});
}
