#include "tempo/model/trace_split.h"

#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>

#include "model/testing.h"
#include "tempo/model/trace_combine.h"

using namespace tempo;
using namespace tempo::model_testing;
using google::protobuf::util::MessageDifferencer;
using opentelemetry::proto::trace::v1::TracesData;

TEST_CASE("split groups spans per trace and the segments concatenate into one trace") {
  ExportTraceServiceRequest req;
  const std::string t1 = bytes_of({1}, 16), t2 = bytes_of({2}, 16);
  add_span(req, 0, t1, 1, "a");
  add_span(req, 0, t2, 2, "b");
  add_span(req, 1, t1, 3, "c");
  add_span(req, 0, t1, 4, "d");
  model::SplitResult r;
  REQUIRE(model::split_by_trace(req, &r).is_ok());
  CHECK(r.spans_accepted == 4);
  CHECK(r.spans_rejected == 0);
  CHECK(r.first_error.empty());
  REQUIRE(r.segments.size() == 2);
  CHECK(r.segments[0].id.hex() == "00000000000000000000000000000001");
  CHECK(r.segments[1].id.hex() == "00000000000000000000000000000002");
  CHECK(r.segments[0].spans == 3);
  CHECK(r.segments[0].start_unix_nano == 1001);
  CHECK(r.segments[0].end_unix_nano == 2004);
  CHECK(r.segments[1].spans == 1);
  CHECK(r.segments[1].start_unix_nano == 1002);
  CHECK(r.segments[1].end_unix_nano == 2002);

  TracesData td;
  REQUIRE(td.ParseFromString(r.segments[0].bytes));
  REQUIRE(td.resource_spans_size() == 2);  // one per source resource
  const auto& rs0 = td.resource_spans(0);
  CHECK(rs0.resource().attributes(0).value().string_value() == "svc1");
  REQUIRE(rs0.scope_spans_size() == 1);
  CHECK(rs0.scope_spans(0).scope().name() == "lib");
  REQUIRE(rs0.scope_spans(0).spans_size() == 2);
  CHECK(rs0.scope_spans(0).spans(0).name() == "a");
  CHECK(rs0.scope_spans(0).spans(1).name() == "d");
  CHECK(td.resource_spans(1).resource().attributes(0).value().string_value() == "svc2");
  CHECK(td.resource_spans(1).scope_spans(0).spans(0).name() == "c");

  // Each span comes back byte-for-byte what was sent.
  CHECK(MessageDifferencer::Equals(rs0.scope_spans(0).spans(1),
                                   req.resource_spans(0).scope_spans(0).spans(2)));

  // Concatenated bytes parse as one TracesData holding both pieces.
  TracesData both;
  REQUIRE(both.ParseFromString(r.segments[0].bytes + r.segments[1].bytes));
  CHECK(both.resource_spans_size() == 3);
  CHECK(model::span_count(both) == 4);
}

TEST_CASE("split keeps schema URLs, missing scopes and several scopes per resource") {
  ExportTraceServiceRequest req;
  const std::string t = bytes_of({9}, 16);
  auto* rs = req.add_resource_spans();
  rs->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
  // No resource at all, first scope without a scope message, second with one.
  auto* ss0 = rs->add_scope_spans();
  auto* s0 = ss0->add_spans();
  s0->set_trace_id(t);
  s0->set_span_id(bytes_of({1}, 8));
  s0->set_name("no-scope");
  auto* ss1 = rs->add_scope_spans();
  ss1->mutable_scope()->set_name("lib2");
  ss1->mutable_scope()->set_version("0.9");
  ss1->set_schema_url("scope-schema");
  auto* s1 = ss1->add_spans();
  s1->set_trace_id(t);
  s1->set_span_id(bytes_of({2}, 8));
  s1->set_name("scoped");

  model::SplitResult r;
  REQUIRE(model::split_by_trace(req, &r).is_ok());
  REQUIRE(r.segments.size() == 1);
  TracesData td;
  REQUIRE(td.ParseFromString(r.segments[0].bytes));
  REQUIRE(td.resource_spans_size() == 1);
  const auto& out = td.resource_spans(0);
  CHECK_FALSE(out.has_resource());
  CHECK(out.schema_url() == "https://opentelemetry.io/schemas/1.21.0");
  REQUIRE(out.scope_spans_size() == 2);
  CHECK_FALSE(out.scope_spans(0).has_scope());
  CHECK(out.scope_spans(0).spans(0).name() == "no-scope");
  CHECK(out.scope_spans(1).scope().version() == "0.9");
  CHECK(out.scope_spans(1).schema_url() == "scope-schema");
  CHECK(out.scope_spans(1).spans(0).name() == "scoped");
  // The hand-assembled bytes equal what protobuf itself would produce for the same message.
  CHECK(td.SerializeAsString() == r.segments[0].bytes);
}

