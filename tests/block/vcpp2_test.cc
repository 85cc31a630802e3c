// The vcpp2 columnar format through BlockWriter/BlockReader, the encoding registry, and
// vcpp1 blocks read as span sources.

#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "block/vcpp2/chunk_codec.h"
#include "block/vcpp2/chunk_frames.h"
#include "block/zstd_codec.h"
#include "recording_backend.h"
#include "tempo/block/block.h"
#include "tempo/block/encoding.h"
#include "tempo/columnar/otlp_columns.h"
#include "tempo/util/little_endian.h"
#include "testing/rich_trace.h"
#include "testing/temp_dir.h"
#include "testing/trace_gen.h"

using namespace tempo;
using columnar::AttrOwner;
using columnar::ColumnSet;
using columnar::SpanTable;
using opentelemetry::proto::trace::v1::TracesData;

namespace {

using Traces = std::map<TraceId, TracesData>;

bool same(const TracesData& a, const TracesData& b) {
  google::protobuf::util::MessageDifferencer d;
  d.set_message_field_comparison(google::protobuf::util::MessageDifferencer::EQUIVALENT);
  std::string report;
  d.ReportDifferencesToString(&report);
  bool eq = d.Compare(a, b);
  if (!eq) UNSCOPED_INFO(report);
  return eq;
}

// Every trace of `traces` is found by ID in `r` and comes back equal to what was written.
void check_finds_all(block::BlockReader& r, const Traces& traces) {
  for (const auto& [id, data] : traces) {
    std::string payload;
    bool found = false;
    REQUIRE(r.find(id, &payload, &found).is_ok());
    REQUIRE(found);
    TracesData got;
    REQUIRE(got.ParseFromString(payload));
    INFO(id.hex());
    CHECK(same(data, got));
  }
}

// A trace whose spans reference a parent outside the trace and themselves, and one span that
// ends before it starts.
TracesData orphan_trace(const std::string& tid) {
  TracesData d;
  auto* ss = d.add_resource_spans()->add_scope_spans();
  auto* a = ss->add_spans();
  a->set_trace_id(tid);
  a->set_span_id(std::string(8, '\x31'));
  a->set_parent_span_id(std::string(8, '\x77'));  // not in the trace
  a->set_name("orphan");
  a->set_start_time_unix_nano(5000);
  a->set_end_time_unix_nano(6000);
  auto* b = ss->add_spans();
  b->set_trace_id(tid);
  b->set_span_id(std::string(8, '\x32'));
  b->set_parent_span_id(b->span_id());  // itself
  b->set_start_time_unix_nano(10);      // earlier than the first span
  b->set_end_time_unix_nano(20);
  auto* c = ss->add_spans();
  c->set_trace_id(tid);
  c->set_span_id(std::string(8, '\x33'));
  c->set_name("ends before it starts");  // comes back as stored, not with duration 0
  c->set_start_time_unix_nano(7000);
  c->set_end_time_unix_nano(6500);
  return d;
}

// 1000 generated traces, the rich trace, the orphan trace and an empty trace.
Traces sample_traces(int n = 1000) {
  Traces t;
  testing::GenOptions o;
  for (int i = 0; i < n; ++i) {
    auto g = testing::generate_trace(o, i);
    t[g.id] = std::move(g.data);
  }
  for (char c : {'\x05', '\x06', '\x07'}) {
    std::string tid(16, c);
    TraceId id;
    REQUIRE(TraceId::from_bytes(tid, &id).is_ok());
    t[id] = c == '\x05' ? testing::rich_trace(tid) : c == '\x06' ? orphan_trace(tid) : TracesData{};
  }
  return t;
}

block::BlockMeta write(backend::Backend& b, const Traces& traces, block::WriterOptions opts,
                       const std::string& id = "blk") {
  block::BlockWriter w(b, "t", id, opts);
  for (const auto& [tid, data] : traces) {
    REQUIRE(w.add(tid, data.SerializeAsString(), 1, 2).is_ok());
  }
  block::BlockMeta meta;
  REQUIRE(w.finish(&meta).is_ok());
  return meta;
}

block::WriterOptions v2(size_t group_spans = 500) {
  block::WriterOptions o;
  o.row_group_spans = group_spans;
  return o;
}

// Every span column and span attribute chunk cut into frames of ~40 spans (the defaults cut
// only chunks larger than the small test groups make).
block::WriterOptions framed(size_t group_spans = 500) {
  block::WriterOptions o = v2(group_spans);
  o.frame_spans = 40;
  o.frame_min_bytes = 1;
  return o;
}

// No chunk framed: the layout of formatVersion 1.
block::WriterOptions unframed(size_t group_spans = 500) {
  block::WriterOptions o = v2(group_spans);
  o.frame_spans = 0;
  return o;
}

// The frame table magic (a zstd skippable frame, little-endian 0x184D2A5B) in `data`.
bool has_frames(backend::Backend& b, const block::BlockMeta& m) {
  std::string data;
  REQUIRE(b.read("t/" + m.block_id + "/data", &data).is_ok());
  return data.find("\x5B\x2A\x4D\x18") != std::string::npos;
}

// The table SpanTableBuilder makes of the input traces with `ids`, in order.
void build(const Traces& traces, const std::vector<TraceId>& ids, SpanTable* out) {
  columnar::SpanTableBuilder b(out);
  for (const auto& id : ids) b.add_trace(id, traces.at(id));
  b.finish();
}

// Rows of one attribute key, comparable across tables with the same string pool.
struct Run {
  std::vector<uint32_t> owner;
  std::vector<columnar::ValueType> type;
  std::vector<uint64_t> value;
  std::vector<uint16_t> pos;
  bool operator==(const Run&) const = default;
};
std::map<uint32_t, Run> runs(const columnar::AttrTable& at) {
  std::map<uint32_t, Run> out;
  for (const auto& r : at.keys) {
    Run& x = out[r.key];
    for (uint32_t i = r.begin; i < r.end; ++i) {
      CHECK(at.key[i] == r.key);
      x.owner.push_back(at.owner[i]);
      x.type.push_back(at.type[i]);
      x.value.push_back(at.value[i]);
      x.pos.push_back(at.pos[i]);
    }
  }
  return out;
}

void check_always_loaded(const SpanTable& got, const SpanTable& want) {
  CHECK(got.strings.strings() == want.strings.strings());
  CHECK(got.traces.id == want.traces.id);
  CHECK(got.traces.resource_offsets == want.traces.resource_offsets);
  CHECK(got.resources.scope_offsets == want.resources.scope_offsets);
  CHECK(got.scopes.span_offsets == want.scopes.span_offsets);
  CHECK(got.spans.event_offsets == want.spans.event_offsets);
  CHECK(got.spans.link_offsets == want.spans.link_offsets);
  CHECK(got.spans.id == want.spans.id);
  CHECK(got.spans.parent_id == want.spans.parent_id);
  CHECK(got.spans.start == want.spans.start);
  CHECK(got.spans.duration == want.spans.duration);
  CHECK(got.spans.name == want.spans.name);
  // Derived columns.
  CHECK(got.spans.parent == want.spans.parent);
  CHECK(got.spans.trace == want.spans.trace);
  CHECK(got.spans.nested_left == want.spans.nested_left);
  CHECK(got.spans.nested_right == want.spans.nested_right);
  CHECK(got.traces.root == want.traces.root);
  CHECK(got.traces.root_service == want.traces.root_service);
  CHECK(got.traces.start == want.traces.start);
  CHECK(got.traces.end == want.traces.end);
  CHECK(got.resources.service_name == want.resources.service_name);
}

void check_everything(const SpanTable& got, const SpanTable& want) {
  check_always_loaded(got, want);
  CHECK(got.blobs == want.blobs);
  CHECK(got.resources.schema_url == want.resources.schema_url);
  CHECK(got.resources.dropped_attributes == want.resources.dropped_attributes);
  CHECK(got.scopes.name == want.scopes.name);
  CHECK(got.scopes.version == want.scopes.version);
  CHECK(got.scopes.schema_url == want.scopes.schema_url);
  CHECK(got.scopes.dropped_attributes == want.scopes.dropped_attributes);
  const auto &gs = got.spans, &ws = want.spans;
  CHECK(gs.kind == ws.kind);
  CHECK(gs.status_code == ws.status_code);
  CHECK(gs.status_message == ws.status_message);
  CHECK(gs.trace_state == ws.trace_state);
  CHECK(gs.flags == ws.flags);
  CHECK(gs.dropped_attributes == ws.dropped_attributes);
  CHECK(gs.dropped_events == ws.dropped_events);
  CHECK(gs.dropped_links == ws.dropped_links);
  CHECK(got.events.time == want.events.time);
  CHECK(got.events.name == want.events.name);
  CHECK(got.events.dropped_attributes == want.events.dropped_attributes);
  CHECK(got.links.trace_id == want.links.trace_id);
  CHECK(got.links.span_id == want.links.span_id);
  CHECK(got.links.trace_state == want.links.trace_state);
  CHECK(got.links.flags == want.links.flags);
  CHECK(got.links.dropped_attributes == want.links.dropped_attributes);
  for (int o = 0; o < columnar::kAttrOwnerCount; ++o) {
    INFO("owner kind " << o);
    CHECK(got.attrs[o].owner == want.attrs[o].owner);
    CHECK(got.attrs[o].key == want.attrs[o].key);
    CHECK(got.attrs[o].type == want.attrs[o].type);
    CHECK(got.attrs[o].value == want.attrs[o].value);
    CHECK(got.attrs[o].pos == want.attrs[o].pos);
  }
}

}  // namespace

