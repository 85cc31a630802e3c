// BlockWriter and BlockReader through the real local backend, for the vcpp1 format (opaque
// payloads). vcpp2 has its own tests in vcpp2_test.cc.

#include "tempo/block/block.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <thread>

#include "block/block_format.h"
#include "block/zstd_codec.h"
#include "recording_backend.h"
#include "tempo/block/encoding.h"
#include "test_ids.h"
#include "testing/temp_dir.h"

using namespace tempo;
using tempo::testing::random_id;

namespace {

using Traces = std::map<TraceId, std::string>;

block::WriterOptions v1_options() {
  block::WriterOptions o;
  o.format = "vcpp1";
  return o;
}

std::string payload_for(std::mt19937_64& rng, size_t size) {
  std::string s(size, '\0');
  for (auto& c : s) c = static_cast<char>(rng() % 7 + 'a');  // compressible, like protobuf
  return s;
}

Traces make_traces(uint64_t seed, int n, size_t max_size) {
  std::mt19937_64 rng(seed);
  Traces t;
  while (static_cast<int>(t.size()) < n) t[random_id(rng)] = payload_for(rng, rng() % max_size);
  return t;
}

Status write_block(backend::Backend& b, const std::string& tenant, const std::string& id,
                   const Traces& traces, block::WriterOptions opts, block::BlockMeta* meta) {
  block::BlockWriter w(b, tenant, id, opts);
  uint64_t t = 1000;
  for (const auto& [tid, p] : traces) {
    TEMPO_RETURN_IF_ERROR(w.add(tid, p, t, t + 5));
    t += 10;
  }
  return w.finish(meta);
}

std::vector<block::format::IndexEntry> read_index(backend::Backend& b, const block::BlockMeta& m) {
  std::string compressed, raw;
  REQUIRE(b.read(m.tenant_id + "/" + m.block_id + "/index", &compressed).is_ok());
  const size_t raw_size = 12 + m.total_records * block::format::kIndexEntrySize + 4;
  REQUIRE(block::ZstdDecompressor().decompress(compressed, raw_size, &raw).is_ok());
  std::vector<block::format::IndexEntry> entries;
  REQUIRE(block::format::decode_index(raw, &entries).is_ok());
  return entries;
}

TraceId absent_id(std::mt19937_64& rng, const Traces& traces) {
  for (;;) {
    TraceId id = random_id(rng);
    if (!traces.count(id)) return id;
  }
}

}  // namespace

TEST_CASE("block round trip: every trace found with its bytes, absent ones not") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  Traces traces = make_traces(42, 3000, 4000);
  std::mt19937_64 rng(43);
  traces[random_id(rng)] = "";                                      // empty payload
  const TraceId huge = random_id(rng);
  traces[huge] = payload_for(rng, 3 * 1024 * 1024);                 // one 3 MiB trace
  block::WriterOptions opts = v1_options();
  opts.page_size_bytes = 16 * 1024;
  opts.bloom_shard_size_bytes = 1024;  // several shards
  const std::string id = block::new_block_id();
  block::BlockMeta meta;
  REQUIRE(write_block(*backend, "tenant", id, traces, opts, &meta).is_ok());

  CHECK(meta.block_id == id);
  CHECK(meta.tenant_id == "tenant");
  CHECK(meta.total_objects == traces.size());
  CHECK(meta.bloom_shards > 1);
  CHECK(meta.index_page_size == 16 * 1024);
  CHECK(meta.start_unix_nano == 1000);
  CHECK(meta.end_unix_nano == 1000 + 10 * (traces.size() - 1) + 5);
  CHECK(meta.min_id == traces.begin()->first);
  CHECK(meta.max_id == traces.rbegin()->first);
  std::string data;
  REQUIRE(backend->read("tenant/" + id + "/data", &data).is_ok());
  CHECK(meta.size == data.size());
  std::vector<std::string> objects;
  REQUIRE(backend->list("tenant/" + id + "/", &objects).is_ok());
  CHECK(objects.size() == 3 + meta.bloom_shards);  // data, index, meta.json, bloom-N

  // Pages are cut at the first record that takes them to the page size; the huge trace
  // makes one page far larger.
  const auto index = read_index(*backend, meta);
  REQUIRE(index.size() == meta.total_records);
  CHECK(index.size() > 100);
  uint64_t counted = 0;
  for (size_t i = 0; i < index.size(); ++i) {
    counted += index[i].count;
    if (i + 1 < index.size()) CHECK(index[i].raw_length >= opts.page_size_bytes);
    if (index[i].first <= huge && huge <= index[i].last) {
      CHECK(index[i].raw_length > 3 * 1024 * 1024);
    } else {
      CHECK(index[i].raw_length < opts.page_size_bytes + 4000 + 20);
    }
  }
  CHECK(counted == traces.size());

  std::unique_ptr<block::BlockReader> r;
  REQUIRE(block::BlockReader::open(*backend, "tenant", id, &r).is_ok());
  CHECK(r->meta().total_objects == meta.total_objects);
  for (const auto& [tid, p] : traces) {
    std::string got = "stale";
    bool found = false;
    REQUIRE(r->find(tid, &got, &found).is_ok());
    REQUIRE(found);
    REQUIRE(got == p);
  }
  int found_absent = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string got;
    bool found = true;
    REQUIRE(r->find(absent_id(rng, traces), &got, &found).is_ok());
    found_absent += found;
  }
  CHECK(found_absent == 0);

  auto it = traces.begin();
  size_t seen = 0;
  REQUIRE(r->scan([&](const TraceId& tid, std::string_view p) {
               if (it == traces.end() || tid != it->first || p != it->second) {
                 return Status::internal("scan out of step at trace " + std::to_string(seen));
               }
               ++it;
               ++seen;
               return Status::ok();
             }).is_ok());
  CHECK(seen == traces.size());

  std::vector<block::BlockMeta> listed;
  REQUIRE(block::list_blocks(*backend, "tenant", &listed).is_ok());
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].block_id == id);
  CHECK(listed[0].to_json() == meta.to_json());
}

