// SpanTableBuilder::add_trace_bytes (the wire path, what flushes build blocks with) against
// the message path (ParseFromArray, model::combine_segments, add_trace): the same table from
// the same bytes, down to each column (tests/testing/span_table_agreement.h).

#include <catch2/catch.hpp>

#include "tempo/columnar/otlp_columns.h"
#include "tempo/util/hex.h"
#include "testing/rich_trace.h"
#include "testing/span_table_agreement.h"
#include "testing/trace_gen.h"
#include "testing/wire_bytes.h"

using namespace tempo;
using namespace tempo::columnar;
using namespace tempo::testing::wire_bytes;
using opentelemetry::proto::trace::v1::TracesData;
using tempo::testing::check_span_table_wire;

namespace {

void agree(std::string_view stored, std::string_view before = {}) {
  INFO("input: " << hex::encode(stored));
  CHECK(check_span_table_wire(stored, before) == "");
}

TraceId trace_id(uint8_t b) {
  TraceId id;
  id.bytes.fill(b);
  return id;
}

// The wire path's table for one trace.
SpanTable wire_table(std::string_view stored) {
  SpanTable t;
  SpanTableBuilder b(&t);
  REQUIRE(b.add_trace_bytes(trace_id(7), stored).is_ok());
  b.finish();
  return t;
}

std::string string_of(const SpanTable& t, uint32_t id) { return std::string(t.strings.get(id)); }

const std::string kSpanId1(8, '\x11'), kSpanId2(8, '\x22');

std::string kv_string(const std::string& key, const std::string& value) {
  return len_field(1, key) + len_field(2, len_field(1, value));
}
// ResourceSpans -> ScopeSpans -> `span_fields`, as one TracesData.
std::string one_span(const std::string& span_fields,
                     const std::string& resource = kv_string("service.name", "svc")) {
  return len_field(1,
                   len_field(1, len_field(1, resource)) +
                       len_field(2, len_field(1, len_field(1, "lib")) + len_field(2, span_fields)));
}

}  // namespace

TEST_CASE(
    "wire path: generated and rich traces, in pieces and with repeats, build the same table") {
  for (int i = 0; i < 150; ++i) {
    testing::GenOptions o;
    o.seed = 11;
    const auto g = testing::generate_trace(o, i);
    // Each resource as its own piece (as WAL records of several requests), then the first
    // piece again (a client retry): its spans must not be stored twice.
    std::string stored, first;
    for (const auto& rs : g.data.resource_spans()) {
      TracesData piece;
      *piece.add_resource_spans() = rs;
      const std::string b = piece.SerializeAsString();
      if (first.empty()) first = b;
      stored += b;
    }
    stored += first;
    INFO("trace " << i);
    agree(stored, i % 2 ? testing::rich_trace(std::string(16, '\x05')).SerializeAsString() : "");
    const SpanTable t = wire_table(stored);
    CHECK(t.span_count() == static_cast<size_t>(o.spans_per_trace));
  }
  const std::string rich = testing::rich_trace(std::string(16, '\x05')).SerializeAsString();
  agree(rich);
  agree(rich + rich);
  const SpanTable t = wire_table(rich + rich);
  CHECK(t.span_count() == 3);
  CHECK(t.resource_count() == 2);
  CHECK(t.blobs.size() >= 3);  // array, kvlist and bytes values
  CHECK(t.event_count() > 0);
  CHECK(t.link_count() > 0);
}

