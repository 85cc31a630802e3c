// Retention over a real local backend: blocks past retention disappear from the block list and
// from disk, newer ones and other tenants' newer ones stay, and 0 keeps everything.

#include <catch2/catch.hpp>
#include <filesystem>

#include "tempo/block/block.h"
#include "tempo/block/block_list.h"
#include "tempo/compactor/retention.h"
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