TEST_CASE("split handles spans large enough for multi-byte length prefixes") {
  ExportTraceServiceRequest req;
  const std::string t = bytes_of({3}, 16);
  add_span(req, 0, t, 1, std::string(300, 'x'));    // 2-byte varint
  add_span(req, 0, t, 2, std::string(70000, 'y'));  // 3-byte varint
  model::SplitResult r;
  REQUIRE(model::split_by_trace(req, &r).is_ok());
  REQUIRE(r.segments.size() == 1);
  TracesData td;
  REQUIRE(td.ParseFromString(r.segments[0].bytes));
  REQUIRE(model::span_count(td) == 2);
  CHECK(td.resource_spans(0).scope_spans(0).spans(1).name().size() == 70000);
  CHECK(td.SerializeAsString() == r.segments[0].bytes);
}

TEST_CASE("split rejects bad IDs span by span and keeps the rest") {
  struct Case {
    std::string trace_id, span_id, error;
  };
  const std::vector<Case> cases = {
      {bytes_of({1}, 8), bytes_of({1}, 8), "trace ids must be 128 bit, received 64 bits"},
      {"", bytes_of({1}, 8), "trace ids must be 128 bit, received 0 bits"},
      {std::string(16, '\0'), bytes_of({1}, 8), "trace ID is all zeroes"},
      {bytes_of({1}, 32), bytes_of({1}, 8), "trace ids must be 128 bit, received 256 bits"},
      {bytes_of({1}, 16), std::string(8, '\0'),
       "span ids must be 64 bit and not all zero, received 64 bits"},
      {bytes_of({1}, 16), bytes_of({1}, 4),
       "span ids must be 64 bit and not all zero, received 32 bits"},
      {bytes_of({1}, 16), "", "span ids must be 64 bit and not all zero, received 0 bits"},
  };
  for (const auto& c : cases) {
    INFO(c.error);
    ExportTraceServiceRequest req;
    add_span(req, 0, bytes_of({5}, 16), 1, "good-before");
    auto* bad = add_span(req, 0, c.trace_id, 2, "bad");
    bad->set_span_id(c.span_id);
    add_span(req, 0, bytes_of({5}, 16), 3, "good-after");
    model::SplitResult r;
    REQUIRE(model::split_by_trace(req, &r).is_ok());
    CHECK(r.spans_accepted == 2);
    CHECK(r.spans_rejected == 1);
    CHECK(r.first_error == c.error);
    REQUIRE(r.segments.size() == 1);
    CHECK(r.segments[0].spans == 2);
    TracesData td;
    REQUIRE(td.ParseFromString(r.segments[0].bytes));
    REQUIRE(model::span_count(td) == 2);
    CHECK(td.resource_spans(0).scope_spans(0).spans(0).name() == "good-before");
    CHECK(td.resource_spans(0).scope_spans(0).spans(1).name() == "good-after");
  }

  // Only the first error is kept; a request with nothing valid yields no segments.
  ExportTraceServiceRequest all_bad;
  add_span(all_bad, 0, "", 1, "x");
  auto* z = add_span(all_bad, 1, bytes_of({1}, 16), 2, "y");
  z->set_span_id("");
  model::SplitResult r;
  REQUIRE(model::split_by_trace(all_bad, &r).is_ok());
  CHECK(r.segments.empty());
  CHECK(r.spans_rejected == 2);
  CHECK(r.first_error == "trace ids must be 128 bit, received 0 bits");
}

