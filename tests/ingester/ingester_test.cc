#include "tempo/ingester/ingester.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "tempo/block/block.h"
#include "tempo/distributor/distributor.h"
#include "tempo/model/trace_combine.h"
#include "testing/counter_value.h"
#include "testing/temp_dir.h"

namespace {

using namespace tempo;
using opentelemetry::proto::trace::v1::TracesData;
namespace fs = std::filesystem;

TraceId make_id(uint8_t n) {
  TraceId id;
  id.bytes[15] = n;
  id.bytes[0] = 0xab;
  return id;
}

// One segment holding one span named `name` of trace `id`.
model::TraceSegment segment(const TraceId& id, uint8_t span, const std::string& name,
                            uint64_t start = 1000) {
  TracesData td;
  auto* rs = td.add_resource_spans();
  auto* attr = rs->mutable_resource()->add_attributes();
  attr->set_key("service.name");
  attr->mutable_value()->set_string_value("svc");
  auto* sp = rs->add_scope_spans()->add_spans();
  sp->set_trace_id(std::string(id.view()));
  sp->set_span_id(std::string(7, '\0') + static_cast<char>(span));
  sp->set_name(name);
  sp->set_start_time_unix_nano(start);
  sp->set_end_time_unix_nano(start + 10);
  model::TraceSegment s;
  s.id = id;
  td.SerializeToString(&s.bytes);
  s.start_unix_nano = start;
  s.end_unix_nano = start + 10;
  s.spans = 1;
  return s;
}

std::vector<std::string> span_names(const std::vector<std::string>& segments) {
  TracesData td;
  REQUIRE(model::combine_segments(segments, &td).is_ok());
  std::vector<std::string> names;
  for (const auto& rs : td.resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& sp : ss.spans()) names.push_back(sp.name());
  std::sort(names.begin(), names.end());
  return names;
}

// A push that expects no limit to refuse anything.
Status push(ingester::Ingester& ing, std::string_view tenant,
            std::span<const model::TraceSegment> segments) {
  ingester::Refused refused;
  Status s = ing.push(tenant, segments, &refused);
  CHECK(refused.total() == 0);
  return s;
}

size_t count_files(const std::string& dir) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file()) ++n;
  return n;
}

struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<backend::Backend> backend = backend::make_local_backend(dir.sub("blocks"));
  std::vector<block::BlockMeta> flushed;
  std::mutex mu;

  ingester::IngesterOptions options() {
    ingester::IngesterOptions o;
    o.wal_path = dir.sub("wal");
    o.wal_sync = false;
    o.max_block_duration = std::chrono::hours(1);
    return o;
  }
  std::unique_ptr<ingester::Ingester> make(ingester::IngesterOptions o) {
    auto ing = std::make_unique<ingester::Ingester>(o, *backend, [this](const block::BlockMeta& m) {
      std::lock_guard<std::mutex> l(mu);
      flushed.push_back(m);
    });
    REQUIRE(ing->start().is_ok());
    return ing;
  }
  // Options under which tenant "t" falls behind on its flushes: a block is cut at every push,
  // at most 2 may wait, and a file where the tenant's block directory belongs makes every
  // flush fail and be retried, so sealed blocks pile up as when block building falls behind
  // ingest. Returns the blocker's path: removing it lets the flushes through.
  std::string behind_on_flushes(ingester::IngesterOptions* o, std::chrono::nanoseconds wait) {
    o->max_block_bytes = 1;  // every push fills the head; the flush loop cuts it
    o->flush_check_period = std::chrono::milliseconds(20);
    o->max_unflushed_blocks = 2;
    o->backlog_wait = wait;
    std::filesystem::create_directories(dir.sub("blocks"));
    const std::string blocker = dir.sub("blocks") + "/t";
    std::ofstream(blocker) << "not a directory";
    return blocker;
  }
  // Whether a block flushed so far holds trace `id` of `tenant`.
  bool in_blocks(const std::string& tenant, const TraceId& id) {
    std::lock_guard<std::mutex> l(mu);
    for (const auto& meta : flushed) {
      if (meta.tenant_id != tenant) continue;
      std::unique_ptr<block::BlockReader> reader;
      REQUIRE(block::BlockReader::open(*backend, tenant, meta.block_id, &reader).is_ok());
      std::string payload;
      bool found = false;
      REQUIRE(reader->find(id, &payload, &found).is_ok());
      if (found) return true;
    }
    return false;
  }
};

}  // namespace