TEST_CASE(
    "wire path: the last scalar wins, wrong wire types are unknown, the last oneof field sets the "
    "value") {
  const std::string span =
      len_field(2, kSpanId1) + len_field(5, "first") + len_field(5, "second") +
      len_field(6, "not a varint") +  // kind with the wrong wire type: an unknown field
      varint_field(7, 99) +           // start as a varint, not fixed64: unknown too
      fixed64_field(8, 5000) + varint_field(99, 1) + len_field(98, "unknown") +
      len_field(9, len_field(1, "a") + len_field(2, len_field(1, "text") + varint_field(3, 42))) +
      len_field(9, len_field(1, "b") + len_field(2, varint_field(3, 1) + len_field(1, "text"))) +
      fixed32_field(16, 0x301) + varint_field(10, 1) + varint_field(10, 4);
  agree(one_span(span));
  const SpanTable t = wire_table(one_span(span));
  REQUIRE(t.span_count() == 1);
  CHECK(string_of(t, t.spans.name[0]) == "second");
  CHECK(t.spans.kind[0] == 0);
  CHECK(t.spans.start[0] == 0);
  CHECK(t.spans.duration[0] == 5000);
  CHECK(t.spans.flags[0] == 0x301);
  CHECK(t.spans.dropped_attributes[0] == 4);
  const AttrTable& a = t.attr(AttrOwner::kSpan);
  REQUIRE(a.size() == 2);
  for (size_t i = 0; i < a.size(); ++i) {
    if (string_of(t, a.key[i]) == "a") {
      CHECK(a.type[i] == ValueType::kInt);
      CHECK(a.value[i] == 42);
    } else {
      CHECK(a.type[i] == ValueType::kString);
      CHECK(string_of(t, static_cast<uint32_t>(a.value[i])) == "text");
    }
  }
}

TEST_CASE("wire path: a singular message field sent twice is merged as protobuf merges it") {
  // Status twice (message, then code), an attribute value twice, the resource twice.
  const std::string span = len_field(2, kSpanId1) + len_field(5, "op") +
                           len_field(15, len_field(2, "broken")) +
                           len_field(15, varint_field(3, 2)) +
                           len_field(9, len_field(1, "k") + len_field(2, len_field(1, "x")) +
                                            len_field(2, varint_field(3, 5)));
  agree(one_span(span));
  const SpanTable t = wire_table(one_span(span));
  REQUIRE(t.span_count() == 1);
  CHECK(string_of(t, t.spans.status_message[0]) == "broken");
  CHECK(t.spans.status_code[0] == 2);
  const AttrTable& a = t.attr(AttrOwner::kSpan);
  REQUIRE(a.size() == 1);
  CHECK(a.type[0] == ValueType::kInt);
  CHECK(a.value[0] == 5);

  const std::string twice =
      len_field(1, len_field(1, len_field(1, kv_string("service.name", "svc"))) +
                       len_field(1, len_field(1, kv_string("host.name", "h1"))) +
                       len_field(2, len_field(2, len_field(2, kSpanId2) + len_field(5, "op"))));
  agree(twice);
  const SpanTable r = wire_table(twice);
  CHECK(r.attr(AttrOwner::kResource).size() == 2);  // both attributes, on one resource
  CHECK(r.resource_count() == 1);

  // An array value sent in two parts is one array of both parts' values.
  const std::string array =
      len_field(2, kSpanId1) +
      len_field(
          9, len_field(1, "arr") + len_field(2, len_field(5, len_field(1, len_field(1, "p"))) +
                                                    len_field(5, len_field(1, len_field(1, "q")))));
  agree(one_span(array));
  const SpanTable ar = wire_table(one_span(array));
  REQUIRE(ar.blobs.size() == 1);
  opentelemetry::proto::common::v1::AnyValue v;
  REQUIRE(v.ParseFromString(ar.blobs[0]));
  CHECK(v.array_value().values_size() == 2);
}

TEST_CASE(
    "wire path: a span sent twice is stored once, and a resource left without spans does not "
    "appear") {
  const std::string a =
      one_span(len_field(2, kSpanId1) + len_field(5, "op"), kv_string("service.name", "first"));
  const std::string b =
      one_span(len_field(2, kSpanId1) + len_field(5, "again"), kv_string("service.name", "second"));
  const std::string c =
      one_span(len_field(2, kSpanId2) + len_field(5, "other"), kv_string("service.name", "first"));
  agree(a + b + c);
  const SpanTable t = wire_table(a + b + c);
  REQUIRE(t.span_count() == 2);
  CHECK(t.resource_count() == 1);  // "second" kept no span; c's resource is a's
  CHECK(t.scope_count() == 1);
  CHECK(string_of(t, t.spans.name[0]) == "op");
  CHECK(string_of(t, t.spans.name[1]) == "other");
  // Nothing at all: a trace without resources, as the message path stores it.
  agree("");
  CHECK(wire_table("").resource_count() == 0);
}

