// The compactor over a real local backend: overlapping traces combined with repeated spans
// dropped, vcpp1 inputs rewritten as vcpp2, inputs marked compacted and gone from every
// listing, a failure before the markers leaving every trace readable once, and readers that
// listed an input before compaction reading it until retention deletes it.

#include "tempo/compactor/compactor.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "block/recording_backend.h"
#include "tempo/block/block.h"
#include "tempo/block/block_list.h"
#include "tempo/compactor/retention.h"
#include "tempo/model/trace_combine.h"
#include "tempo/observability/metrics.h"
#include "testing/fake_lease_clock.h"
#include "testing/temp_dir.h"
#include "testing/trace_gen.h"

namespace {

using namespace std::chrono_literals;
using opentelemetry::proto::trace::v1::TracesData;
using tempo::TraceId;
using tempo::block::BlockMeta;

// The spans of `t` whose position (in document order) is in [from, to), keeping the
// resource and scope of each.
TracesData slice(const TracesData& t, int from, int to) {
  TracesData out;
  int pos = 0;
  for (const auto& rs : t.resource_spans()) {
    auto* ors = out.add_resource_spans();
    *ors->mutable_resource() = rs.resource();
    for (const auto& ss : rs.scope_spans()) {
      auto* oss = ors->add_scope_spans();
      *oss->mutable_scope() = ss.scope();
      for (const auto& sp : ss.spans()) {
        if (pos >= from && pos < to) *oss->add_spans() = sp;
        ++pos;
      }
      if (oss->spans_size() == 0) ors->mutable_scope_spans()->RemoveLast();
    }
    if (ors->scope_spans_size() == 0) out.mutable_resource_spans()->RemoveLast();
  }
  return out;
}

struct Piece {
  TraceId id;
  TracesData data;
};

BlockMeta write_block(tempo::backend::Backend& backend, std::vector<Piece> pieces,
                      const std::string& format = "vcpp2", uint32_t level = 0) {
  std::sort(pieces.begin(), pieces.end(),
            [](const Piece& a, const Piece& b) { return a.id < b.id; });
  tempo::block::WriterOptions wo;
  wo.format = format;
  wo.compaction_level = level;
  wo.row_group_spans = 25;  // several groups per block, so the merge crosses group borders
  wo.page_size_bytes = 4096;
  tempo::block::BlockWriter w(backend, "t", tempo::block::new_block_id(), wo);
  for (const auto& p : pieces) {
    REQUIRE(w.add(p.id, p.data.SerializeAsString(), 1700000000000000000ULL, 1700000001000000000ULL)
                .is_ok());
  }
  BlockMeta meta;
  REQUIRE(w.finish(&meta).is_ok());
  return meta;
}

// What a lookup over `blocks` (in block-ID order, as the querier goes) returns for `id`.
std::string lookup(tempo::block::BlockList& list, const std::vector<BlockMeta>& blocks,
                   const TraceId& id) {
  std::vector<BlockMeta> sorted = blocks;
  std::sort(sorted.begin(), sorted.end(),
            [](const BlockMeta& a, const BlockMeta& b) { return a.block_id < b.block_id; });
  std::vector<std::string> segments;
  for (const auto& m : sorted) {
    std::shared_ptr<tempo::block::BlockReader> r;
    REQUIRE(list.reader(m, &r).is_ok());
    std::string payload;
    bool found = false;
    REQUIRE(r->find(id, &payload, &found).is_ok());
    if (found) segments.push_back(payload);
  }
  if (segments.empty()) return "";
  TracesData t;
  REQUIRE(tempo::model::combine_segments(segments, &t).is_ok());
  return t.SerializeAsString();
}

std::set<std::string> span_ids(const std::string& serialized) {
  TracesData t;
  REQUIRE(t.ParseFromString(serialized));
  std::set<std::string> out;
  size_t n = 0;
  for (const auto& rs : t.resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& sp : ss.spans()) {
        out.insert(sp.span_id());
        ++n;
      }
  REQUIRE(n == out.size());  // no span twice
  return out;
}

// Three blocks: traces 0-39 split with overlap over blocks A (spans 0-6) and B (spans 4-9,
// so 4-6 are exact duplicates), traces 40-59 only in C (a vcpp1 block), traces 60-69 in A
// and C whole (every span repeated).
struct Fixture {
  tempo::testing::TempDir dir;
  std::unique_ptr<tempo::backend::Backend> disk = tempo::backend::make_local_backend(dir.path());
  tempo::testing::RecordingBackend backend{*disk};
  tempo::block::BlockList list{backend};
  std::vector<tempo::testing::GeneratedTrace> traces;
  std::vector<BlockMeta> inputs;

