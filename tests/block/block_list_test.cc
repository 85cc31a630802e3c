// The block list shared by several processes: a second BlockList over the same backend sees
// what the first wrote, marked compacted and deleted once it polls; polls read only metas they
// have not seen; a failed poll keeps the list; changes made here are not undone by a poll that
// started before them.

#include "tempo/block/block_list.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <functional>

#include "block/recording_backend.h"
#include "tempo/block/block.h"
#include "testing/temp_dir.h"

using namespace tempo;

namespace {

// Where a block's compaction marker lives.
std::string marker_key(const std::string& tenant, const std::string& block_id) {
  return tenant + "/" + block_id + "/meta.compacted.json";
}

// A one-trace block of `tenant`, written and returned by its meta.
block::BlockMeta write_block(backend::Backend& b, const std::string& tenant, uint8_t trace) {
  const std::string id = block::new_block_id();
  block::WriterOptions opts;
  opts.format = "vcpp1";  // the payload is not a TracesData
  block::BlockWriter w(b, tenant, id, opts);
  TraceId tid;
  tid.bytes[15] = trace;
  REQUIRE(w.add(tid, "payload", 1000, 2000).is_ok());
  block::BlockMeta meta;
  REQUIRE(w.finish(&meta).is_ok());
  return meta;
}

std::vector<std::string> ids(const std::vector<block::BlockMeta>& metas) {
  std::vector<std::string> out;
  for (const auto& m : metas) out.push_back(m.block_id);
  return out;
}

std::vector<std::string> compacted_ids(const block::BlockList& list, const std::string& tenant) {
  std::vector<std::string> out;
  for (const auto& c : list.compacted_metas(tenant)) out.push_back(c.meta.block_id);
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

void remove_all(backend::Backend& b, const std::string& tenant, const std::string& id) {
  std::vector<std::string> objects;
  REQUIRE(b.list(tenant + "/" + id + "/", &objects).is_ok());
  for (const auto& o : objects) REQUIRE(b.remove(tenant + "/" + id + "/" + o).is_ok());
}

// Forwards to a backend and runs a hook once before the next recursive listing, to act in the
// middle of a poll.
class HookBackend final : public backend::Backend {
 public:
  explicit HookBackend(backend::Backend& inner) : inner_(inner) {}
  std::function<void()> before_list_objects;

  Status write(std::string_view k, std::string_view d) override { return inner_.write(k, d); }
  Status open_writer(std::string_view k, std::unique_ptr<backend::ObjectWriter>* o) override {
    return inner_.open_writer(k, o);
  }
  Status read(std::string_view k, std::string* o) override { return inner_.read(k, o); }
  Status read_range(std::string_view k, uint64_t off, uint64_t len, std::string* o) override {
    return inner_.read_range(k, off, len, o);
  }
  Status list(std::string_view p, std::vector<std::string>* o) override {
    return inner_.list(p, o);
  }
  Status list_objects(std::string_view p, std::vector<std::string>* o) override {
    if (auto hook = std::exchange(before_list_objects, nullptr)) hook();  // once
    return inner_.list_objects(p, o);
  }
  Status remove(std::string_view k) override { return inner_.remove(k); }
  std::string_view name() const override { return "hook"; }

 private:
  backend::Backend& inner_;
};

}  // namespace

TEST_CASE(
    "block list: a second list over the same backend sees adds, compactions and deletions after a "
    "poll") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  block::BlockList writer(*backend), reader(*backend);
  REQUIRE(writer.load().is_ok());
  REQUIRE(reader.load().is_ok());

  const auto a = write_block(*backend, "t", 1);
  const auto b = write_block(*backend, "t", 2);
  const auto c = write_block(*backend, "t", 3);
  const auto other = write_block(*backend, "u", 4);
  writer.add(a);  // the flushing process sees its own block at once
  CHECK(ids(writer.metas("t")) == std::vector<std::string>{a.block_id});
  CHECK(reader.metas("t").empty());

  REQUIRE(reader.poll().is_ok());
  CHECK(ids(reader.metas("t")) == sorted({a.block_id, b.block_id, c.block_id}));
  CHECK(ids(reader.metas("u")) == std::vector<std::string>{other.block_id});
  CHECK(reader.tenants() == std::vector<std::string>{"t", "u"});
  // The metas are the ones written, not placeholders.
  const auto listed = reader.metas("t");
  auto it = std::find_if(listed.begin(), listed.end(),
                         [&](const block::BlockMeta& m) { return m.block_id == b.block_id; });
  REQUIRE(it != listed.end());
  CHECK(it->to_json() == b.to_json());