TEST_CASE("wire path: malformed bytes are refused and the table is left as it was") {
  // Another trace first, whose strings are not the refused one's: a refusal must also take
  // back the strings it added to the pool.
  const std::string before =
      testing::generate_trace(testing::GenOptions{}, 3).data.SerializeAsString();
  const TracesData rich = testing::rich_trace(std::string(16, '\x06'));
  const std::string good = rich.SerializeAsString();
  REQUIRE(rich.resource_spans_size() == 2);
  TracesData first;
  *first.add_resource_spans() = rich.resource_spans(0);
  std::vector<size_t> taken;
  for (size_t cut = 1; cut < good.size(); ++cut) {
    const std::string_view piece = std::string_view(good).substr(0, cut);
    INFO("cut at " << cut);
    agree(piece, before);
    SpanTable t;
    SpanTableBuilder b(&t);
    if (b.add_trace_bytes(trace_id(1), piece).is_ok()) taken.push_back(cut);
  }
  // Only the cut between the two ResourceSpans leaves whole messages.
  CHECK(taken == std::vector<size_t>{first.ByteSizeLong()});
  // Whole on the outside, broken inside an attribute: found only after the span's name went
  // into the pool.
  const std::string inner =
      one_span(len_field(2, kSpanId1) + len_field(5, "a name never seen") +
               len_field(9, len_field(1, "key") + tag(2, 2) + varint(5) + "ab"));
  agree(inner, before);
  {
    SpanTable t;
    SpanTableBuilder b(&t);
    REQUIRE(b.add_trace_bytes(trace_id(1), before).is_ok());
    const size_t pool = t.strings.size();
    CHECK(b.add_trace_bytes(trace_id(2), inner).is(Status::Code::kCorruption));
    CHECK(t.strings.size() == pool);
    CHECK(!t.strings.find("a name never seen"));
  }
  const std::string group = one_span(len_field(2, kSpanId1) + tag(50, 3) + tag(50, 4));
  agree(group);
  SpanTable t;
  SpanTableBuilder b(&t);
  const Status s = b.add_trace_bytes(trace_id(1), group);
  CHECK(s.is(Status::Code::kCorruption));
  b.finish();
  CHECK(t.trace_count() == 0);
}

TEST_CASE("wire path: two encodings of one resource stay two resources, with every span kept") {
  // The second piece spells the same resource with an explicit dropped_attributes_count of
  // 0, which protobuf drops when it re-serializes: the combiner sees one resource, the wire
  // path (comparing bytes) two. Both keep both spans; the block just stores the resource
  // twice.
  const std::string res = kv_string("service.name", "svc");
  const std::string a = one_span(len_field(2, kSpanId1) + len_field(5, "op"), res);
  const std::string b = len_field(
      1, len_field(1, len_field(1, res) + varint_field(2, 0)) +
             len_field(2, len_field(1, len_field(1, "lib")) +
                              len_field(2, len_field(2, kSpanId2) + len_field(5, "op2"))));
  const SpanTable t = wire_table(a + b);
  CHECK(t.resource_count() == 2);
  CHECK(t.span_count() == 2);
  TracesData combined;
  REQUIRE(model::combine_segments(a + b, &combined).is_ok());
  CHECK(combined.resource_spans_size() == 1);
  CHECK(check_span_table_wire(a + b, {}, /*compare_tables=*/false) == "");
  CHECK(testing::check_span_table_wire_canonical(a + b) == "");
}
