// The real Ingester over a FaultEnv: for each fault (ENOSPC, EIO on fdatasync, short writes) and
// for a crash at every operation of a run that pushes, cuts and flushes blocks, every push that
// returned ok is readable after a restart, a push that returned an error is not acknowledged
// (and, after a power loss, not there), the error is retryable (503 at the receivers), and the
// ingester takes pushes again once the fault clears, without a restart.

#include <catch2/catch.hpp>
#include <cerrno>
#include <future>
#include <map>
#include <set>

#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "tempo/block/block.h"
#include "tempo/ingester/ingester.h"
#include "tempo/model/otlp_status.h"
#include "testing/fault_env.h"
#include "testing/temp_dir.h"

namespace {

using namespace tempo;
using opentelemetry::proto::trace::v1::TracesData;
using testing::FaultEnv;
using Fault = FaultEnv::Fault;
using Op = FaultEnv::Op;

// One push = one trace holding one span; the span's name says which push it came from.
struct Push {
  std::string tenant;
  int n;
  std::string name() const { return tenant + "/p" + std::to_string(n); }
  TraceId id() const {
    TraceId id;
    id.bytes[0] = 0xfa;
    id.bytes[14] = static_cast<uint8_t>(tenant.size());
    id.bytes[15] = static_cast<uint8_t>(n);
    return id;
  }
  model::TraceSegment segment() const {
    TracesData td;
    auto* sp = td.add_resource_spans()->add_scope_spans()->add_spans();
    sp->set_trace_id(std::string(id().view()));
    sp->set_span_id(std::string(7, '\0') + static_cast<char>(n));
    sp->set_name(name());
    sp->set_start_time_unix_nano(1000);
    sp->set_end_time_unix_nano(1010);
    model::TraceSegment s;
    s.id = id();
    td.SerializeToString(&s.bytes);
    s.start_unix_nano = 1000;
    s.end_unix_nano = 1010;
    s.spans = 1;
    return s;
  }
};

struct Fixture {
  testing::TempDir dir;
  FaultEnv env;
  std::unique_ptr<backend::Backend> backend = backend::make_local_backend(dir.sub("blocks"));
  std::mutex mu;
  std::map<std::string, block::BlockMeta> flushed;  // by block ID: a rewrite replaces
  std::set<std::string> acked, refused;

  std::unique_ptr<ingester::Ingester> make() {
    ingester::IngesterOptions o;
    o.wal_path = dir.sub("wal");
    o.wal_sync = true;
    o.env = &env;
    o.max_block_duration = std::chrono::hours(1);
    return std::make_unique<ingester::Ingester>(o, *backend, [this](const block::BlockMeta& m) {
      std::lock_guard<std::mutex> l(mu);
      flushed[m.block_id] = m;
    });
  }

  Status push(ingester::Ingester& ing, const Push& p) {
    ingester::Refused refused_by_limits;
    std::vector<model::TraceSegment> segs{p.segment()};
    Status s = ing.push(p.tenant, segs, &refused_by_limits);
    REQUIRE(refused_by_limits.total() == 0);
    (s.is_ok() ? acked : refused).insert(p.name());
    return s;
  }

  // flush(), unless the simulated process dies meanwhile: then the flush pool retries
  // forever, so stop the ingester to end the wait.
  void flush_or_die(ingester::Ingester& ing, std::string_view tenant) {
    auto done = std::async(std::launch::async, [&] { return ing.flush(tenant); });
    while (done.wait_for(std::chrono::milliseconds(5)) != std::future_status::ready) {
      if (env.crashed()) {
        ing.stop();
        break;
      }
    }
    Status s = done.get();
    if (!env.crashed()) REQUIRE(s.is_ok());
  }

  // A new ingester over what the disk kept: replays, flushes everything, and returns the span
  // names now stored in the backend.
  std::multiset<std::string> restart_and_read_all() {
    auto ing = make();
    REQUIRE(ing->start().is_ok());
    REQUIRE(ing->flush().is_ok());
    ing.reset();
    std::multiset<std::string> names;
    std::lock_guard<std::mutex> l(mu);
    for (const auto& [id, meta] : flushed) {
      std::unique_ptr<block::BlockReader> reader;
      REQUIRE(block::BlockReader::open(*backend, meta.tenant_id, id, &reader).is_ok());
      REQUIRE(reader
                  ->scan([&](const TraceId&, std::string_view payload) {
                    TracesData td;
                    REQUIRE(td.ParseFromArray(payload.data(), static_cast<int>(payload.size())));
                    std::set<std::string> in_trace;  // a span pushed twice counts once
                    for (const auto& rs : td.resource_spans())
                      for (const auto& ss : rs.scope_spans())
                        for (const auto& sp : ss.spans()) in_trace.insert(sp.name());
                    names.insert(in_trace.begin(), in_trace.end());
                    return Status::ok();
                  })
                  .is_ok());
    }
    return names;
  }