TEST_CASE("vcpp2: every trace comes back by ID and by scan exactly as written") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  const Traces traces = sample_traces();
  const int layout = GENERATE(0, 1, 2);  // default options, every chunk framed, none framed
  INFO("layout " << layout);
  const block::BlockMeta meta = write(*backend, traces,
                                      layout == 0   ? v2()
                                      : layout == 1 ? framed()
                                                    : unframed());
  if (layout > 0) CHECK(has_frames(*backend, meta) == (layout == 1));
  CHECK(meta.format == "vcpp2");
  CHECK(meta.total_objects == traces.size());
  CHECK(meta.total_records >= 10000 / 500);  // several row groups
  CHECK(meta.index_page_size == 500);

  std::unique_ptr<block::BlockReader> r;
  REQUIRE(block::BlockReader::open(*backend, "t", "blk", &r).is_ok());
  check_finds_all(*r, traces);
  std::mt19937_64 rng(3);
  for (int i = 0; i < 200; ++i) {
    TraceId absent;
    for (auto& b : absent.bytes) b = static_cast<uint8_t>(rng());
    if (traces.count(absent)) continue;
    std::string payload;
    bool found = true;
    REQUIRE(r->find(absent, &payload, &found).is_ok());
    CHECK_FALSE(found);
  }
  auto it = traces.begin();
  REQUIRE(r->scan([&](const TraceId& id, std::string_view payload) {
             TracesData got;
             if (it == traces.end() || id != it->first ||
                 !got.ParseFromArray(payload.data(), static_cast<int>(payload.size())) ||
                 !same(it->second, got)) {
               return Status::internal("scan out of step");
             }
             ++it;
             return Status::ok();
           }).is_ok());
  CHECK(it == traces.end());
}