  Fixture() {
    tempo::testing::GenOptions g;
    for (uint64_t n = 0; n < 70; ++n) traces.push_back(tempo::testing::generate_trace(g, n));
    std::vector<Piece> a, b, c;
    for (int n = 0; n < 40; ++n) {
      a.push_back({traces[n].id, slice(traces[n].data, 0, 7)});
      b.push_back({traces[n].id, slice(traces[n].data, 4, 10)});
    }
    for (int n = 40; n < 60; ++n) c.push_back({traces[n].id, traces[n].data});
    for (int n = 60; n < 70; ++n) {
      a.push_back({traces[n].id, traces[n].data});
      c.push_back({traces[n].id, traces[n].data});
    }
    inputs = {write_block(backend, a), write_block(backend, b, "vcpp2", 1),
              write_block(backend, c, "vcpp1")};
    REQUIRE(list.load().is_ok());
  }
};

}  // namespace

TEST_CASE("compaction combines overlapping traces and drops repeated spans") {
  Fixture f;
  std::map<TraceId, std::string> before;
  for (const auto& t : f.traces) before[t.id] = lookup(f.list, f.inputs, t.id);

  tempo::compactor::CompactorOptions o;
  tempo::compactor::Compactor c(f.backend, f.list, o);
  tempo::compactor::JobResult r;
  REQUIRE(c.compact(f.inputs, &r).is_ok());

  const BlockMeta& out = r.output;
  CHECK(out.format == "vcpp2");
  CHECK(out.compaction_level == 2);  // highest input level + 1
  CHECK(out.total_objects == 70);
  CHECK(r.traces_in == 40 + 40 + 20 + 10 + 10);
  CHECK(r.traces_combined == 50);
  // Only the output is listed, in memory and on a fresh load.
  auto listed = f.list.metas("t");
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].block_id == out.block_id);
  tempo::block::BlockList fresh(*f.disk);
  REQUIRE(fresh.load().is_ok());
  REQUIRE(fresh.metas("t").size() == 1);
  CHECK(fresh.metas("t")[0].block_id == out.block_id);
  // The inputs carry meta.compacted.json with Tempo's compactedTime and their own meta.
  std::vector<BlockMeta> live;
  std::vector<tempo::block::CompactedBlockMeta> compacted;
  REQUIRE(tempo::block::list_blocks(*f.disk, "t", &live, &compacted).is_ok());
  REQUIRE(compacted.size() == 3);
  for (const auto& cm : compacted) {
    CHECK(cm.compacted_unix_nano > 0);
    bool is_input = false;
    for (const auto& in : f.inputs) is_input |= in.block_id == cm.meta.block_id;
    CHECK(is_input);
  }

  // Every trace reads back exactly as a lookup over the inputs combined it, and whole.
  for (const auto& t : f.traces) {
    const std::string after = lookup(f.list, {out}, t.id);
    INFO(t.id.hex());
    CHECK(after == before[t.id]);
    CHECK(span_ids(after).size() == 10);
  }
  // A trace ID in no input is not in the output either.
  TraceId absent;
  absent.bytes[0] = 0x42;
  CHECK(lookup(f.list, {out}, absent).empty());
}

