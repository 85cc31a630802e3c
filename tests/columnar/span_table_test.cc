#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>

#include "tempo/columnar/otlp_columns.h"
#include "testing/trace_gen.h"

using namespace tempo;
using namespace tempo::columnar;
using opentelemetry::proto::trace::v1::TracesData;

namespace {

// A trace using every field the table stores: several resources and scopes, events and links
// with attributes, every attribute value type, status, trace state and flags.
TracesData rich_trace(const std::string& tid) {
  TracesData d;
  auto* rs = d.add_resource_spans();
  rs->set_schema_url("https://schema/1");
  auto* a = rs->mutable_resource()->add_attributes();
  a->set_key("service.name");
  a->mutable_value()->set_string_value("shop");
  rs->mutable_resource()->set_dropped_attributes_count(2);
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("lib");
  ss->mutable_scope()->set_version("2");
  auto* sa = ss->mutable_scope()->add_attributes();
  sa->set_key("scope.attr");
  sa->mutable_value()->set_int_value(-5);
  ss->set_schema_url("https://schema/2");

  auto* root = ss->add_spans();
  root->set_trace_id(tid);
  root->set_span_id(std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  root->set_name("GET /");
  root->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
  root->set_start_time_unix_nano(100);
  root->set_end_time_unix_nano(900);
  root->set_trace_state("k=v");
  root->set_flags(0x301);
  root->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  root->mutable_status()->set_message("bad");
  root->set_dropped_attributes_count(1);
  root->set_dropped_events_count(3);
  root->set_dropped_links_count(4);
  auto attr = [](auto* msg, const std::string& k) {
    auto* kv = msg->add_attributes();
    kv->set_key(k);
    return kv->mutable_value();
  };
  attr(root, "z.str")->set_string_value("hello");
  attr(root, "a.int")->set_int_value(42);
  attr(root, "m.dbl")->set_double_value(2.5);
  attr(root, "b.bool")->set_bool_value(true);
  attr(root, "c.bytes")->set_bytes_value(std::string("\0\1", 2));
  auto* arr = attr(root, "d.arr")->mutable_array_value();
  arr->add_values()->set_string_value("x");
  arr->add_values()->set_int_value(7);
  auto* kvl = attr(root, "e.kv")->mutable_kvlist_value()->add_values();
  kvl->set_key("inner");
  kvl->mutable_value()->set_bool_value(false);
  attr(root, "f.empty");
  auto* ev = root->add_events();
  ev->set_time_unix_nano(150);
  ev->set_name("exception");
  ev->set_dropped_attributes_count(1);
  attr(ev, "exception.message")->set_string_value("oops");
  auto* ln = root->add_links();
  ln->set_trace_id(std::string(16, '\x09'));
  ln->set_span_id(std::string(8, '\x0a'));
  ln->set_trace_state("l=1");
  ln->set_flags(1);
  attr(ln, "link.kind")->set_string_value("follows");

  auto* child = ss->add_spans();
  child->set_trace_id(tid);
  child->set_span_id(std::string("\x11\x02\x03\x04\x05\x06\x07\x08", 8));
  child->set_parent_span_id(root->span_id());
  child->set_name("db");
  child->set_start_time_unix_nano(200);
  child->set_end_time_unix_nano(300);
  attr(child, "a.int")->set_int_value(1);

  auto* rs2 = d.add_resource_spans();
  auto* a2 = rs2->mutable_resource()->add_attributes();
  a2->set_key("service.name");
  a2->mutable_value()->set_string_value("db");
  auto* grand = rs2->add_scope_spans()->add_spans();
  grand->set_trace_id(tid);
  grand->set_span_id(std::string("\x21\x02\x03\x04\x05\x06\x07\x08", 8));
  grand->set_parent_span_id(child->span_id());
  grand->set_name("query");
  grand->set_start_time_unix_nano(210);
  grand->set_end_time_unix_nano(250);
  return d;
}

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
  TracesData in = rich_trace(tid);
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
  b.add_trace(id, rich_trace(tid));
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
  b.add_trace(id, rich_trace(tid));
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