TEST_CASE("vcpp2: scans give the columns SpanTableBuilder makes, whole or in part") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  const Traces traces = sample_traces();
  const bool frames = GENERATE(false, true);
  INFO("framed " << frames);
  const block::BlockMeta meta = write(*backend, traces, frames ? framed() : unframed());
  REQUIRE(has_frames(*backend, meta) == frames);
  std::unique_ptr<block::BlockReader> r;
  REQUIRE(block::BlockReader::open(*backend, "t", "blk", &r).is_ok());

  SECTION("every column") {
    ColumnSet all;
    all.everything = true;
    // Also as the compactor reads: each group located through the raw index in turn.
    all.once = GENERATE(false, true);
    INFO("once " << all.once);
    columnar::ScanStats stats;
    size_t traces_seen = 0;
    REQUIRE(r->scan(
                 all, nullptr,
                 [&](const columnar::RowGroup& g) {
                   const SpanTable& t = g.table;
                   SpanTable want;
                   build(traces, t.traces.id, &want);
                   check_everything(t, want);
                   traces_seen += t.trace_count();
                   for (uint32_t i = 0; i < t.trace_count(); ++i) {
                     TracesData out;
                     columnar::assemble_trace(t, i, &out);
                     CHECK(same(traces.at(t.traces.id[i]), out));
                   }
                   return Status::ok();
                 },
                 &stats)
                .is_ok());
    CHECK(traces_seen == traces.size());
    CHECK(stats.row_groups == meta.total_records);
    CHECK(stats.row_groups_skipped == 0);
    CHECK(stats.traces_inspected == traces.size());
  }

  SECTION("kind and one span attribute") {
    ColumnSet cols;
    cols.span_kind = true;
    cols.attr_keys[static_cast<int>(AttrOwner::kSpan)] = {"attr.s0", "no.such.key"};
    REQUIRE(r->scan(
                 cols, nullptr,
                 [&](const columnar::RowGroup& g) {
                   const SpanTable& t = g.table;
                   SpanTable want;
                   build(traces, t.traces.id, &want);
                   check_always_loaded(t, want);
                   CHECK(t.spans.kind == want.spans.kind);
                   CHECK(t.spans.status_code.empty());
                   CHECK(t.events.time.empty());
                   auto span_runs = runs(t.attr(AttrOwner::kSpan));
                   auto want_runs = runs(want.attr(AttrOwner::kSpan));
                   REQUIRE(span_runs.size() == 1);
                   const uint32_t key = *want.strings.find("attr.s0");
                   CHECK(span_runs[key] == want_runs[key]);
                   auto res = runs(t.attr(AttrOwner::kResource));
                   REQUIRE(res.size() == 1);  // service.name only
                   const uint32_t svc = *want.strings.find("service.name");
                   CHECK(res[svc] == runs(want.attr(AttrOwner::kResource))[svc]);
                   return Status::ok();
                 },
                 nullptr)
                .is_ok());
  }

  SECTION("all attributes of an owner kind, events and links") {
    ColumnSet cols;
    cols.events = cols.links = true;
    cols.all_attrs[static_cast<int>(AttrOwner::kEvent)] = true;
    cols.all_attrs[static_cast<int>(AttrOwner::kSpan)] = true;
    REQUIRE(r->scan(
                 cols, nullptr,
                 [&](const columnar::RowGroup& g) {
                   const SpanTable& t = g.table;
                   SpanTable want;
                   build(traces, t.traces.id, &want);
                   check_always_loaded(t, want);
                   CHECK(t.events.time == want.events.time);
                   CHECK(t.links.span_id == want.links.span_id);
                   CHECK(runs(t.attr(AttrOwner::kSpan)) == runs(want.attr(AttrOwner::kSpan)));
                   CHECK(runs(t.attr(AttrOwner::kEvent)) == runs(want.attr(AttrOwner::kEvent)));
                   CHECK(t.blobs == want.blobs);  // the rich trace's array/bytes values
                   return Status::ok();
                 },
                 nullptr)
                .is_ok());
  }
}

