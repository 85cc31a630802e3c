#include "tempo/model/trace_combine.h"

#include <catch2/catch.hpp>

#include "model/testing.h"
#include "tempo/model/trace_split.h"

using namespace tempo;
using namespace tempo::model_testing;
using opentelemetry::proto::trace::v1::TracesData;

namespace {

// The one segment `req` splits into.
std::string segment_of(const ExportTraceServiceRequest& req) {
  model::SplitResult r;
  REQUIRE(model::split_by_trace(req, &r).is_ok());
  REQUIRE(r.segments.size() == 1);
  return r.segments[0].bytes;
}

std::vector<std::string> names(const TracesData& td) {
  std::vector<std::string> out;
  for (const auto& rs : td.resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& sp : ss.spans()) out.push_back(sp.name());
  return out;
}

}  // namespace

TEST_CASE("combine merges equal resources and scopes and drops duplicate span IDs") {
  ExportTraceServiceRequest a, b;
  const std::string t = bytes_of({7}, 16);
  add_span(a, 0, t, 1, "one");
  add_span(a, 1, t, 2, "two");
  add_span(b, 0, t, 1, "one-again");  // same span ID as a's first: dropped
  add_span(b, 0, t, 3, "three");      // same resource and scope as a's first
  const std::string concatenated = segment_of(a) + segment_of(b);

  TracesData out;
  REQUIRE(model::combine_segments(std::string_view(concatenated), &out).is_ok());
  CHECK(names(out) == std::vector<std::string>{"one", "three", "two"});
  REQUIRE(out.resource_spans_size() == 2);
  CHECK(out.resource_spans(0).resource().attributes(0).value().string_value() == "svc1");
  REQUIRE(out.resource_spans(0).scope_spans_size() == 1);
  CHECK(out.resource_spans(0).scope_spans(0).scope().name() == "lib");
  CHECK(out.resource_spans(1).resource().attributes(0).value().string_value() == "svc2");

  // Same answer from separate pieces, and from parsed parts.
  TracesData from_pieces;
  REQUIRE(
      model::combine_segments(std::vector<std::string>{segment_of(a), segment_of(b)}, &from_pieces)
          .is_ok());
  CHECK(from_pieces.SerializeAsString() == out.SerializeAsString());
  std::vector<TracesData> parts(2);
  REQUIRE(parts[0].ParseFromString(segment_of(a)));
  REQUIRE(parts[1].ParseFromString(segment_of(b)));
  TracesData from_parts;
  model::combine(parts, &from_parts);
  CHECK(from_parts.SerializeAsString() == out.SerializeAsString());
}

TEST_CASE("combine keeps different scopes and schema URLs apart") {
  ExportTraceServiceRequest a, b, c;
  const std::string t = bytes_of({8}, 16);
  add_span(a, 0, t, 1, "lib-span");
  add_span(b, 0, t, 2, "other-lib-span");
  b.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_scope()->set_name("other");
  add_span(c, 0, t, 3, "new-schema");
  c.mutable_resource_spans(0)->set_schema_url("v2");

  TracesData out;
  REQUIRE(model::combine_segments(
              std::vector<std::string>{segment_of(a), segment_of(b), segment_of(c)}, &out)
              .is_ok());
  REQUIRE(out.resource_spans_size() == 2);  // schema URL differs
  REQUIRE(out.resource_spans(0).scope_spans_size() == 2);
  CHECK(out.resource_spans(0).scope_spans(0).scope().name() == "lib");
  CHECK(out.resource_spans(0).scope_spans(1).scope().name() == "other");
  CHECK(out.resource_spans(1).schema_url() == "v2");
  CHECK(model::span_count(out) == 3);
}

TEST_CASE("combine leaves out resources whose spans were all duplicates") {
  ExportTraceServiceRequest a, b;
  const std::string t = bytes_of({4}, 16);
  add_span(a, 0, t, 1, "first");
  add_span(b, 0, t, 2, "new");
  add_span(b, 1, t, 1, "dup-under-other-resource");
  b.mutable_resource_spans(1)
      ->mutable_resource()
      ->mutable_attributes(0)
      ->mutable_value()
      ->set_string_value("elsewhere");

  model::TraceCombiner combiner;
  REQUIRE(combiner.add_bytes(segment_of(a)).is_ok());
  REQUIRE(combiner.add_bytes(segment_of(b)).is_ok());
  REQUIRE(combiner.add_bytes(segment_of(b)).is_ok());  // the whole segment again
  CHECK(combiner.span_count() == 2);
  TracesData out = combiner.take();
  REQUIRE(out.resource_spans_size() == 1);
  CHECK(names(out) == std::vector<std::string>{"first", "new"});
  CHECK(combiner.span_count() == 0);
  CHECK(combiner.take().resource_spans_size() == 0);
}

TEST_CASE("combine rejects bytes that do not parse and keeps what came before") {
  TracesData out;
  CHECK(model::combine_segments(std::string_view("\xff\xff garbage"), &out)
            .is(Status::Code::kCorruption));

  ExportTraceServiceRequest a;
  add_span(a, 0, bytes_of({1}, 16), 1, "kept");
  model::TraceCombiner combiner;
  REQUIRE(combiner.add_bytes(segment_of(a)).is_ok());
  CHECK(combiner.add_bytes("\x0a\x05\x01").is(Status::Code::kCorruption));  // truncated
  CHECK(names(combiner.take()) == std::vector<std::string>{"kept"});

  // An empty piece is an empty trace, not an error.
  REQUIRE(model::combine_segments(std::string_view(), &out).is_ok());
  CHECK(out.resource_spans_size() == 0);
}