  // Everything acknowledged is there exactly once; nothing that was never pushed is; a refused
  // push is absent unless `refused_may_remain` (the page cache outlived the process).
  void check_recovered(const std::multiset<std::string>& names, bool refused_may_remain) {
    for (const auto& a : acked) {
      CAPTURE(a);
      CHECK(names.count(a) == 1);
    }
    for (const auto& n : names) {
      CAPTURE(n);
      CHECK(names.count(n) == 1);
      const bool known = acked.count(n) || refused.count(n);
      CHECK(known);
      if (!refused_may_remain) CHECK(acked.count(n) == 1);
    }
  }
};

// Pushes to two tenants, cuts and flushes one, pushes again: every kind of WAL operation the
// ingester does (directory creation and sync, new segment, appends, replay, removal).
void workload(Fixture& f) {
  auto ing = f.make();
  if (!ing->start().is_ok()) return;
  const std::vector<Push> first = {{"t1", 0}, {"t1", 1}, {"t2", 2}};
  for (const auto& p : first) {
    if (f.env.crashed()) return;
    ignore_error(f.push(*ing, p), "the outcome is recorded in f.acked / f.refused");
  }
  if (f.env.crashed()) return;
  f.flush_or_die(*ing, "t1");
  const std::vector<Push> second = {{"t1", 3}, {"t2", 4}};
  for (const auto& p : second) {
    if (f.env.crashed()) return;
    ignore_error(f.push(*ing, p), "the outcome is recorded in f.acked / f.refused");
  }
}

}  // namespace

TEST_CASE("ingester fault: a crash at any disk operation loses no acknowledged push") {
  uint64_t total = 0;
  {
    Fixture f;
    workload(f);
    REQUIRE(f.acked.size() == 5);
    total = f.env.mutations();
  }
  REQUIRE(total > 15);
  for (auto loss : {FaultEnv::Loss::kUnsynced, FaultEnv::Loss::kNone}) {
    for (uint64_t at = 1; at <= total; ++at) {
      CAPTURE(at, loss == FaultEnv::Loss::kUnsynced);
      Fixture f;
      f.env.crash_at_mutation(at);
      workload(f);
      REQUIRE(f.env.crashed());
      f.env.restart(loss);
      f.check_recovered(f.restart_and_read_all(), loss == FaultEnv::Loss::kNone);
    }
  }
}

TEST_CASE("ingester fault: ENOSPC on a WAL write is a retryable error and the next push works") {
  Fixture f;
  auto ing = f.make();
  REQUIRE(ing->start().is_ok());
  REQUIRE(f.push(*ing, {"t", 0}).is_ok());
  f.env.inject(Fault(Op::kWrite).on(".wal").with_errno(ENOSPC));
  Status s = f.push(*ing, {"t", 1});
  CHECK(s.is(Status::Code::kUnavailable));
  CHECK(s.message().find("storing spans in the wal of tenant t: write ") == 0);
  CHECK(s.message().ends_with(": No space left on device"));
  CHECK(model::http_status_for(s) == 503);  // the receivers add Retry-After to a 503
  CHECK(model::grpc_code_for(s) == 14);     // UNAVAILABLE: OTLP exporters retry
  REQUIRE(f.push(*ing, {"t", 2}).is_ok());  // space again, no restart
  // A crash now (power loss) keeps what was acknowledged, and only that.
  ing.reset();
  f.env.restart(FaultEnv::Loss::kUnsynced);
  auto names = f.restart_and_read_all();
  f.check_recovered(names, false);
  CHECK(names == std::multiset<std::string>{"t/p0", "t/p2"});
}

TEST_CASE(
    "ingester fault: ENOSPC while starting a new WAL segment refuses the push, the next one "
    "works") {
  for (auto op : {Op::kOpen, Op::kWrite, Op::kSyncDir, Op::kCreateDirs}) {
    CAPTURE(static_cast<int>(op));
    Fixture f;
    auto ing = f.make();
    REQUIRE(ing->start().is_ok());
    f.env.inject(Fault(op).with_errno(ENOSPC));
    Status s = f.push(*ing, {"t", 0});
    CHECK(s.is(Status::Code::kUnavailable));
    CHECK(s.message().ends_with(": No space left on device"));
    REQUIRE(f.push(*ing, {"t", 1}).is_ok());
    ing.reset();
    f.env.restart(FaultEnv::Loss::kUnsynced);
    auto names = f.restart_and_read_all();
    CHECK(names == std::multiset<std::string>{"t/p1"});
    // No empty segment was left behind by the failed attempt.
    CHECK(f.flushed.size() == 1);
  }
}