TEST_CASE(
    "vcpp2: the keep filter sees each group's statistics, and a skipped group costs its "
    "dictionary only") {
  testing::TempDir dir;
  auto local = backend::make_local_backend(dir.path());
  testing::RecordingBackend rec(*local);
  const Traces traces = sample_traces();
  const block::BlockMeta meta = write(*local, traces, v2());
  std::unique_ptr<block::BlockReader> r;
  REQUIRE(block::BlockReader::open_with_meta(rec, meta, &r).is_ok());

  // Statistics equal those of the table built from the group's traces.
  std::vector<std::vector<TraceId>> group_ids;
  ColumnSet none;
  REQUIRE(r->scan(
               none,
               [&](const columnar::RowGroupStats& st) {
                 if (st.whole_block) return true;
                 return st.strings != nullptr;  // checked below against the loaded table
               },
               [&](const columnar::RowGroup& g) {
                   const SpanTable& t = g.table;
                 group_ids.push_back(t.traces.id);
                 return Status::ok();
               },
               nullptr)
              .is_ok());
  REQUIRE(group_ids.size() == meta.total_records);
  size_t g = 0;
  REQUIRE(r->scan(
               none,
               [&](const columnar::RowGroupStats& st) {
                 if (st.whole_block) return true;
                 SpanTable t;
                 build(traces, group_ids[g++], &t);
                 columnar::RowGroupStats want;
                 columnar::compute_stats(t, &want);
                 CHECK(st.traces == want.traces);
                 CHECK(st.spans == want.spans);
                 CHECK(st.start_min == want.start_min);
                 CHECK(st.end_max == want.end_max);
                 CHECK(st.duration_min == want.duration_min);
                 CHECK(st.duration_max == want.duration_max);
                 REQUIRE(st.strings != nullptr);
                 CHECK(st.strings->strings() == t.strings.strings());
                 for (int o = 0; o < columnar::kAttrOwnerCount; ++o) {
                   REQUIRE(st.attrs[o].size() == want.attrs[o].size());
                   for (size_t i = 0; i < st.attrs[o].size(); ++i) {
                     CHECK(st.attrs[o][i].key == want.attrs[o][i].key);
                     CHECK(st.attrs[o][i].types == want.attrs[o][i].types);
                     CHECK(st.attrs[o][i].int_min == want.attrs[o][i].int_min);
                     CHECK(st.attrs[o][i].int_max == want.attrs[o][i].int_max);
                     CHECK(st.attrs[o][i].double_min == want.attrs[o][i].double_min);
                     CHECK(st.attrs[o][i].double_max == want.attrs[o][i].double_max);
                   }
                 }
                 return false;
               },
               [&](const columnar::RowGroup&) { return Status::internal("skipped groups are not loaded"); },
               nullptr)
              .is_ok());
  CHECK(g == meta.total_records);

  // { span.x = "absent" }: one ranged read per group, of the dictionary chunk alone.
  rec.clear();
  columnar::ScanStats stats;
  ColumnSet cols;
  cols.attr_keys[static_cast<int>(AttrOwner::kSpan)] = {"x"};
  REQUIRE(
      r->scan(
           cols,
           [](const columnar::RowGroupStats& st) {
             return st.whole_block || st.strings->find("absent").has_value();
           },
           [](const columnar::RowGroup&) { return Status::internal("nothing matches"); }, &stats)
          .is_ok());
  CHECK(stats.row_groups == meta.total_records);
  CHECK(stats.row_groups_skipped == meta.total_records);
  CHECK(stats.spans_inspected == 0);
  const auto reqs = rec.requests();
  REQUIRE(reqs.size() == meta.total_records);  // the index is cached from the scans above
  uint64_t read = 0;
  for (const auto& q : reqs) {
    CHECK(q.op == "read_range");
    CHECK(q.key == "t/blk/data");
    read += q.length;
  }
  CHECK(stats.bytes_read == read);
  CHECK(read * 5 < meta.size);  // dictionaries are a small part of the data

  // The same literal through the block's string filter: the whole block is skipped without
  // reading anything (the filter object was read once, with the block statistics, above).
  REQUIRE(std::find(meta.columns.begin(), meta.columns.end(), "strings-bloom") != meta.columns.end());
  rec.clear();
  stats = {};
  REQUIRE(r->scan(
               cols, [](const columnar::RowGroupStats& st) { return st.may_contain_string("absent"); },
               [](const columnar::RowGroup&) { return Status::internal("nothing matches"); }, &stats)
              .is_ok());
  CHECK(stats.row_groups_skipped == meta.total_records);
  CHECK(rec.requests().empty());
  // A string the block holds is not ruled out.
  REQUIRE_FALSE(traces.empty());
  size_t loaded = 0;
  REQUIRE(r->scan(
               cols, [](const columnar::RowGroupStats& st) { return st.may_contain_string("service.name"); },
               [&](const columnar::RowGroup&) {
                 ++loaded;
                 return Status::ok();
               },
               &stats)
              .is_ok());
  CHECK(loaded == meta.total_records);
}