TEST_CASE("zero-padded 64-bit trace IDs round trip across bloom shards") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  std::mt19937_64 rng(11);
  Traces traces;
  while (traces.size() < 2000) traces[testing::random_id64(rng)] = payload_for(rng, rng() % 100);
  block::WriterOptions opts = v1_options();
  opts.bloom_shard_size_bytes = 256;
  block::BlockMeta meta;
  const std::string id = block::new_block_id();
  REQUIRE(write_block(*backend, "t", id, traces, opts, &meta).is_ok());
  CHECK(meta.bloom_shards >= 8);
  std::unique_ptr<block::BlockReader> r;
  REQUIRE(block::BlockReader::open(*backend, "t", id, &r).is_ok());
  for (const auto& [tid, p] : traces) {
    std::string got;
    bool found = false;
    REQUIRE(r->find(tid, &got, &found).is_ok());
    REQUIRE(found);
    REQUIRE(got == p);
  }
}

TEST_CASE("a cold lookup reads one bloom shard, the index and one page") {
  testing::TempDir dir;
  auto local = backend::make_local_backend(dir.path());
  testing::RecordingBackend rec(*local);
  const Traces traces = make_traces(7, 2000, 1000);
  block::WriterOptions opts = v1_options();
  opts.page_size_bytes = 8 * 1024;
  opts.bloom_shard_size_bytes = 512;
  const std::string id = block::new_block_id();
  block::BlockMeta meta;
  REQUIRE(write_block(rec, "t", id, traces, opts, &meta).is_ok());
  REQUIRE(meta.bloom_shards > 1);
  const auto index = read_index(*local, meta);

  // open() reads meta.json and nothing else.
  rec.clear();
  std::unique_ptr<block::BlockReader> opened;
  REQUIRE(block::BlockReader::open(rec, "t", id, &opened).is_ok());
  REQUIRE(rec.requests().size() == 1);
  CHECK(rec.requests()[0].key == "t/" + id + "/meta.json");

  std::mt19937_64 rng(8);
  for (int sample = 0; sample < 40; ++sample) {
    const TraceId target = std::next(traces.begin(), rng() % traces.size())->first;
    std::unique_ptr<block::BlockReader> r;
    REQUIRE(block::BlockReader::open_with_meta(rec, meta, &r).is_ok());
    rec.clear();
    std::string got;
    bool found = false;
    REQUIRE(r->find(target, &got, &found).is_ok());
    REQUIRE(found);
    CHECK(got == traces.at(target));
    CHECK(r->stats().backend_reads <= 3);
    CHECK(r->stats().bytes_read < meta.size / 10);

    const auto reqs = rec.requests();
    REQUIRE(reqs.size() == 3);
    CHECK(reqs[0].op == "read");
    CHECK(reqs[0].key == "t/" + id + "/bloom-" +
                             std::to_string(block::bloom_shard_of(target, meta.bloom_shards)));
    CHECK(reqs[1].op == "read");
    CHECK(reqs[1].key == "t/" + id + "/index");
    CHECK(reqs[2].op == "read_range");
    CHECK(reqs[2].key == "t/" + id + "/data");
    auto page = std::find_if(index.begin(), index.end(), [&](const auto& e) {
      return e.first <= target && target <= e.last;
    });
    REQUIRE(page != index.end());
    CHECK(reqs[2].offset == page->offset);
    CHECK(reqs[2].length == page->length);

    // Warm: the bloom shard and index are cached, so the same lookup reads one page.
    rec.clear();
    REQUIRE(r->find(target, &got, &found).is_ok());
    CHECK(found);
    REQUIRE(rec.requests().size() == 1);
    CHECK(rec.requests()[0].op == "read_range");
  }

  // Outside [minID, maxID] nothing is read at all.
  std::unique_ptr<block::BlockReader> r;
  REQUIRE(block::BlockReader::open_with_meta(rec, meta, &r).is_ok());
  rec.clear();
  TraceId below, above;
  above.bytes.fill(0xff);
  for (const auto& probe : {below, above}) {
    std::string got;
    bool found = true;
    REQUIRE(r->find(probe, &got, &found).is_ok());
    CHECK_FALSE(found);
  }
  CHECK(rec.requests().empty());
  CHECK(r->stats().backend_reads == 0);
}