TEST_CASE("a compaction that fails before marking its inputs leaves every trace readable once") {
  Fixture f;
  std::map<TraceId, std::string> before;
  for (const auto& t : f.traces) before[t.id] = lookup(f.list, f.inputs, t.id);
  tempo::compactor::Compactor c(f.backend, f.list, {});
  f.backend.fail_keys_containing("meta.compacted.json");
  tempo::compactor::JobResult r;
  CHECK_FALSE(c.compact(f.inputs, &r).is_ok());
  // The output is complete and listed; no input is marked: every trace is in two places, and
  // a lookup that combines the pieces sees each span once, exactly as before.
  f.backend.fail_keys_containing("");
  tempo::block::BlockList fresh(*f.disk);
  REQUIRE(fresh.load().is_ok());
  auto all = fresh.metas("t");
  REQUIRE(all.size() == 4);
  for (const auto& t : f.traces) {
    const std::string now = lookup(fresh, all, t.id);
    CHECK(span_ids(now) == span_ids(before[t.id]));
  }
  // The next cycle compacts the leftovers (output is level 2, inputs 0-1: the selector merges
  // one level at a time, so compact them by hand as an older window would).
  REQUIRE(c.compact(all, &r).is_ok());
  REQUIRE(f.list.metas("t").size() == 1);
  for (const auto& t : f.traces) {
    CHECK(span_ids(lookup(f.list, f.list.metas("t"), t.id)) == span_ids(before[t.id]));
  }
}

TEST_CASE("readers of compacted blocks keep working until compacted_block_retention passes") {
  Fixture f;
  // A query that listed the inputs before compaction and holds their readers.
  std::vector<std::shared_ptr<tempo::block::BlockReader>> held;
  for (const auto& m : f.inputs) {
    std::shared_ptr<tempo::block::BlockReader> r;
    REQUIRE(f.list.reader(m, &r).is_ok());
    held.push_back(r);
  }
  tempo::compactor::Compactor c(f.backend, f.list, {});
  tempo::compactor::JobResult r;
  REQUIRE(c.compact(f.inputs, &r).is_ok());

  tempo::compactor::RetentionOptions ro;
  ro.retention = 0s;  // block retention off: only compacted blocks are deleted
  ro.compacted_retention = 1h;
  tempo::compactor::Retention retention(f.backend, f.list, ro);
  const auto now = std::chrono::system_clock::now();
  size_t deleted = 99;
  CHECK(retention.sweep(now, &deleted) == 0);
  CHECK(deleted == 0);
  // Still readable through the readers held (and through readers opened from the old list).
  for (auto& reader : held) {
    std::string payload;
    bool found = false;
    REQUIRE(reader->find(f.traces[65].id, &payload, &found).is_ok());
    if (reader->meta().block_id != f.inputs[1].block_id) CHECK(found);
  }
  // Past compacted_block_retention the inputs are deleted, the output stays.
  CHECK(retention.sweep(now + 2h, &deleted) == 0);
  CHECK(deleted == 3);
  for (const auto& m : f.inputs) {
    CHECK_FALSE(std::filesystem::exists(f.dir.path() + "/t/" + m.block_id));
  }
  CHECK(std::filesystem::exists(f.dir.path() + "/t/" + r.output.block_id + "/meta.json"));
  std::string payload;
  bool found = false;
  CHECK(held[0]->find(f.traces[65].id, &payload, &found).is(tempo::Status::Code::kNotFound));
}

TEST_CASE("compaction cycles run the selected jobs until one block per window is left") {
  Fixture f;
  tempo::compactor::CompactorOptions o;
  tempo::compactor::Compactor c(f.backend, f.list, o);
  // The fixture's blocks end in 2023: an old window, compacted two at a time regardless of
  // level. Each cycle selects from the list as it was when the cycle began.
  size_t jobs = 0;
  REQUIRE(c.run_cycle(&jobs).is_ok());
  CHECK(jobs == 1);
  CHECK(f.list.metas("t").size() == 2);
  REQUIRE(c.run_cycle(&jobs).is_ok());
  CHECK(jobs == 1);
  REQUIRE(f.list.metas("t").size() == 1);
  CHECK(f.list.metas("t")[0].total_objects == 70);
  REQUIRE(c.run_cycle(&jobs).is_ok());
  CHECK(jobs == 0);
  const std::string text = tempo::metrics::serialize_text();
  CHECK(text.find("tempodb_compaction_outstanding_blocks{tenant=\"t\"} 0") != std::string::npos);
  CHECK(text.find("tempodb_compaction_blocks_total{level=") != std::string::npos);
}