TEST_CASE("pushed segments are found, merged across pushes") {
  Fixture f;
  auto ing = f.make(f.options());
  std::vector<model::TraceSegment> a = {segment(make_id(1), 1, "a1"), segment(make_id(2), 1, "b1")};
  std::vector<model::TraceSegment> b = {segment(make_id(1), 2, "a2")};
  REQUIRE(push(*ing, "t1", a).is_ok());
  REQUIRE(push(*ing, "t1", b).is_ok());

  std::vector<std::string> segs;
  uint64_t bytes = 0;
  REQUIRE(ing->find("t1", make_id(1), &segs, &bytes).is_ok());
  CHECK(span_names(segs) == std::vector<std::string>{"a1", "a2"});
  CHECK(bytes > 0);

  segs.clear();
  REQUIRE(ing->find("t2", make_id(1), &segs, &bytes).is_ok());  // other tenant sees nothing
  CHECK(segs.empty());
  segs.clear();
  REQUIRE(ing->find("t1", make_id(9), &segs, &bytes).is_ok());
  CHECK(segs.empty());
}

TEST_CASE("flush writes a sorted block, empties the wal, and announces the block") {
  Fixture f;
  auto ing = f.make(f.options());
  std::vector<model::TraceSegment> batch;
  for (uint8_t i = 50; i > 0; --i) batch.push_back(segment(make_id(i), 1, "s" + std::to_string(i)));
  REQUIRE(push(*ing, "single-tenant", batch).is_ok());
  REQUIRE(push(*ing, "single-tenant", std::vector{segment(make_id(7), 2, "extra")}).is_ok());
  REQUIRE(ing->flush().is_ok());

  CHECK(count_files(f.dir.sub("wal")) == 0);
  REQUIRE(f.flushed.size() == 1);
  const auto& meta = f.flushed[0];
  CHECK(meta.tenant_id == "single-tenant");
  CHECK(meta.total_objects == 50);

  std::unique_ptr<block::BlockReader> reader;
  REQUIRE(block::BlockReader::open(*f.backend, "single-tenant", meta.block_id, &reader).is_ok());
  std::string payload;
  bool found = false;
  REQUIRE(reader->find(make_id(7), &payload, &found).is_ok());
  REQUIRE(found);
  CHECK(span_names({payload}) == std::vector<std::string>{"extra", "s7"});

  // Scan order is trace-ID order.
  std::vector<TraceId> order;
  REQUIRE(reader->scan([&](const TraceId& id, std::string_view) {
                  order.push_back(id);
                  return Status::ok();
                }).is_ok());
  CHECK(std::is_sorted(order.begin(), order.end()));
  CHECK(order.size() == 50);

  // Nothing left in the ingester for the flushed trace.
  std::vector<std::string> segs;
  uint64_t bytes = 0;
  REQUIRE(ing->find("single-tenant", make_id(7), &segs, &bytes).is_ok());
  CHECK(segs.empty());
}

TEST_CASE("a crash before flush loses nothing: the wal is replayed and flushed") {
  Fixture f;
  std::string block_id;
  {
    auto ing = f.make(f.options());
    REQUIRE(push(*ing, "t", std::vector{segment(make_id(3), 1, "before-crash")}).is_ok());
    ing->stop();  // no flush: like a process that died
  }
  auto ing = f.make(f.options());
  // Replayed data is readable at once, before its block is written.
  std::vector<std::string> segs;
  uint64_t bytes = 0;
  REQUIRE(ing->find("t", make_id(3), &segs, &bytes).is_ok());
  if (segs.empty()) {
    // The flush pool may already have written it; then it is in the announced block.
    std::lock_guard<std::mutex> l(f.mu);
    REQUIRE(f.flushed.size() == 1);
  } else {
    CHECK(span_names(segs) == std::vector<std::string>{"before-crash"});
  }
  REQUIRE(ing->flush().is_ok());
  std::lock_guard<std::mutex> l(f.mu);
  REQUIRE(f.flushed.size() == 1);
  CHECK(f.flushed[0].total_objects == 1);
  CHECK(count_files(f.dir.sub("wal")) == 0);
}