TEST_CASE("vcpp2: a cold lookup reads one bloom shard, the index and one row group") {
  testing::TempDir dir;
  auto local = backend::make_local_backend(dir.path());
  testing::RecordingBackend rec(*local);
  const Traces traces = sample_traces(300);
  const block::BlockMeta meta = write(*local, traces, v2(200));
  REQUIRE(meta.total_records > 5);
  const TraceId id = std::next(traces.begin(), 150)->first;
  std::unique_ptr<block::BlockReader> r;
  REQUIRE(block::BlockReader::open_with_meta(rec, meta, &r).is_ok());
  std::string payload;
  bool found = false;
  Status fs = r->find(id, &payload, &found);
  INFO(fs.to_string());
  REQUIRE(fs.is_ok());
  REQUIRE(found);
  auto reqs = rec.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[0].key.find("/bloom-") != std::string::npos);
  CHECK(reqs[1].key == "t/" + meta.block_id + "/index");
  CHECK(reqs[2].op == "read_range");
  CHECK(reqs[2].length < meta.size / 3);
  CHECK(r->stats().backend_reads == 3);
  // Warm: the one group again.
  rec.clear();
  REQUIRE(r->find(id, &payload, &found).is_ok());
  CHECK(rec.requests().size() == 1);
}

TEST_CASE("vcpp1 blocks stay readable by ID and as a span source") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  const Traces traces = sample_traces(300);
  block::WriterOptions v1;
  v1.format = "vcpp1";
  v1.page_size_bytes = 32 * 1024;
  const block::BlockMeta meta = write(*backend, traces, v1, "old");
  CHECK(meta.format == "vcpp1");
  std::unique_ptr<block::BlockReader> r;
  REQUIRE(block::BlockReader::open(*backend, "t", "old", &r).is_ok());
  for (const auto& [id, data] : traces) {
    std::string payload;
    bool found = false;
    REQUIRE(r->find(id, &payload, &found).is_ok());
    REQUIRE(found);
    CHECK(payload == data.SerializeAsString());  // vcpp1 keeps the bytes
  }
  ColumnSet cols;
  cols.span_kind = true;
  columnar::ScanStats stats;
  size_t seen = 0;
  REQUIRE(r->scan(
               cols, nullptr,
               [&](const columnar::RowGroup& g) {
                   const SpanTable& t = g.table;
                 SpanTable want;
                 build(traces, t.traces.id, &want);
                 check_everything(t, want);
                 seen += t.trace_count();
                 return Status::ok();
               },
               &stats)
              .is_ok());
  CHECK(seen == traces.size());
  CHECK(stats.row_groups == meta.total_records);
  // The keep filter works there too.
  stats = {};
  REQUIRE(r->scan(
               cols, [](const columnar::RowGroupStats&) { return false; },
               [](const columnar::RowGroup&) { return Status::internal("skipped"); }, &stats)
              .is_ok());
  CHECK(stats.row_groups_skipped == meta.total_records);
}

TEST_CASE("vcpp2: damaged or truncated objects are corruption, never a crash") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  const Traces traces = sample_traces(200);
  const bool frames = GENERATE(false, true);
  INFO("framed " << frames);
  const block::BlockMeta meta = write(*backend, traces, frames ? framed(300) : unframed(300));
  REQUIRE(has_frames(*backend, meta) == frames);
  std::map<std::string, std::string> pristine;
  for (const char* o : {"data", "index", "bloom-0"}) {
    REQUIRE(backend->read(std::string("t/blk/") + o, &pristine[o]).is_ok());
  }
  struct Case {
    std::string object;
    enum { kFlip, kTruncate } what;
    double where;  // fraction of the object
  };
  std::vector<Case> cases;
  for (const char* o : {"data", "index"}) {
    for (double f : {0.0, 0.001, 0.1, 0.25, 0.5, 0.77, 0.9, 0.999}) {
      cases.push_back({o, Case::kFlip, f});
      cases.push_back({o, Case::kTruncate, f});
    }
  }
  cases.push_back({"bloom-0", Case::kFlip, 0.5});
  cases.push_back({"bloom-0", Case::kTruncate, 0.5});
  for (const auto& c : cases) {
    INFO(c.object << (c.what == Case::kFlip ? " flipped at " : " truncated at ") << c.where);
    std::string bytes = pristine[c.object];
    const size_t at = std::min(bytes.size() - 1, static_cast<size_t>(c.where * bytes.size()));
    if (c.what == Case::kFlip) {
      bytes[at] ^= 0x20;
    } else {
      bytes.resize(at);
    }
    REQUIRE(backend->write("t/blk/" + c.object, bytes).is_ok());
    std::unique_ptr<block::BlockReader> r;
    REQUIRE(block::BlockReader::open(*backend, "t", "blk", &r).is_ok());
    // A full scan decodes every chunk, so every damage must show.
    ColumnSet all;
    all.everything = true;
    Status s = r->scan(
        all, nullptr, [](const columnar::RowGroup&) { return Status::ok(); }, nullptr);
    if (c.object != "bloom-0") CHECK(s.is(Status::Code::kCorruption));
    // Read once, group by group as the compactor does, on a fresh reader (nothing cached):
    // the same, except a flip that only the whole index's checksum covers.
    REQUIRE(block::BlockReader::open(*backend, "t", "blk", &r).is_ok());
    all.once = true;
    s = r->scan(
        all, nullptr, [](const columnar::RowGroup&) { return Status::ok(); }, nullptr);
    const bool whole_crc_only =
        c.object == "index" && c.what == Case::kFlip && at + 4 >= bytes.size();
    if (c.object != "bloom-0" && !whole_crc_only) CHECK(s.is(Status::Code::kCorruption));
    REQUIRE(block::BlockReader::open(*backend, "t", "blk", &r).is_ok());
    size_t bad = 0;
    for (const auto& [id, data] : traces) {
      std::string payload;
      bool found = false;
      Status f = r->find(id, &payload, &found);
      if (!f.is_ok()) {
        CHECK(f.is(Status::Code::kCorruption));
        ++bad;
      } else if (found) {
        TracesData got;
        REQUIRE(got.ParseFromString(payload));
        CHECK(same(data, got));  // what comes back is right, or an error
      }
    }
    // Lookups check the index's group table and the entry they read, not the checksum of the
    // whole index: a flip in that alone only a scan sees.
    if (!whole_crc_only) CHECK(bad > 0);
    REQUIRE(backend->write("t/blk/" + c.object, pristine[c.object]).is_ok());
  }
}