  // a: marked compacted next to its meta.json (Tempo's crash window between the two writes);
  // b: instead of it (the marker written, then meta.json removed).
  block::CompactedBlockMeta ca{a, 1700000000123456789ULL}, cb{b, 1700000001000000000ULL};
  REQUIRE(backend->write(marker_key("t", a.block_id), ca.to_json()).is_ok());
  REQUIRE(backend->write(marker_key("t", b.block_id), cb.to_json()).is_ok());
  REQUIRE(backend->remove("t/" + b.block_id + "/meta.json").is_ok());
  REQUIRE(reader.poll().is_ok());
  CHECK(ids(reader.metas("t")) == std::vector<std::string>{c.block_id});
  CHECK(compacted_ids(reader, "t") == sorted({a.block_id, b.block_id}));
  for (const auto& got : reader.compacted_metas("t")) {
    const auto& want = got.meta.block_id == a.block_id ? ca : cb;
    CHECK(got.compacted_unix_nano == want.compacted_unix_nano);
    CHECK(got.meta.to_json() == want.meta.to_json());
  }
  // The writer, which flushed a itself, learns of the compaction the same way.
  REQUIRE(writer.poll().is_ok());
  CHECK(ids(writer.metas("t")) == std::vector<std::string>{c.block_id});

  // Deleted: the compacted block a and the live block c vanish from every list.
  remove_all(*backend, "t", a.block_id);
  block::delete_block(*backend, "t", c.block_id).is_ok();
  REQUIRE(reader.poll().is_ok());
  CHECK(reader.metas("t").empty());
  CHECK(compacted_ids(reader, "t") == std::vector<std::string>{b.block_id});
  CHECK(ids(reader.metas("u")) == std::vector<std::string>{other.block_id});

  // A tenant whose last object is gone is no longer listed.
  block::delete_block(*backend, "u", other.block_id).is_ok();
  REQUIRE(reader.poll().is_ok());
  CHECK(reader.tenants() == std::vector<std::string>{"t"});
}

TEST_CASE("block list: a poll reads only the metas of blocks it has not seen") {
  testing::TempDir dir;
  auto local = backend::make_local_backend(dir.path());
  testing::RecordingBackend rec(*local);
  const auto a = write_block(*local, "t", 1);
  block::BlockList list(rec);
  REQUIRE(list.load().is_ok());

  auto reads = [&] {
    std::vector<std::string> out;
    for (const auto& r : rec.requests()) {
      if (r.op == "read" || r.op == "read_range") out.push_back(r.key);
    }
    return out;
  };
  rec.clear();
  REQUIRE(list.poll().is_ok());
  CHECK(reads().empty());  // nothing new: listings only

  const auto b = write_block(*local, "t", 2);
  rec.clear();
  REQUIRE(list.poll().is_ok());
  CHECK(reads() == std::vector<std::string>{"t/" + b.block_id + "/meta.json"});
  CHECK(ids(list.metas("t")) == sorted({a.block_id, b.block_id}));

  block::CompactedBlockMeta ca{a, 1700000000000000000ULL};
  REQUIRE(local->write(marker_key("t", a.block_id), ca.to_json()).is_ok());
  rec.clear();
  REQUIRE(list.poll().is_ok());
  CHECK(reads() == std::vector<std::string>{"t/" + a.block_id + "/meta.compacted.json"});
  rec.clear();
  REQUIRE(list.poll().is_ok());
  CHECK(reads().empty());
}

TEST_CASE("block list: a failed poll keeps the previous list") {
  testing::TempDir dir;
  auto local = backend::make_local_backend(dir.path());
  testing::RecordingBackend rec(*local);
  const auto a = write_block(*local, "t", 1);
  const auto u = write_block(*local, "u", 1);
  block::BlockList list(rec);
  REQUIRE(list.load().is_ok());

  // A new block in t that cannot be listed or read, and a deletion in t: t keeps its old
  // list; u, which polled fine, is updated.
  const auto b = write_block(*local, "t", 2);
  const auto u2 = write_block(*local, "u", 2);
  rec.fail_keys_containing(b.block_id + "/meta.json");
  Status s = list.poll();
  CHECK(s.is(Status::Code::kIOError));
  CHECK(ids(list.metas("t")) == std::vector<std::string>{a.block_id});
  CHECK(ids(list.metas("u")) == sorted({u.block_id, u2.block_id}));

  // The listing itself failing, after a's deletion: a stays listed.
  block::delete_block(*local, "t", a.block_id).is_ok();
  rec.fail_keys_containing("t/");
  CHECK_FALSE(list.poll().is_ok());
  CHECK(ids(list.metas("t")) == std::vector<std::string>{a.block_id});
  // Once the backend answers again the list catches up.
  rec.fail_keys_containing("");
  REQUIRE(list.poll().is_ok());
  CHECK(ids(list.metas("t")) == std::vector<std::string>{b.block_id});
}