TEST_CASE("a job that fails does not stop the other jobs of the cycle") {
  tempo::testing::TempDir dir;
  auto disk = tempo::backend::make_local_backend(dir.path());
  tempo::testing::RecordingBackend backend(*disk);
  tempo::testing::GenOptions g;
  std::vector<BlockMeta> metas;
  for (uint64_t n = 0; n < 4; ++n) {
    auto t = tempo::testing::generate_trace(g, n);
    metas.push_back(write_block(backend, {{t.id, t.data}}));
  }
  std::sort(metas.begin(), metas.end(),
            [](const BlockMeta& a, const BlockMeta& b) { return a.block_id < b.block_id; });
  tempo::block::BlockList list(backend);
  REQUIRE(list.load().is_ok());
  // Equal sizes in one old window: the jobs pair the blocks in block-ID order. The first
  // pair's first block cannot be read.
  backend.fail_keys_containing(metas[0].block_id + "/data");
  tempo::compactor::Compactor c(backend, list, {});
  size_t jobs = 0;
  tempo::Status s = c.run_cycle(&jobs);
  CHECK(s.is(tempo::Status::Code::kIOError));
  CHECK(jobs == 1);
  // The failed job's inputs are still listed, unmarked; the other pair is one block now.
  std::set<std::string> listed;
  for (const auto& m : list.metas("t")) listed.insert(m.block_id);
  CHECK(listed.size() == 3);
  CHECK(listed.count(metas[0].block_id) == 1);
  CHECK(listed.count(metas[1].block_id) == 1);
  CHECK_FALSE(
      std::filesystem::exists(dir.path() + "/t/" + metas[0].block_id + "/meta.compacted.json"));
  CHECK(tempo::metrics::serialize_text().find("tempodb_compaction_errors_total 1") !=
        std::string::npos);
}

namespace {

using tempo::testing::FakeLeaseClock;

using tempo::testing::test_lease_options;

// The block IDs a fresh listing of the backend finds live, and how many are marked compacted.
std::set<std::string> live_blocks(tempo::backend::Backend& backend, size_t* compacted = nullptr) {
  std::vector<BlockMeta> live;
  std::vector<tempo::block::CompactedBlockMeta> marked;
  REQUIRE(tempo::block::list_blocks(backend, "t", &live, &marked).is_ok());
  if (compacted) *compacted = marked.size();
  std::set<std::string> out;
  for (const auto& m : live) out.insert(m.block_id);
  return out;
}

// Calls a hook before the write of an object whose key ends in `suffix`.
class HookBackend final : public tempo::backend::Backend {
 public:
  explicit HookBackend(tempo::backend::Backend& inner) : inner_(inner) {}
  std::string suffix;
  std::function<void()> hook;

  tempo::Status write(std::string_view k, std::string_view d) override {
    fire(k);
    return inner_.write(k, d);
  }
  tempo::Status open_writer(std::string_view k,
                            std::unique_ptr<tempo::backend::ObjectWriter>* o) override {
    fire(k);
    return inner_.open_writer(k, o);
  }
  tempo::Status read(std::string_view k, std::string* o) override { return inner_.read(k, o); }
  tempo::Status read_range(std::string_view k, uint64_t off, uint64_t len,
                           std::string* o) override {
    return inner_.read_range(k, off, len, o);
  }
  tempo::Status list(std::string_view p, std::vector<std::string>* o) override {
    return inner_.list(p, o);
  }
  tempo::Status remove(std::string_view k) override { return inner_.remove(k); }
  std::string_view name() const override { return "hook"; }

 private:
  void fire(std::string_view k) {
    if (!suffix.empty() && k.size() >= suffix.size() &&
        k.substr(k.size() - suffix.size()) == suffix) {
      if (auto h = std::exchange(hook, nullptr)) h();
    }
  }
  tempo::backend::Backend& inner_;
};

}  // namespace