TEST_CASE("vcpp2 chunk decoders survive hostile plain bytes") {
  // Valid compressed frames with damaged contents (as a writer bug or a crafted block would
  // produce): each decoder must refuse or succeed within bounds.
  SpanTable src;
  const Traces traces = sample_traces(20);
  std::vector<TraceId> ids;
  for (const auto& kv : traces) ids.push_back(kv.first);
  build(traces, ids, &src);
  block::vcpp2::RowGroup g;
  g.first = ids.front();
  g.last = ids.back();
  g.stats.traces = static_cast<uint32_t>(src.trace_count());
  g.stats.spans = static_cast<uint32_t>(src.span_count());
  std::mt19937_64 rng(11);
  std::string raw;
  int refused = 0, tries = 0;
  for (int c = 0; c < block::vcpp2::kFixedChunks; ++c) {
    block::vcpp2::encode_chunk(src, static_cast<block::vcpp2::Chunk>(c), &raw);
    for (int trial = 0; trial < 300; ++trial) {
      std::string bad = raw;
      switch (trial % 3) {
        case 0:
          if (!bad.empty()) bad[rng() % bad.size()] = static_cast<char>(rng());
          break;
        case 1:
          bad.resize(bad.empty() ? 0 : rng() % bad.size());
          break;
        default:
          bad.assign(rng() % 64, '\0');
          for (auto& ch : bad) ch = static_cast<char>(rng() | 0x80);  // long varints
      }
      // Every decoder after kDict/kStructure needs those; decode them from good bytes.
      SpanTable t;
      std::string good;
      for (int pre = 0; pre < c; ++pre) {
        block::vcpp2::encode_chunk(src, static_cast<block::vcpp2::Chunk>(pre), &good);
        REQUIRE(
            block::vcpp2::decode_chunk(static_cast<block::vcpp2::Chunk>(pre), good, g, &t).is_ok());
      }
      Status s = block::vcpp2::decode_chunk(static_cast<block::vcpp2::Chunk>(c), bad, g, &t);
      ++tries;
      if (!s.is_ok()) {
        CHECK(s.is(Status::Code::kCorruption));
        ++refused;
      }
    }
  }
  for (int o = 0; o < columnar::kAttrOwnerCount; ++o) {
    block::vcpp2::encode_attr_table(src.attrs[o], &raw);
    for (int trial = 0; trial < 200; ++trial) {
      std::string bad = raw;
      if (!bad.empty()) bad[rng() % bad.size()] = static_cast<char>(rng());
      if (trial % 2) bad.resize(bad.empty() ? 0 : rng() % bad.size());
      SpanTable t;
      std::string good;
      for (int pre = 0; pre < block::vcpp2::kFixedChunks; ++pre) {
        block::vcpp2::encode_chunk(src, static_cast<block::vcpp2::Chunk>(pre), &good);
        REQUIRE(
            block::vcpp2::decode_chunk(static_cast<block::vcpp2::Chunk>(pre), good, g, &t).is_ok());
      }
      Status s = block::vcpp2::decode_attrs(o, true, bad, &t);
      if (s.is_ok()) {
        t.derive();  // whatever was accepted is usable
      } else {
        CHECK(s.is(Status::Code::kCorruption));
      }
    }
  }
  CHECK(refused > tries / 2);
}

