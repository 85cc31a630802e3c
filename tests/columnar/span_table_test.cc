#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>

#include "tempo/columnar/fetch.h"
#include "tempo/columnar/otlp_columns.h"
#include "testing/rich_trace.h"
#include "testing/trace_gen.h"

using namespace tempo;
using namespace tempo::columnar;
using opentelemetry::proto::trace::v1::TracesData;

namespace {

bool same(const TracesData& a, const TracesData& b) {
  google::protobuf::util::MessageDifferencer d;
  d.set_message_field_comparison(google::protobuf::util::MessageDifferencer::EQUIVALENT);
  std::string report;
  d.ReportDifferencesToString(&report);
  bool eq = d.Compare(a, b);
  if (!eq) UNSCOPED_INFO(report);
  return eq;
}

}  // namespace

TEST_CASE("a trace goes through the table unchanged") {
  std::string tid(16, '\x05');
  TraceId id;
  REQUIRE(TraceId::from_bytes(tid, &id).is_ok());
  TracesData in = testing::rich_trace(tid);
  SpanTable t;
  SpanTableBuilder b(&t);
  b.add_trace(id, in);
  b.finish();
  REQUIRE(t.trace_count() == 1);
  REQUIRE(t.span_count() == 3);
  REQUIRE(t.resource_count() == 2);
  TracesData out;
  assemble_trace(t, 0, &out);
  CHECK(same(in, out));
}

TEST_CASE("derived columns: owners, parents, nested sets, root, trace times") {
  std::string tid(16, '\x05');
  TraceId id;
  REQUIRE(TraceId::from_bytes(tid, &id).is_ok());
  SpanTable t;
  SpanTableBuilder b(&t);
  b.add_trace(id, testing::rich_trace(tid));
  b.finish();
  const auto& sp = t.spans;
  CHECK(sp.parent == std::vector<uint32_t>{kNoRow, 0, 1});
  CHECK(sp.child_count == std::vector<uint32_t>{1, 1, 0});
  CHECK(sp.resource == std::vector<uint32_t>{0, 0, 1});
  // root contains child contains grandchild
  CHECK(sp.nested_left[0] < sp.nested_left[1]);
  CHECK(sp.nested_right[1] < sp.nested_right[0]);
  CHECK(sp.nested_left[1] < sp.nested_left[2]);
  CHECK(sp.nested_right[2] < sp.nested_right[1]);
  CHECK(t.traces.root[0] == 0);
  CHECK(t.strings.get(t.traces.root_service[0]) == "shop");
  CHECK(t.strings.get(t.traces.root_name[0]) == "GET /");
  CHECK(t.traces.start[0] == 100);
  CHECK(t.traces.end[0] == 900);
  CHECK(t.events.span == std::vector<uint32_t>{0});
  CHECK(t.links.span == std::vector<uint32_t>{0});
  CHECK(t.strings.get(t.resources.service_name[1]) == "db");
}

TEST_CASE("attribute rows of one key are one run, owners ascending") {
  std::string tid(16, '\x05');
  TraceId id;
  REQUIRE(TraceId::from_bytes(tid, &id).is_ok());
  SpanTable t;
  SpanTableBuilder b(&t);
  b.add_trace(id, testing::rich_trace(tid));
  b.finish();
  const auto& sa = t.attr(AttrOwner::kSpan);
  auto key = t.strings.find("a.int");
  REQUIRE(key);
  const auto* run = sa.run(*key);
  REQUIRE(run);
  REQUIRE(run->end - run->begin == 2);
  CHECK(sa.owner[run->begin] == 0);
  CHECK(sa.owner[run->begin + 1] == 1);
  CHECK(static_cast<int64_t>(sa.value[run->begin]) == 42);
  CHECK(sa.run(*t.strings.find("exception.message")) == nullptr);  // an event attribute
  CHECK(t.attr(AttrOwner::kEvent).run(*t.strings.find("exception.message")) != nullptr);
  CHECK_FALSE(t.strings.find("no such string"));
}

TEST_CASE("many generated traces round-trip and keep their order") {
  testing::GenOptions o;
  SpanTable t;
  SpanTableBuilder b(&t);
  std::vector<testing::GeneratedTrace> in;
  for (uint64_t n = 0; n < 50; ++n) {
    in.push_back(testing::generate_trace(o, n));
    b.add_trace(in.back().id, in.back().data);
  }
  b.finish();
  REQUIRE(t.trace_count() == 50);
  REQUIRE(t.span_count() == 500);
  for (uint32_t i = 0; i < 50; ++i) {
    CHECK(t.traces.id[i] == in[i].id);
    CHECK(t.traces.span_end[i] - t.traces.span_begin[i] == 10);
    TracesData out;
    assemble_trace(t, i, &out);
    CHECK(same(in[i].data, out));
    CHECK(t.traces.root[i] != kNoRow);
  }
}

TEST_CASE("a parent cycle still gives every span a nested-set range") {
  TracesData d;
  auto* ss = d.add_resource_spans()->add_scope_spans();
  auto* a = ss->add_spans();
  a->set_span_id(std::string(8, '\x01'));
  a->set_parent_span_id(std::string(8, '\x02'));
  auto* b2 = ss->add_spans();
  b2->set_span_id(std::string(8, '\x02'));
  b2->set_parent_span_id(std::string(8, '\x01'));
  SpanTable t;
  SpanTableBuilder b(&t);
  b.add_trace(TraceId{}, d);
  b.finish();
  CHECK(t.spans.nested_left[0] != 0);
  CHECK(t.spans.nested_right[0] > t.spans.nested_left[0]);
  CHECK(t.spans.nested_right[1] > t.spans.nested_left[1]);
  CHECK(t.traces.root[0] == kNoRow);
}

TEST_CASE("a span that ends before it starts keeps its end, and search sees duration 0") {
  std::string tid(16, '\x07');
  TraceId id;
  REQUIRE(TraceId::from_bytes(tid, &id).is_ok());
  TracesData in;
  auto* sp = in.add_resource_spans()->add_scope_spans()->add_spans();
  sp->set_trace_id(tid);
  sp->set_span_id(std::string(8, '\x01'));
  sp->set_start_time_unix_nano(7000);
  sp->set_end_time_unix_nano(6500);
  SpanTable t;
  SpanTableBuilder b(&t);
  b.add_trace(id, in);
  b.finish();
  TracesData out;
  assemble_trace(t, 0, &out);
  CHECK(same(in, out));
  CHECK(effective_duration(t.spans.duration[0]) == 0);
  CHECK(t.traces.start[0] == 7000);
  CHECK(t.traces.end[0] == 7000);
  RowGroupStats st;
  compute_stats(t, &st);
  CHECK(st.duration_min == 0);
  CHECK(st.duration_max == 0);
  CHECK(st.end_max == 7000);
}