TEST_CASE("block list: changes made here during a poll are not undone by it") {
  testing::TempDir dir;
  auto local = backend::make_local_backend(dir.path());
  HookBackend hook(*local);
  const auto old = write_block(*local, "t", 1);
  block::BlockList list(hook);
  REQUIRE(list.load().is_ok());

  const auto flushed = write_block(*local, "t", 2);
  REQUIRE(list.poll().is_ok());
  CHECK(ids(list.metas("t")) == sorted({old.block_id, flushed.block_id}));

  // A flush finishing during the poll, after the poll began but before its meta.json is in the
  // listing the poll takes: still listed afterwards.
  const auto late = write_block(*local, "t", 3);
  REQUIRE(local->remove("t/" + late.block_id + "/meta.json").is_ok());
  hook.before_list_objects = [&] { list.add(late); };
  REQUIRE(list.poll().is_ok());
  CHECK(ids(list.metas("t")) == sorted({old.block_id, flushed.block_id, late.block_id}));
  CHECK(list.unfinished("t").empty());  // listed, so never an orphan to sweep
  REQUIRE(local->write("t/" + late.block_id + "/meta.json", late.to_json()).is_ok());

  // Removed here while its objects are still in the backend (retention unlists a block before
  // deleting it): no poll lists it again, and once it is gone from the backend the tombstone
  // goes too.
  list.remove("t", old.block_id);
  REQUIRE(list.poll().is_ok());
  CHECK(ids(list.metas("t")) == sorted({flushed.block_id, late.block_id}));
  block::delete_block(*local, "t", old.block_id).is_ok();
  REQUIRE(list.poll().is_ok());
  CHECK(ids(list.metas("t")) == sorted({flushed.block_id, late.block_id}));

  // Marked compacted here (marker written, then the list told): out of metas() at once, and
  // the poll agrees.
  const block::CompactedBlockMeta marked{flushed, 1700000000000000000ULL};
  REQUIRE(local->write(marker_key("t", flushed.block_id), marked.to_json()).is_ok());
  list.mark_compacted(marked);
  CHECK(ids(list.metas("t")) == std::vector<std::string>{late.block_id});
  REQUIRE(list.poll().is_ok());
  CHECK(ids(list.metas("t")) == std::vector<std::string>{late.block_id});
  CHECK(compacted_ids(list, "t") == std::vector<std::string>{flushed.block_id});
}

TEST_CASE(
    "block list: directories without a meta are reported as unfinished with when first seen") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  const auto a = write_block(*backend, "t", 1);
  const std::string orphan = block::new_block_id();
  REQUIRE(backend->write("t/" + orphan + "/data", "half a block").is_ok());
  REQUIRE(backend->write("t/compactor-lease.json", "{}").is_ok());  // not a block
  block::BlockList list(*backend);
  REQUIRE(list.load().is_ok());
  CHECK(ids(list.metas("t")) == std::vector<std::string>{a.block_id});
  auto unfinished = list.unfinished("t");
  REQUIRE(unfinished.size() == 1);
  CHECK(unfinished[0].block_id == orphan);
  const auto first_seen = unfinished[0].first_seen;
  REQUIRE(list.poll().is_ok());
  unfinished = list.unfinished("t");
  REQUIRE(unfinished.size() == 1);
  CHECK(unfinished[0].first_seen == first_seen);
  // Finished after all: no longer unfinished.
  block::BlockMeta m = a;
  m.block_id = orphan;
  REQUIRE(backend->write("t/" + orphan + "/meta.json", m.to_json()).is_ok());
  REQUIRE(list.poll().is_ok());
  CHECK(list.unfinished("t").empty());
  CHECK(ids(list.metas("t")) == sorted({a.block_id, orphan}));
}