TEST_CASE("meta format dispatch: both formats open, unknown ones are refused clearly") {
  CHECK(block::encoding_for("vcpp1") != nullptr);
  CHECK(block::encoding_for("vcpp2") != nullptr);
  CHECK(block::encoding_for("vParquet4") == nullptr);
  CHECK(block::known_formats() == std::vector<std::string_view>{"vcpp1", "vcpp2"});

  block::BlockMeta m;
  m.block_id = "b";
  m.tenant_id = "t";
  m.bloom_shards = 1;
  CHECK(m.format == "vcpp2");  // the default
  block::BlockMeta back;
  REQUIRE(block::BlockMeta::from_json(m.to_json(), &back).is_ok());
  CHECK(back.format == "vcpp2");
  m.format = "vcpp1";
  REQUIRE(block::BlockMeta::from_json(m.to_json(), &back).is_ok());
  CHECK(back.format == "vcpp1");
  m.format = "vcpp3";
  Status s = block::BlockMeta::from_json(m.to_json(), &back);
  CHECK(s.is(Status::Code::kCorruption));
  CHECK(s.message().find("\"vcpp3\"") != std::string::npos);
  CHECK(s.message().find("\"vcpp1\", \"vcpp2\"") != std::string::npos);
  m.format = "vcpp2";
  m.format_version = block::encoding_for("vcpp2")->newest_version() + 1;
  s = block::BlockMeta::from_json(m.to_json(), &back);
  CHECK(s.is(Status::Code::kCorruption));
  CHECK(s.message().find("newer than this build") != std::string::npos);

  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  block::WriterOptions bad;
  bad.format = "nope";
  block::BlockWriter w(*backend, "t", "x", bad);
  CHECK(w.add(TraceId{}, "", 1, 2).is(Status::Code::kInvalidArgument));
  block::BlockWriter v2w(*backend, "t", "y", {});
  TraceId id;
  id.bytes[15] = 1;
  CHECK(v2w.add(id, "\xff\xff not a protobuf", 1, 2).is(Status::Code::kInvalidArgument));
}

// Index version 2 bytes rewritten as version 1 (no group table; one checksum).
std::string index_v1(const std::string& v2) {
  REQUIRE(v2.size() > 13);
  REQUIRE(static_cast<uint8_t>(v2[8]) < 0x80);  // a one-byte group count
  const size_t groups = static_cast<uint8_t>(v2[8]);
  const size_t entries_at = 9 + 60 * groups + 4;
  std::string v1 = v2.substr(0, 9);
  v1[4] = 1;
  v1 += v2.substr(entries_at, v2.size() - 4 - entries_at);
  le::append(v1, crc32_of(v1), 4);
  return v1;
}

TEST_CASE("vcpp2 formatVersion 1 blocks (one frame per chunk, index version 1) stay readable") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  const Traces traces = sample_traces(300);
  // Without framing the writer's data bytes are those of formatVersion 1; the index is
  // rewritten as version 1 wrote it.
  block::BlockMeta meta = write(*backend, traces, unframed(200));
  CHECK(meta.format_version == 2);
  meta.format_version = 1;
  REQUIRE(backend->write("t/blk/meta.json", meta.to_json()).is_ok());
  std::string index;
  REQUIRE(backend->read("t/blk/index", &index).is_ok());
  CHECK(le::load32(index.data() + 4) == 2);
  REQUIRE(backend->write("t/blk/index", index_v1(index)).is_ok());
  std::unique_ptr<block::BlockReader> r;
  REQUIRE(block::BlockReader::open(*backend, "t", "blk", &r).is_ok());
  CHECK(r->meta().format_version == 1);
  check_finds_all(*r, traces);
  ColumnSet all;
  all.everything = true;
  size_t seen = 0;
  REQUIRE(r->scan(
               all, nullptr,
               [&](const columnar::RowGroup& g) {
                 SpanTable want;
                 build(traces, g.table.traces.id, &want);
                 check_everything(g.table, want);
                 seen += g.table.trace_count();
                 return Status::ok();
               },
               nullptr)
              .is_ok());
  CHECK(seen == traces.size());
  // A damaged version 1 index is still caught by its one checksum, by lookups too.
  index = index_v1(index);
  index[index.size() / 2] ^= 0x10;
  REQUIRE(backend->write("t/blk/index", index).is_ok());
  REQUIRE(block::BlockReader::open(*backend, "t", "blk", &r).is_ok());
  std::string payload;
  bool found = false;
  CHECK(r->find(traces.begin()->first, &payload, &found).is(Status::Code::kCorruption));
}