TEST_CASE("split of many interleaved traces preserves first-seen order and every span") {
  ExportTraceServiceRequest req;
  constexpr int kTraces = 50, kSpansPerTrace = 7;
  int sid = 1;
  for (int round = 0; round < kSpansPerTrace; ++round)
    for (int t = 0; t < kTraces; ++t)
      add_span(req, round % 3, bytes_of({t + 1}, 16), sid++, "s" + std::to_string(t));
  model::SplitResult r;
  REQUIRE(model::split_by_trace(req, &r).is_ok());
  REQUIRE(r.segments.size() == kTraces);
  CHECK(r.spans_accepted == kTraces * kSpansPerTrace);
  for (int t = 0; t < kTraces; ++t) {
    INFO("trace " << t);
    CHECK(static_cast<int>(r.segments[t].id.bytes[15]) == t + 1);
    CHECK(r.segments[t].spans == kSpansPerTrace);
    TracesData td;
    REQUIRE(td.ParseFromString(r.segments[t].bytes));
    CHECK(model::span_count(td) == kSpansPerTrace);
    for (const auto& rs : td.resource_spans())
      for (const auto& ss : rs.scope_spans())
        for (const auto& sp : ss.spans()) CHECK(sp.name() == "s" + std::to_string(t));
  }
}

// Tempo's ingestion slack on each trace's time range: block metadata must never get a range
// ending before it starts or centuries ahead (once stored as 1970-2554, which time pruning
// always included and retention never dropped).
TEST_CASE("clamp_to_ingestion_time bounds each segment's range to now + slack") {
  const uint64_t now = 1'800'000'000'000'000'000ull;
  const uint64_t slack = model::kIngestionTimeSlackNanos;
  const uint64_t past = 1'700'000'000'000'000'000ull;
  struct Case {
    const char* what;
    uint64_t start, end, want_start, want_end;
  };
  const Case cases[] = {
      {"in range", past, past + 5, past, past + 5},
      {"within the slack ahead", now + slack, now + slack, now + slack, now + slack},
      {"end before start", past + 10, past, past + 10, now},
      {"end wrapped to 0", past, 0, past, now},
      {"end far ahead", past, UINT64_MAX, past, now},
      {"start and end far ahead", UINT64_MAX - 5, UINT64_MAX, now, now},
      {"start ahead within slack, end before it", now + 60'000'000'000ull, now,
       now + 60'000'000'000ull, now + 60'000'000'000ull},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    model::SplitResult r;
    r.segments.emplace_back();
    r.segments[0].start_unix_nano = c.start;
    r.segments[0].end_unix_nano = c.end;
    const size_t changed = model::clamp_to_ingestion_time(now, slack, &r);
    CHECK(r.segments[0].start_unix_nano == c.want_start);
    CHECK(r.segments[0].end_unix_nano == c.want_end);
    CHECK(changed == ((c.start != c.want_start || c.end != c.want_end) ? 1u : 0u));
    CHECK(r.segments[0].start_unix_nano <= r.segments[0].end_unix_nano);
  }
}

TEST_CASE("split of a parsed request refuses one whose copies would blow up, as the wire split does") {
  // JSON, Zipkin and Jaeger requests take this path: one large resource over many
  // single-span traces would be copied into every trace's segment.
  auto request = [](size_t resource_bytes, int traces) {
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest req;
    auto* rs = req.add_resource_spans();
    auto* kv = rs->mutable_resource()->add_attributes();
    kv->set_key("blob");
    kv->mutable_value()->set_string_value(std::string(resource_bytes, 'r'));
    auto* ss = rs->add_scope_spans();
    for (int t = 0; t < traces; ++t) {
      auto* span = ss->add_spans();
      std::string id(16, '\0');
      id[0] = static_cast<char>(t / 256 + 1);
      id[1] = static_cast<char>(t % 256);
      span->set_trace_id(id);
      span->set_span_id(std::string(8, '\x01'));
      span->set_name("s");
    }
    return req;
  };
  model::SplitResult r;
  Status s = model::split_by_trace(request(100'000, 2000), &r);  // ~0.2 MB in, ~200 MB out
  REQUIRE(s.is(Status::Code::kInvalidArgument));
  CHECK_THAT(s.message(), Catch::Matchers::Contains("more than 16 times its size"));
  CHECK(r.segments.empty());
  CHECK(r.spans_accepted == 0);
  CHECK(r.spans_rejected == 0);

  // A heavy real batch still splits: a 2 KB resource over 1000 single-span traces.
  REQUIRE(model::split_by_trace(request(2'000, 1000), &r).is_ok());
  CHECK(r.segments.size() == 1000);
  CHECK(r.spans_accepted == 1000);
}