TEST_CASE("the head block is cut by age and flushed in the background") {
  Fixture f;
  auto o = f.options();
  o.max_block_duration = std::chrono::milliseconds(200);
  o.flush_check_period = std::chrono::milliseconds(100);
  auto ing = f.make(o);
  REQUIRE(push(*ing, "t", std::vector{segment(make_id(4), 1, "aged")}).is_ok());
  for (int i = 0; i < 100; ++i) {
    {
      std::lock_guard<std::mutex> l(f.mu);
      if (!f.flushed.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::lock_guard<std::mutex> l(f.mu);
  REQUIRE(f.flushed.size() == 1);
  CHECK(f.flushed[0].tenant_id == "t");
}

TEST_CASE("the head block is cut by size") {
  Fixture f;
  auto o = f.options();
  o.max_block_bytes = 1;  // every push fills the head
  o.flush_check_period = std::chrono::milliseconds(50);
  auto ing = f.make(o);
  REQUIRE(push(*ing, "t", std::vector{segment(make_id(5), 1, "x")}).is_ok());
  for (int i = 0; i < 100; ++i) {
    {
      std::lock_guard<std::mutex> l(f.mu);
      if (!f.flushed.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::lock_guard<std::mutex> l(f.mu);
  CHECK(f.flushed.size() == 1);
}

TEST_CASE("concurrent pushes all land") {
  Fixture f;
  auto ing = f.make(f.options());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};  // Catch2 assertions are not thread-safe
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto id = make_id(static_cast<uint8_t>(t * 25 + i));
        if (!push(*ing, "t", std::vector{segment(id, 1, "p")}).is_ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  REQUIRE(ing->flush().is_ok());
  std::lock_guard<std::mutex> l(f.mu);
  REQUIRE(f.flushed.size() == 1);
  CHECK(f.flushed[0].total_objects == 100);
}

TEST_CASE("limits: max_bytes_per_trace refuses what would grow a live trace past it") {
  Fixture f;
  auto o = f.options();
  const size_t one = segment(make_id(1), 1, "span-0001").bytes.size();
  o.max_bytes_per_trace = 2 * one + one / 2;  // two spans fit, a third does not
  auto ing = f.make(o);
  std::vector<model::TraceSegment> batch = {segment(make_id(1), 1, "span-0001"),
                                            segment(make_id(2), 1, "other-001"),
                                            segment(make_id(1), 2, "span-0002")};
  ingester::Refused refused;
  REQUIRE(ing->push("t", batch, &refused).is_ok());
  CHECK(refused.total() == 0);
  std::vector<model::TraceSegment> more = {segment(make_id(1), 3, "span-0003"),
                                           segment(make_id(2), 2, "other-002")};
  REQUIRE(ing->push("t", more, &refused).is_ok());
  CHECK(refused.trace_too_large == 1);
  CHECK(refused.live_traces_exceeded == 0);
  CHECK_THAT(refused.message,
             Catch::StartsWith("TRACE_TOO_LARGE: max size of trace (" +
                               std::to_string(o.max_bytes_per_trace) + ") exceeded while adding ") &&
                 Catch::EndsWith("bytes to trace " + make_id(1).hex() + " for tenant t"));

  // The refused span is not stored; the other trace's span in the same push is.
  std::vector<std::string> segs;
  uint64_t bytes = 0;
  REQUIRE(ing->find("t", make_id(1), &segs, &bytes).is_ok());
  CHECK(span_names(segs) == std::vector<std::string>{"span-0001", "span-0002"});
  segs.clear();
  REQUIRE(ing->find("t", make_id(2), &segs, &bytes).is_ok());
  CHECK(span_names(segs) == std::vector<std::string>{"other-001", "other-002"});
}

TEST_CASE("limits: max_traces_per_user refuses new traces, not spans of live ones") {
  Fixture f;
  auto o = f.options();
  o.max_traces_per_user = 2;
  auto ing = f.make(o);
  ingester::Refused refused;
  std::vector<model::TraceSegment> batch = {segment(make_id(1), 1, "a"), segment(make_id(2), 1, "b"),
                                            segment(make_id(3), 1, "c"), segment(make_id(1), 2, "a2")};
  REQUIRE(ing->push("t", batch, &refused).is_ok());
  CHECK(refused.live_traces_exceeded == 1);
  CHECK(refused.message ==
        "LIVE_TRACES_EXCEEDED: max live traces exceeded for tenant t: per-user traces limit "
        "(local: 2 global: 0 actual local: 2) exceeded");
  std::vector<std::string> segs;
  uint64_t bytes = 0;
  REQUIRE(ing->find("t", make_id(3), &segs, &bytes).is_ok());
  CHECK(segs.empty());
  REQUIRE(ing->find("t", make_id(1), &segs, &bytes).is_ok());
  CHECK(span_names(segs) == std::vector<std::string>{"a", "a2"});
  // Another tenant has its own budget.
  ingester::Refused other;
  REQUIRE(ing->push("u", std::vector{segment(make_id(3), 1, "c")}, &other).is_ok());
  CHECK(other.total() == 0);
}

// Live traces expire from an arrival-ordered queue, not a sweep over all of them: a trace seen
// again and again stays live (its queue entries are renewed), one left idle past
// trace_idle_period (plus the queue's one-second granularity) is forgotten, so its slot under
// max_traces_per_user is free again. The live set's 32-bit millisecond clock wraps 2 s after
// the tenant's first push (TenantInstance::kFirstWrapAfter): trace 1 is renewed across the
// wrap and must stay, then left idle after it and must go.
TEST_CASE("limits: idle traces leave the live set, traces still being written stay") {
  Fixture f;
  auto o = f.options();
  o.max_traces_per_user = 2;
  o.trace_idle_period = std::chrono::milliseconds(200);
  o.flush_check_period = std::chrono::milliseconds(100);  // the sweep's period
  auto ing = f.make(o);
  REQUIRE(push(*ing, "t", std::vector{segment(make_id(1), 1, "a"), segment(make_id(2), 1, "b")})
              .is_ok());
  // Trace 1 keeps arriving for 3 s; trace 2 is idle all that time.
  for (int i = 0; i < 30; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    REQUIRE(push(*ing, "t", std::vector{segment(make_id(1), 1, "a" + std::to_string(i))}).is_ok());
  }
  // Trace 2's slot is free; trace 1 still holds the other one.
  ingester::Refused refused;
  REQUIRE(ing->push("t", std::vector{segment(make_id(3), 1, "c")}, &refused).is_ok());
  CHECK(refused.total() == 0);
  REQUIRE(ing->push("t", std::vector{segment(make_id(4), 1, "d")}, &refused).is_ok());
  CHECK(refused.live_traces_exceeded == 1);
  std::vector<std::string> segs;
  uint64_t bytes = 0;
  REQUIRE(ing->find("t", make_id(1), &segs, &bytes).is_ok());
  CHECK(segs.size() == 31);
  // Past the wrap, traces 1 and 3 left idle: both slots free again.
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));
  ingester::Refused later;
  REQUIRE(
      ing->push("t", std::vector{segment(make_id(5), 1, "e"), segment(make_id(6), 1, "f")}, &later)
          .is_ok());
  CHECK(later.total() == 0);
}

TEST_CASE("a tenant whose sealed blocks wait for their flush past max_unflushed_blocks is refused, then taken again") {
  Fixture f;
  auto o = f.options();
  // Each refusal first waits 50 ms for a flush.
  const std::string blocker = f.behind_on_flushes(&o, std::chrono::milliseconds(50));
  auto ing = f.make(o);

  std::vector<uint8_t> acknowledged;
  Status refused;
  for (uint8_t i = 1; i < 200 && refused.is_ok(); ++i) {
    ingester::Refused r;
    Status s = ing->push("t", std::vector{segment(make_id(i), 1, "s")}, &r);
    CHECK(r.flush_backlog == !s.is_ok());
    if (s.is_ok()) {
      acknowledged.push_back(i);
    } else {
      refused = s;
      // The refused trace was not stored.
      std::vector<std::string> segs;
      uint64_t bytes = 0;
      REQUIRE(ing->find("t", make_id(i), &segs, &bytes).is_ok());
      CHECK(segs.empty());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  REQUIRE(refused.is(Status::Code::kUnavailable));
  CHECK_THAT(refused.message(), Catch::Contains("ingester.max_unflushed_blocks"));
  CHECK(acknowledged.size() >= 2);
  // Through the distributor the refused spans are discarded for the backlog, not for an
  // unknown error. The flushes still fail, so the backlog is still full.
  {
    const std::string backlog =
        "tempo_discarded_spans_total{reason=\"flush_backlog\",tenant=\"t\"}";
    const std::string unknown =
        "tempo_discarded_spans_total{reason=\"unknown_error\",tenant=\"t\"}";
    const double backlog_before = testing::counter_value(backlog);
    const double unknown_before = testing::counter_value(unknown);
    distributor::Distributor d(*ing);
    model::SplitResult split;
    split.segments = {segment(make_id(230), 1, "a"), segment(make_id(231), 1, "b"),
                      segment(make_id(232), 1, "c")};
    split.spans_accepted = 3;
    distributor::PushResult out;
    Status s = d.push("t", std::move(split), 100, "otlp", "grpc", &out);
    CHECK(s.is(Status::Code::kUnavailable));
    CHECK(out.accepted_spans == 0);
    CHECK(testing::counter_value(backlog) == backlog_before + 3);
    CHECK(testing::counter_value(unknown) == unknown_before);
  }
  // Other tenants are not held back by this one's backlog.
  CHECK(push(*ing, "other", std::vector{segment(make_id(250), 1, "o")}).is_ok());

  // Once blocks can be written again the backlog drains and pushes are taken.
  std::filesystem::remove(blocker);
  Status again = Status::unavailable("not yet");
  for (int i = 0; i < 400 && !again.is_ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    ingester::Refused r;
    again = ing->push("t", std::vector{segment(make_id(240), 1, "later")}, &r);
  }
  REQUIRE(again.is_ok());
  // Every acknowledged trace is in a block once the rest is flushed.
  REQUIRE(ing->flush().is_ok());
  size_t found_count = 0;
  for (uint8_t i : acknowledged) found_count += f.in_blocks("t", make_id(i)) ? 1 : 0;
  CHECK(found_count == acknowledged.size());
}

TEST_CASE("a push that meets max_unflushed_blocks waits for a flush to make room and is taken") {
  Fixture f;
  auto o = f.options();
  // The wait is far longer than the flushes take once unblocked.
  const std::string blocker = f.behind_on_flushes(&o, std::chrono::seconds(60));
  auto ing = f.make(o);
  const std::string waits = "tempo_ingester_flush_backlog_waits_total{tenant=\"t\"}";
  const std::string refusals = "tempo_ingester_flush_backlog_refusals_total{tenant=\"t\"}";
  const double waits_before = testing::counter_value(waits);
  const double refusals_before = testing::counter_value(refusals);

  // Flushes fail until the blocker goes; pushes meanwhile fill the backlog, and the first
  // push that meets it waits instead of being refused.
  std::atomic<bool> waited{false};
  std::thread unblock([&] {
    for (int n = 0; n < 6000 && testing::counter_value(waits) == waits_before; ++n) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    waited = testing::counter_value(waits) > waits_before;
    std::filesystem::remove(blocker);
  });
  // Failures are collected, not REQUIREd: the unblocking thread must be joined first.
  std::vector<std::string> failed;
  for (uint8_t i = 1; i <= 12; ++i) {
    ingester::Refused r;
    Status s = ing->push("t", std::vector{segment(make_id(i), 1, "s")}, &r);
    if (!s.is_ok() || r.flush_backlog) failed.push_back(std::to_string(i) + ": " + s.to_string());
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  unblock.join();
  CHECK(failed == std::vector<std::string>{});
  CHECK(waited);
  CHECK(testing::counter_value(refusals) == refusals_before);
  // Every push was taken: each trace is in a block once the rest is flushed.
  REQUIRE(ing->flush().is_ok());
  for (uint8_t i = 1; i <= 12; ++i) {
    INFO("trace " << int(i));
    CHECK(f.in_blocks("t", make_id(i)));
  }
}