TEST_CASE("vcpp2 frame tables: hostile tables are corruption, sized by nothing they claim") {
  using block::vcpp2::ChunkFrame;
  using block::vcpp2::ChunkRef;
  // A good framed chunk of three frames over rows 0, 10, 25 of 40.
  block::ZstdCompressor z;
  const std::vector<std::string> plains = {std::string(100, 'a'), std::string(50, 'b'),
                                           std::string(70, 'c')};
  std::vector<ChunkFrame> frames;
  std::string body;
  const uint32_t firsts[] = {0, 10, 25};
  for (size_t i = 0; i < plains.size(); ++i) {
    std::string c;
    REQUIRE(z.compress(plains[i], &c).is_ok());
    frames.push_back({firsts[i], 0, 0, static_cast<uint32_t>(c.size()),
                      static_cast<uint32_t>(plains[i].size()), i * 7});
    body += c;
  }
  std::string chunk;
  block::vcpp2::append_frame_table(frames, &chunk);
  chunk += body;
  ChunkRef ref{0, static_cast<uint32_t>(chunk.size()), 220};

  std::vector<ChunkFrame> got;
  REQUIRE(block::vcpp2::read_frame_table(chunk, ref, 40, &got).is_ok());
  REQUIRE(got.size() == 3);
  CHECK(got[1].first_row == 10);
  CHECK(got[1].end_row == 25);
  CHECK(got[2].end_row == 40);
  CHECK(got[2].state == 14);
  std::string buf;
  std::string_view plain;
  REQUIRE(block::vcpp2::inflate_chunk(chunk, ref, &buf, &plain).is_ok());
  CHECK(plain == plains[0] + plains[1] + plains[2]);

  auto refused = [&](const std::string& bytes, ChunkRef r, uint32_t rows = 40) {
    std::vector<ChunkFrame> f;
    Status s = block::vcpp2::read_frame_table(bytes, r, rows, &f);
    std::string b;
    std::string_view p;
    Status t = block::vcpp2::inflate_chunk(bytes, r, &b, &p);
    INFO(s.to_string() << " / " << t.to_string());
    // Nothing is sized by the claimed lengths: the buffer stays within the frames' bounds.
    CHECK(b.size() <= block::max_zstd_content(bytes.size()));
    return s.is(Status::Code::kCorruption) && t.is(Status::Code::kCorruption);
  };
  // The chunk's rows end before the last frame starts (a scan's decoders check rows instead,
  // against the group's structure).
  CHECK(block::vcpp2::read_frame_table(chunk, ref, 20, &got).is(Status::Code::kCorruption));
  CHECK(block::vcpp2::read_frame_table(chunk, ref, 25, &got).is(Status::Code::kCorruption));
  // Plain lengths that do not add up to the index's.
  CHECK(refused(chunk, ChunkRef{0, ref.length, 221}));
  CHECK(refused(chunk, ChunkRef{0, ref.length, 0xFFFFFFF0u}));
  // Truncated anywhere, with the index's length or the shorter one.
  for (size_t cut : {size_t{3}, size_t{8}, size_t{12}, chunk.size() / 2, chunk.size() - 1}) {
    INFO("cut at " << cut);
    const std::string t = chunk.substr(0, cut);
    CHECK(refused(t, ref));
    CHECK(refused(t, ChunkRef{0, static_cast<uint32_t>(cut), 220}));
  }
  // Every single damaged byte of the table: refused, or (a changed row or state that still
  // makes sense) read without touching more than the chunk holds.
  const size_t table_end = chunk.size() - body.size();
  for (size_t at = 0; at < table_end; ++at) {
    for (uint8_t flip : {0x01, 0x40, 0x80}) {
      std::string bad = chunk;
      bad[at] = static_cast<char>(bad[at] ^ flip);
      std::vector<ChunkFrame> f;
      Status s = block::vcpp2::read_frame_table(bad, ref, 40, &f);
      if (!s.is_ok()) {
        CHECK(s.is(Status::Code::kCorruption));
        continue;
      }
      uint64_t total = 0;
      for (const auto& fr : f) {
        CHECK(uint64_t{fr.offset} + fr.length <= bad.size());
        CHECK(fr.first_row < fr.end_row);
        total += fr.raw_length;
      }
      CHECK(total == ref.raw_length);
    }
  }
  // A table claiming a vast frame count or frame length.
  std::string huge;
  block::vcpp2::append_frame_table({{0, 0, 0, 0xFFFFFFF0u, 0xFFFFFFF0u, 0}}, &huge);
  huge += body;
  CHECK(refused(huge, ChunkRef{0, static_cast<uint32_t>(huge.size()), 0xFFFFFFF0u}));
  std::string many = chunk;
  many[8] = static_cast<char>(0xFF);  // the count's first byte: a long varint
  CHECK(refused(many, ref));
}

TEST_CASE("vcpp2: traces copied from a table with add_from read back as the table holds them") {
  testing::TempDir dir;
  auto backend = backend::make_local_backend(dir.path());
  // A source table of generated traces in ID order, and one rich trace among them.
  Traces traces;
  for (int i = 0; i < 300; ++i) {
    auto g = testing::generate_trace(testing::GenOptions{}, i);
    traces.emplace(g.id, std::move(g.data));
  }
  const std::string rich_id(16, '\x7a');
  TraceId rid;
  REQUIRE(TraceId::from_bytes(rich_id, &rid).is_ok());
  traces[rid] = testing::rich_trace(rich_id);
  SpanTable src;
  {
    columnar::SpanTableBuilder b(&src);
    for (const auto& [id, data] : traces) b.add_trace(id, data);
    b.finish();
  }
  block::WriterOptions o = v2();
  o.row_group_spans = 1;  // a group cut after every trace, the last one too
  block::BlockWriter w(*backend, "t", "copied", o);
  columnar::TableCopySource from;
  from.reset(&src);
  uint32_t row = 0;
  for (const auto& [id, data] : traces) {
    if (row == 5) {
      // A row that is not this trace's is refused, and the writer carries on.
      CHECK(w.add_from(id, from, row + 1, 1, 2).is(Status::Code::kInvalidArgument));
    }
    REQUIRE(w.add_from(id, from, row++, 1, 2).is_ok());
  }
  // A refused add() after a group was cut leaves no empty group behind.
  TraceId after;
  after.bytes.fill(0xff);
  CHECK(w.add(after, "\x0a\x05garbage", 1, 2).is(Status::Code::kInvalidArgument));
  block::BlockMeta meta;
  REQUIRE(w.finish(&meta).is_ok());
  CHECK(meta.total_objects == traces.size());
  std::unique_ptr<block::BlockReader> r;
  REQUIRE(block::BlockReader::open(*backend, "t", "copied", &r).is_ok());
  check_finds_all(*r, traces);
}