TEST_CASE("writer: order, empty blocks, finishing twice") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  const std::string id = block::new_block_id();
  block::BlockWriter w(*backend, "t", id, v1_options());
  TraceId a, b, c;
  a.bytes[15] = 2;
  b.bytes[15] = 1;
  c.bytes[0] = 1;
  REQUIRE(w.add(a, "x", 10, 20).is_ok());
  CHECK(w.add(b, "y", 1, 2).is(Status::Code::kInvalidArgument));  // lower
  CHECK(w.add(a, "y", 1, 2).is(Status::Code::kInvalidArgument));  // equal
  REQUIRE(w.add(c, "z", 5, 30).is_ok());                          // still usable
  block::BlockMeta meta;
  REQUIRE(w.finish(&meta).is_ok());
  CHECK(meta.total_objects == 2);
  CHECK(meta.start_unix_nano == 5);  // the rejected adds did not widen the range
  CHECK(meta.end_unix_nano == 30);
  CHECK(w.add(TraceId{{0xff}}, "late", 1, 2).is(Status::Code::kInvalidArgument));
  CHECK(w.finish(&meta).is(Status::Code::kInvalidArgument));

  std::unique_ptr<block::BlockReader> r;
  REQUIRE(block::BlockReader::open(*backend, "t", id, &r).is_ok());
  std::vector<std::pair<TraceId, std::string>> seen;
  REQUIRE(r->scan([&](const TraceId& tid, std::string_view p) {
               seen.emplace_back(tid, std::string(p));
               return Status::ok();
             }).is_ok());
  CHECK(seen == std::vector<std::pair<TraceId, std::string>>{{a, "x"}, {c, "z"}});

  block::BlockWriter empty(*backend, "t", block::new_block_id(), v1_options());
  CHECK(empty.finish(&meta).is(Status::Code::kInvalidArgument));
  std::vector<std::string> names;
  REQUIRE(backend->list("t/", &names).is_ok());
  CHECK(names == std::vector<std::string>{id});
}

TEST_CASE("an unfinished or failed block leaves nothing behind") {
  testing::TempDir dir;
  auto local = backend::make_local_backend(dir.path());
  testing::RecordingBackend rec(*local);
  const Traces traces = make_traces(21, 500, 2000);
  block::WriterOptions opts = v1_options();
  opts.page_size_bytes = 4096;
  opts.bloom_shard_size_bytes = 64;

  {  // dropped after several pages went to the data object
    block::BlockWriter w(rec, "t", block::new_block_id(), opts);
    for (const auto& [tid, p] : traces) REQUIRE(w.add(tid, p, 1, 2).is_ok());
  }
  std::vector<std::string> names;
  REQUIRE(local->list("", &names).is_ok());
  CHECK(names.empty());

  for (const char* failing : {"/data", "/index", "/bloom-1", "/meta.json"}) {
    INFO("failing " << failing);
    rec.fail_keys_containing(failing);
    block::BlockMeta meta;
    Status s = write_block(rec, "t", block::new_block_id(), traces, opts, &meta);
    CHECK(s.is(Status::Code::kIOError));
    rec.fail_keys_containing("");
    REQUIRE(local->list("", &names).is_ok());
    CHECK(names.empty());
    std::vector<block::BlockMeta> metas;
    REQUIRE(block::list_blocks(*local, "t", &metas).is_ok());
    CHECK(metas.empty());
  }
}