TEST_CASE("two compactors sharing a backend: only the lease holder compacts a tenant") {
  Fixture f;
  auto clock = std::make_shared<FakeLeaseClock>();
  tempo::compactor::Lease lease_a(f.backend, test_lease_options("a"), clock);
  tempo::compactor::Lease lease_b(f.backend, test_lease_options("b"), clock);
  // Each process has its own block list; b's is loaded before a compacts, so b would select
  // the same job as a if the lease did not stop it.
  std::map<TraceId, std::string> before;
  for (const auto& t : f.traces) before[t.id] = lookup(f.list, f.inputs, t.id);
  tempo::block::BlockList list_b(f.backend);
  REQUIRE(list_b.load().is_ok());
  tempo::compactor::Compactor a(f.backend, f.list, {}, nullptr, &lease_a);
  tempo::compactor::Compactor b(f.backend, list_b, {}, nullptr, &lease_b);

  size_t jobs = 0;
  REQUIRE(a.run_cycle(&jobs).is_ok());
  CHECK(jobs == 1);
  size_t marked = 0;
  const auto after_a = live_blocks(*f.disk, &marked);
  CHECK(after_a.size() == 2);
  CHECK(marked == 2);

  REQUIRE(b.run_cycle(&jobs).is_ok());
  CHECK(jobs == 0);
  CHECK(live_blocks(*f.disk, &marked) == after_a);  // b wrote no block and marked nothing
  CHECK(marked == 2);
  CHECK(list_b.metas("t").size() == 3);  // b's stale list is untouched too

  SECTION("after the holder releases the lease") { REQUIRE(lease_a.release("t").is_ok()); }
  SECTION("after the holder's lease expires") { clock->advance(61s); }

  // b takes over, from an up-to-date list; a, asking again, is now the one turned away.
  REQUIRE(list_b.load().is_ok());
  REQUIRE(b.run_cycle(&jobs).is_ok());
  CHECK(jobs == 1);
  CHECK(lease_b.held("t"));
  REQUIRE(a.run_cycle(&jobs).is_ok());
  CHECK(jobs == 0);
  CHECK_FALSE(lease_a.held("t"));
  const auto final_blocks = live_blocks(*f.disk, &marked);
  REQUIRE(final_blocks.size() == 1);
  CHECK(marked == 4);
  REQUIRE(list_b.metas("t").size() == 1);
  CHECK(list_b.metas("t")[0].total_objects == 70);
  for (const auto& t : f.traces) {
    CHECK(span_ids(lookup(list_b, list_b.metas("t"), t.id)) == span_ids(before[t.id]));
  }
}

TEST_CASE("a compactor that loses its lease after writing the output leaves the inputs unmarked") {
  Fixture f;
  HookBackend hooked(f.backend);
  auto clock = std::make_shared<FakeLeaseClock>();
  tempo::compactor::Lease lease(hooked, test_lease_options("a"), clock);
  bool held = false;
  REQUIRE(lease.try_acquire("t", &held).is_ok());
  REQUIRE(held);
  std::map<TraceId, std::string> before;
  for (const auto& t : f.traces) before[t.id] = lookup(f.list, f.inputs, t.id);
  const auto inputs_listed = live_blocks(*f.disk);
  REQUIRE(inputs_listed.size() == 3);

  // The output's meta.json is its last object: the lease runs out just as it is written, as
  // when a merge outlasts the ttl or the process stalls.
  hooked.suffix = "/meta.json";
  hooked.hook = [&] { clock->advance(61s); };
  tempo::compactor::Compactor c(hooked, f.list, {}, nullptr, &lease);
  tempo::compactor::JobResult r;
  tempo::Status s = c.compact(f.inputs, &r);
  CHECK(s.is(tempo::Status::Code::kUnavailable));
  CHECK_FALSE(lease.held("t"));

  // The output exists; no input got a marker, so all three stay listed for the new holder.
  size_t marked = 0;
  const auto now_listed = live_blocks(*f.disk, &marked);
  CHECK(marked == 0);
  CHECK(now_listed.size() == 4);
  CHECK(now_listed.count(r.output.block_id) == 1);
  for (const auto& id : inputs_listed) CHECK(now_listed.count(id) == 1);
  // Readers combine the duplicate with the inputs: every trace has the same spans as before.
  tempo::block::BlockList fresh(*f.disk);
  REQUIRE(fresh.load().is_ok());
  for (const auto& t : f.traces) {
    CHECK(span_ids(lookup(fresh, fresh.metas("t"), t.id)) == span_ids(before[t.id]));
  }
}
