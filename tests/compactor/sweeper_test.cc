// Sweeping a real local backend: block directories that never got a meta.json are removed
// once older than the grace period, and temporary files of dead writers go, but only by the
// lease holder; finished, compacted and young blocks stay.

#include "tempo/compactor/sweeper.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tempo/block/block.h"
#include "tempo/block/block_list.h"
#include "tempo/compactor/lease.h"
#include "testing/temp_dir.h"

using namespace tempo;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// Where a block's compaction marker lives.
std::string marker_key(const std::string& tenant, const std::string& block_id) {
  return tenant + "/" + block_id + "/meta.compacted.json";
}

block::BlockMeta write_block(backend::Backend& b, const std::string& tenant) {
  const std::string id = block::new_block_id();
  block::WriterOptions opts;
  opts.format = "vcpp1";
  block::BlockWriter w(b, tenant, id, opts);
  TraceId tid;
  tid.bytes[15] = 1;
  REQUIRE(w.add(tid, "payload", 1000, 2000).is_ok());
  block::BlockMeta meta;
  REQUIRE(w.finish(&meta).is_ok());
  return meta;
}

// A block directory as a crashed flush leaves it: every object but meta.json.
std::string write_orphan(backend::Backend& b, const std::string& tenant) {
  const auto meta = write_block(b, tenant);
  REQUIRE(b.remove(tenant + "/" + meta.block_id + "/meta.json").is_ok());
  return meta.block_id;
}

// The pid of a process that has exited.
pid_t dead_pid() {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return pid;
}

compactor::LeaseOptions fast_lease(const std::string& owner) {
  compactor::LeaseOptions o;
  o.owner = owner;
  o.settle = 300ms;  // local writes fsync: room for a slow disk
  return o;
}

}  // namespace

TEST_CASE(
    "sweeper: the lease holder removes orphaned blocks past the grace period and stale temporary "
    "files") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  const auto live = write_block(*backend, "t");
  const auto compacted = write_block(*backend, "t");
  REQUIRE(backend->remove("t/" + compacted.block_id + "/meta.json").is_ok());
  REQUIRE(backend
              ->write(marker_key("t", compacted.block_id),
                      block::CompactedBlockMeta{compacted, 1}.to_json())
              .is_ok());
  const std::string orphan = write_orphan(*backend, "t");
  const std::string other_tenant_orphan = write_orphan(*backend, "u");
  // A temporary file of a writer that died an hour ago, one of this live process, and one of
  // a dead writer that is too recent to judge.
  const std::string dead_tmp =
      dir.sub("t/" + live.block_id + "/.tmp-data." + std::to_string(dead_pid()) + ".0.1");
  const std::string live_tmp =
      dir.sub("t/" + live.block_id + "/.tmp-index." + std::to_string(::getpid()) + ".0.2");
  const std::string young_tmp =
      dir.sub("t/" + live.block_id + "/.tmp-bloom-0." + std::to_string(dead_pid()) + ".0.3");
  for (const auto& p : {dead_tmp, live_tmp, young_tmp}) std::ofstream(p) << "partial";
  fs::last_write_time(dead_tmp, fs::file_time_type::clock::now() - 2h);
  fs::last_write_time(live_tmp, fs::file_time_type::clock::now() + 1min);  // after our start

  block::BlockList list(*backend);
  REQUIRE(list.load().is_ok());
  compactor::Lease lease(*backend, fast_lease("me"));
  compactor::Lease rival(*backend, fast_lease("rival"));
  compactor::SweepOptions options;
  options.grace = 1h;
  compactor::Sweeper sweeper(*backend, list, lease, options);
  const auto now = std::chrono::steady_clock::now();

  // Without the lease: nothing happens.
  bool held = false;
  REQUIRE(rival.try_acquire("t", &held).is_ok());
  REQUIRE(held);
  compactor::SweepCounts counts;
  REQUIRE(sweeper.sweep_tenant("t", now + 2h, &counts).is_ok());
  CHECK(counts.orphaned_blocks == 0);
  CHECK(fs::exists(dir.sub("t/" + orphan + "/data")));
  REQUIRE(rival.release("t").is_ok());
  REQUIRE(lease.try_acquire("t", &held).is_ok());
  REQUIRE(held);

  // Within the grace period: the orphan could be a write in progress.
  REQUIRE(sweeper.sweep_tenant("t", now, &counts).is_ok());
  CHECK(counts.orphaned_blocks == 0);
  CHECK(fs::exists(dir.sub("t/" + orphan + "/data")));

  REQUIRE(sweeper.sweep_tenant("t", now + 2h, &counts).is_ok());
  CHECK(counts.orphaned_blocks == 1);
  CHECK(counts.orphaned_objects == 3);  // data, index, bloom-0
  CHECK(counts.temporary_files == 1);
  CHECK_FALSE(fs::exists(dir.sub("t/" + orphan)));
  CHECK_FALSE(fs::exists(dead_tmp));
  CHECK(fs::exists(live_tmp));
  CHECK(fs::exists(young_tmp));
  // Finished and compacted blocks and the other tenant (not swept here) are untouched.
  CHECK(fs::exists(dir.sub("t/" + live.block_id + "/meta.json")));
  CHECK(fs::exists(dir.sub("t/" + compacted.block_id + "/data")));
  CHECK(fs::exists(dir.sub("u/" + other_tenant_orphan + "/data")));
  REQUIRE(list.poll().is_ok());
  CHECK(list.unfinished("t").empty());
  CHECK(list.metas("t").size() == 1);
}

TEST_CASE("sweeper: a block that got its meta.json since the poll is left alone") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  const auto meta = write_block(*backend, "t");
  REQUIRE(backend->remove("t/" + meta.block_id + "/meta.json").is_ok());
  block::BlockList list(*backend);
  REQUIRE(list.load().is_ok());
  REQUIRE(list.unfinished("t").size() == 1);
  REQUIRE(backend->write("t/" + meta.block_id + "/meta.json", meta.to_json()).is_ok());

  compactor::Lease lease(*backend, fast_lease("me"));
  bool held = false;
  REQUIRE(lease.try_acquire("t", &held).is_ok());
  REQUIRE(held);
  compactor::Sweeper sweeper(*backend, list, lease, compactor::SweepOptions{});
  compactor::SweepCounts counts;
  REQUIRE(sweeper.sweep_tenant("t", std::chrono::steady_clock::now() + 24h, &counts).is_ok());
  CHECK(counts.orphaned_blocks == 0);
  CHECK(fs::exists(dir.sub("t/" + meta.block_id + "/data")));
  REQUIRE(list.poll().is_ok());
  CHECK(list.metas("t").size() == 1);
}