TEST_CASE("damaged objects are reported as corruption, not a crash") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  const Traces traces = make_traces(5, 300, 3000);
  block::WriterOptions opts = v1_options();
  opts.page_size_bytes = 32 * 1024;
  const std::string id = block::new_block_id();
  block::BlockMeta meta;
  REQUIRE(write_block(*backend, "t", id, traces, opts, &meta).is_ok());
  const auto index = read_index(*backend, meta);
  REQUIRE(index.size() >= 3);
  const auto& page = index[1];
  const TraceId target = page.first;
  const std::string prefix = "t/" + id + "/";
  std::string data, idx, bloom;
  REQUIRE(backend->read(prefix + "data", &data).is_ok());
  REQUIRE(backend->read(prefix + "index", &idx).is_ok());
  REQUIRE(backend->read(prefix + "bloom-0", &bloom).is_ok());

  auto lookup = [&](const block::BlockMeta& m) {
    std::unique_ptr<block::BlockReader> r;
    REQUIRE(block::BlockReader::open_with_meta(*backend, m, &r).is_ok());
    std::string got;
    bool found = false;
    return r->find(target, &got, &found);
  };
  auto scan_all = [&] {
    std::unique_ptr<block::BlockReader> r;
    REQUIRE(block::BlockReader::open_with_meta(*backend, meta, &r).is_ok());
    return r->scan([](const TraceId&, std::string_view) { return Status::ok(); });
  };

  // Flip one byte at various places in the page: frame header, body, checksum trailer.
  for (uint64_t at : {uint64_t{0}, uint64_t{5}, uint64_t{page.length / 3},
                      uint64_t{page.length / 2}, uint64_t{page.length - 5},
                      uint64_t{page.length - 1}}) {
    INFO("flipped page byte " << at);
    std::string bad = data;
    bad[page.offset + at] ^= 0x5a;
    REQUIRE(backend->write(prefix + "data", bad).is_ok());
    CHECK(lookup(meta).is(Status::Code::kCorruption));
    CHECK(scan_all().is(Status::Code::kCorruption));
  }
  REQUIRE(backend->write(prefix + "data", data.substr(0, data.size() - 10)).is_ok());
  CHECK(scan_all().is(Status::Code::kCorruption));  // the last page runs past the end
  REQUIRE(backend->write(prefix + "data", data).is_ok());
  REQUIRE(lookup(meta).is_ok());

  for (size_t at : {size_t{0}, idx.size() / 2, idx.size() - 1}) {
    INFO("flipped index byte " << at);
    std::string bad = idx;
    bad[at] ^= 0x5a;
    REQUIRE(backend->write(prefix + "index", bad).is_ok());
    CHECK(lookup(meta).is(Status::Code::kCorruption));
  }
  REQUIRE(backend->write(prefix + "index", idx).is_ok());

  std::string bad_bloom = bloom;
  bad_bloom[bloom.size() / 2] ^= 0x5a;
  REQUIRE(backend->write(prefix + "bloom-0", bad_bloom).is_ok());
  CHECK(lookup(meta).is(Status::Code::kCorruption));
  REQUIRE(backend->write(prefix + "bloom-0", bloom).is_ok());

  // A meta.json that disagrees with the index.
  for (auto change : {+[](block::BlockMeta& m) { m.size += 1; },
                      +[](block::BlockMeta& m) { m.total_objects -= 1; },
                      +[](block::BlockMeta& m) { m.total_records += 1; }}) {
    block::BlockMeta m = meta;
    change(m);
    CHECK(lookup(m).is(Status::Code::kCorruption));
  }
  CHECK(lookup(meta).is_ok());
}

TEST_CASE("a damaged byte inside a stored (incompressible) payload is caught") {
  // zstd stores incompressible data as raw blocks, where a flipped byte decodes "fine";
  // only the frame checksum tells. Without it this lookup would return wrong bytes.
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  std::mt19937_64 rng(17);
  TraceId tid = random_id(rng);
  std::string payload(20000, '\0');
  for (auto& c : payload) c = static_cast<char>(rng());
  block::BlockWriter w(*backend, "t", "blk", v1_options());
  REQUIRE(w.add(tid, payload, 1, 2).is_ok());
  block::BlockMeta meta;
  REQUIRE(w.finish(&meta).is_ok());
  std::string data;
  REQUIRE(backend->read("t/blk/data", &data).is_ok());
  data[data.size() / 2] ^= 0x01;
  REQUIRE(backend->write("t/blk/data", data).is_ok());
  std::unique_ptr<block::BlockReader> r;
  REQUIRE(block::BlockReader::open(*backend, "t", "blk", &r).is_ok());
  std::string got;
  bool found = false;
  CHECK(r->find(tid, &got, &found).is(Status::Code::kCorruption));
  CHECK_FALSE(found);
}