TEST_CASE(
    "ingester fault: EIO on fdatasync refuses the push, seals the segment, and the next push goes "
    "to a new one") {
  Fixture f;
  auto ing = f.make();
  REQUIRE(ing->start().is_ok());
  REQUIRE(f.push(*ing, {"t", 0}).is_ok());
  REQUIRE(f.push(*ing, {"t", 1}).is_ok());
  f.env.inject(Fault(Op::kSync).on(".wal").with_errno(EIO));
  Status s = f.push(*ing, {"t", 2});
  CHECK(s.is(Status::Code::kUnavailable));
  CHECK(s.message().ends_with(": Input/output error"));
  CHECK(s.message().find("fdatasync") != std::string::npos);
  REQUIRE(f.push(*ing, {"t", 3}).is_ok());  // a new segment, no restart
  // The failed segment was sealed and flushed with its two acknowledged pushes.
  REQUIRE(ing->flush().is_ok());
  {
    std::lock_guard<std::mutex> l(f.mu);
    CHECK(f.flushed.size() == 2);
  }
  ing.reset();
  f.env.restart(FaultEnv::Loss::kUnsynced);
  auto names = f.restart_and_read_all();
  f.check_recovered(names, false);
  CHECK(names == std::multiset<std::string>{"t/p0", "t/p1", "t/p3"});
}

TEST_CASE("ingester fault: EIO on the very first fdatasync of a segment leaves no empty block") {
  Fixture f;
  auto ing = f.make();
  REQUIRE(ing->start().is_ok());
  // Skip the sync of the new file's header; fail the sync of the first append.
  f.env.inject(Fault(Op::kSync).on(".wal").after(1).with_errno(EIO));
  CHECK(f.push(*ing, {"t", 0}).is(Status::Code::kUnavailable));
  REQUIRE(f.push(*ing, {"t", 1}).is_ok());
  REQUIRE(ing->flush().is_ok());
  ing.reset();
  f.env.restart(FaultEnv::Loss::kUnsynced);
  CHECK(f.restart_and_read_all() == std::multiset<std::string>{"t/p1"});
  CHECK(f.flushed.size() == 1);
}

TEST_CASE("ingester fault: a short write then a crash replays every acknowledged push") {
  Fixture f;
  {
    auto ing = f.make();
    REQUIRE(ing->start().is_ok());
    REQUIRE(f.push(*ing, {"t", 0}).is_ok());
    f.env.inject(Fault(Op::kWrite).on(".wal").short_write(11));
    f.env.inject(Fault(Op::kWrite).on(".wal").after(1).crash());
    CHECK_FALSE(f.push(*ing, {"t", 1}).is_ok());
    REQUIRE(f.env.crashed());
  }
  f.env.restart(FaultEnv::Loss::kNone);  // the torn record is in the file
  auto names = f.restart_and_read_all();
  CHECK(names == std::multiset<std::string>{"t/p0"});
}

TEST_CASE(
    "ingester fault: a crash after a block is written and before its WAL is removed rewrites the "
    "same block") {
  Fixture f;
  {
    auto ing = f.make();
    REQUIRE(ing->start().is_ok());
    REQUIRE(f.push(*ing, {"t", 0}).is_ok());
    f.env.inject(Fault(Op::kRemove).on(".wal").crash());
    f.flush_or_die(*ing, "t");
    REQUIRE(f.env.crashed());
  }
  {
    std::lock_guard<std::mutex> l(f.mu);
    REQUIRE(f.flushed.size() == 1);  // announced before the removal was tried
  }
  f.env.restart(FaultEnv::Loss::kUnsynced);
  auto names = f.restart_and_read_all();
  CHECK(names == std::multiset<std::string>{"t/p0"});
  CHECK(f.flushed.size() == 1);  // the same block ID again, not a second block
}

TEST_CASE("ingester fault: a WAL directory that cannot be listed fails the start") {
  Fixture f;
  {
    auto ing = f.make();
    REQUIRE(ing->start().is_ok());
    REQUIRE(f.push(*ing, {"t", 0}).is_ok());
  }
  f.env.inject(Fault(Op::kListDir).with_errno(EACCES));
  auto ing = f.make();
  Status s = ing->start();
  CHECK(s.is(Status::Code::kIOError));
  CHECK(s.message() == "list directory " + f.dir.sub("wal") + ": Permission denied");
}
