// SpanTableBuilder::add_trace_from (the compactor's copy of a trace only one input holds):
// the copied trace assembles to exactly what the source's trace assembles to.

#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>

#include "tempo/columnar/otlp_columns.h"
#include "testing/rich_trace.h"
#include "testing/trace_gen.h"

using namespace tempo;
using namespace tempo::columnar;
using opentelemetry::proto::trace::v1::TracesData;

namespace {

// A finished table of `n` generated traces (seed `seed`) with a rich trace at row `rich_at`.
SpanTable source_table(int n, uint64_t seed, int rich_at) {
  SpanTable t;
  SpanTableBuilder b(&t);
  testing::GenOptions o;
  o.seed = seed;
  for (int i = 0; i < n; ++i) {
    if (i == rich_at) {
      std::string tid(16, static_cast<char>(0x40 + seed));
      TraceId id;
      REQUIRE(TraceId::from_bytes(tid, &id).is_ok());
      b.add_trace(id, testing::rich_trace(tid));
      continue;
    }
    const auto g = testing::generate_trace(o, i);
    b.add_trace(g.id, g.data);
  }
  b.finish();
  return t;
}

// Assembled trace `row` of `a` and `b` are the same message.
void same_trace(const SpanTable& a, uint32_t ra, const SpanTable& b, uint32_t rb) {
  TracesData x, y;
  assemble_trace(a, ra, &x);
  assemble_trace(b, rb, &y);
  std::string report;
  google::protobuf::util::MessageDifferencer d;
  d.ReportDifferencesToString(&report);
  INFO("source row " << ra << ", copy row " << rb << ": " << report);
  CHECK(d.Compare(x, y));
}

}  // namespace

TEST_CASE("table copy: every trace of a table, copied in order, assembles as the source's") {
  const SpanTable src = source_table(60, 3, 17);
  SpanTable out;
  SpanTableBuilder b(&out);
  TableCopySource from;
  from.reset(&src);
  for (uint32_t r = 0; r < src.trace_count(); ++r) b.add_trace_from(from, r);
  b.finish();
  REQUIRE(out.trace_count() == src.trace_count());
  CHECK(out.span_count() == src.span_count());
  CHECK(out.event_count() == src.event_count());
  CHECK(out.link_count() == src.link_count());
  CHECK(out.blobs.size() == src.blobs.size());
  for (int k = 0; k < kAttrOwnerCount; ++k) CHECK(out.attrs[k].size() == src.attrs[k].size());
  for (uint32_t r = 0; r < src.trace_count(); ++r) same_trace(src, r, out, r);
  // The derived columns come out of finish() as for any table.
  CHECK(out.traces.root == src.traces.root);
  CHECK(out.spans.nested_left == src.spans.nested_left);
}

TEST_CASE("table copy: skipped rows, rows out of order and two sources interleaved") {
  const SpanTable a = source_table(40, 5, 9), c = source_table(40, 6, 30);
  SpanTable out;
  SpanTableBuilder b(&out);
  TableCopySource fa, fc;
  fa.reset(&a);
  fc.reset(&c);
  // Every third row of a, interleaved with c's rows backwards: a's cursors move forward
  // over rows not copied, c's start over at each step back, and both sources' strings go
  // into one pool, where each source's guesses of their ids must hold up against the other's.
  std::vector<std::pair<const SpanTable*, uint32_t>> order;
  for (uint32_t r = 0; r < 40; ++r) {
    if (r % 3 == 0) {
      b.add_trace_from(fa, r);
      order.emplace_back(&a, r);
    }
    b.add_trace_from(fc, 39 - r);
    order.emplace_back(&c, 39 - r);
  }
  b.finish();
  REQUIRE(out.trace_count() == order.size());
  for (uint32_t i = 0; i < order.size(); ++i) same_trace(*order[i].first, order[i].second, out, i);
}

TEST_CASE("table copy: one source copied into one output table after another") {
  // A compaction cuts its output into row groups: the source's guesses of its strings' ids
  // were made in the last group's pool, and the next group's pool gives them other ids.
  const SpanTable src = source_table(50, 7, 20);
  TableCopySource from;
  from.reset(&src);
  SpanTable first, second;
  {
    SpanTableBuilder b(&first);
    for (uint32_t r = 0; r < 25; ++r) b.add_trace_from(from, r);
    b.finish();
  }
  {
    // The second group's pool starts with strings the first had never seen at those ids.
    SpanTableBuilder b(&second);
    const SpanTable other = source_table(5, 8, -1);
    TableCopySource from_other;
    from_other.reset(&other);
    for (uint32_t r = 0; r < 5; ++r) b.add_trace_from(from_other, r);
    for (uint32_t r = 25; r < 50; ++r) b.add_trace_from(from, r);
    b.finish();
    REQUIRE(second.trace_count() == 30);
    for (uint32_t r = 0; r < 5; ++r) same_trace(other, r, second, r);
  }
  REQUIRE(first.trace_count() == 25);
  for (uint32_t r = 0; r < 25; ++r) same_trace(src, r, first, r);
  for (uint32_t r = 25; r < 50; ++r) same_trace(src, r, second, r - 20);
}