TEST_CASE("readers: concurrent lookups, deleted blocks, listing") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  const Traces traces = make_traces(9, 2000, 600);
  block::WriterOptions opts = v1_options();
  opts.page_size_bytes = 8 * 1024;
  opts.bloom_shard_size_bytes = 512;
  const std::string id = block::new_block_id();
  block::BlockMeta meta;
  REQUIRE(write_block(*backend, "t", id, traces, opts, &meta).is_ok());

  std::unique_ptr<block::BlockReader> r;
  REQUIRE(block::BlockReader::open(*backend, "t", id, &r).is_ok());
  std::vector<TraceId> ids;
  for (const auto& kv : traces) ids.push_back(kv.first);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = t; i < ids.size(); i += 3) {
        std::string got;
        bool found = false;
        if (!r->find(ids[i], &got, &found).is_ok() || !found || got != traces.at(ids[i])) wrong++;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong.load() == 0);

  // Other blocks of this and another tenant, and things that are not (complete) blocks.
  block::BlockMeta other;
  REQUIRE(write_block(*backend, "t", block::new_block_id(), make_traces(1, 10, 10), v1_options(), &other)
              .is_ok());
  REQUIRE(write_block(*backend, "u", block::new_block_id(), make_traces(2, 10, 10), v1_options(), &other)
              .is_ok());
  REQUIRE(backend->write("t/half-written/data", "x").is_ok());
  block::BlockMeta future = meta;
  future.block_id = "future-block";
  future.format_version = block::encoding_for(future.format)->newest_version() + 1;
  REQUIRE(backend->write("t/future-block/meta.json", future.to_json()).is_ok());
  REQUIRE(backend->write("t/misfiled/meta.json", meta.to_json()).is_ok());  // names `id`
  REQUIRE(backend->write("t/garbage/meta.json", "{").is_ok());

  std::vector<std::string> tenants;
  REQUIRE(block::list_tenants(*backend, &tenants).is_ok());
  CHECK(tenants == std::vector<std::string>{"t", "u"});
  std::vector<block::BlockMeta> metas;
  REQUIRE(block::list_blocks(*backend, "t", &metas).is_ok());
  REQUIRE(metas.size() == 2);
  CHECK(metas[0].block_id < metas[1].block_id);
  CHECK((metas[0].block_id == id || metas[1].block_id == id));
  REQUIRE(block::list_blocks(*backend, "u", &metas).is_ok());
  CHECK(metas.size() == 1);
  REQUIRE(block::list_blocks(*backend, "nobody", &metas).is_ok());
  CHECK(metas.empty());

  std::unique_ptr<block::BlockReader> misfiled;
  CHECK(block::BlockReader::open(*backend, "t", "misfiled", &misfiled)
            .is(Status::Code::kCorruption));
  CHECK(block::BlockReader::open(*backend, "t", "future-block", &misfiled)
            .is(Status::Code::kCorruption));
  CHECK(block::BlockReader::open(*backend, "t", "no-such-block", &misfiled)
            .is(Status::Code::kNotFound));

  // Deleted after being opened: a lookup that must read reports kNotFound.
  std::vector<std::string> objects;
  REQUIRE(backend->list("t/" + id + "/", &objects).is_ok());
  for (const auto& o : objects) REQUIRE(backend->remove("t/" + id + "/" + o).is_ok());
  std::unique_ptr<block::BlockReader> cold;
  REQUIRE(block::BlockReader::open_with_meta(*backend, meta, &cold).is_ok());
  std::string got;
  bool found = true;
  CHECK(cold->find(ids[5], &got, &found).is(Status::Code::kNotFound));
  CHECK_FALSE(found);
  CHECK(cold->scan([](const TraceId&, std::string_view) { return Status::ok(); })
            .is(Status::Code::kNotFound));
}

TEST_CASE("scan stops at the first error its callback returns") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  const Traces traces = make_traces(3, 100, 100);
  block::WriterOptions opts = v1_options();
  opts.page_size_bytes = 512;
  const std::string id = block::new_block_id();
  block::BlockMeta meta;
  REQUIRE(write_block(*backend, "t", id, traces, opts, &meta).is_ok());
  std::unique_ptr<block::BlockReader> r;
  REQUIRE(block::BlockReader::open(*backend, "t", id, &r).is_ok());
  int calls = 0;
  Status s = r->scan([&](const TraceId&, std::string_view) {
    return ++calls == 37 ? Status::resource_exhausted("enough") : Status::ok();
  });
  CHECK(s.is(Status::Code::kResourceExhausted));
  CHECK(calls == 37);
}
