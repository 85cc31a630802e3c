// The engine on a small hand-built dataset whose answers are known: every operator,
// intrinsic and pipeline stage, by trace and span name.

#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "tempo/columnar/otlp_columns.h"
#include "tempo/traceql/engine.h"
#include "tempo/traceql/parser.h"
#include "traceql/engine_cases.h"
#include "traceql/engine_dataset.h"

using namespace tempo;
using namespace tempo::traceql;

namespace {

using engine_testing::Answer;
using engine_testing::kCases;

Answer run(const columnar::SpanTable& t, const std::string& query) {
  RootExpr root;
  Status s = parse(query, &root);
  INFO(query << ": " << s.to_string());
  REQUIRE(s.is_ok());
  std::unique_ptr<CompiledQuery> q;
  s = CompiledQuery::compile(std::move(root), &q);
  REQUIRE(s.is_ok());
  std::vector<TraceMatch> matches;
  q->evaluate(t, 0, 0, &matches);
  Answer out;
  for (const auto& m : matches) {
    std::string letter = engine_testing::letter_of(t.traces.id[m.trace_row]);
    auto& names = out[letter];
    for (const auto& ss : m.spansets) {
      REQUIRE_FALSE(ss.spans.empty());
      for (uint32_t sp : ss.spans) names.insert(std::string(t.strings.get(t.spans.name[sp])));
    }
  }
  return out;
}


}  // namespace

TEST_CASE("engine answers on the fixed dataset") {
  columnar::SpanTable t;
  engine_testing::build_dataset(&t);
  for (const auto& c : kCases) {
    INFO(c.query);
    CHECK(run(t, c.query) == c.want);
  }
}

TEST_CASE("engine: by() labels spansets and scalar filters record the aggregate") {
  columnar::SpanTable t;
  engine_testing::build_dataset(&t);
  RootExpr root;
  REQUIRE(parse("{ } | by(resource.service.name) | count() > 1", &root).is_ok());
  std::unique_ptr<CompiledQuery> q;
  REQUIRE(CompiledQuery::compile(std::move(root), &q).is_ok());
  std::vector<TraceMatch> m;
  q->evaluate(t, 0, 0, &m);
  REQUIRE(m.size() == 1);
  REQUIRE(m[0].spansets.size() == 1);
  const auto& ss = m[0].spansets[0];
  REQUIRE(ss.by.size() == 1);
  CHECK(ss.by[0].first == "by(resource.service.name)");
  CHECK(ss.by[0].second.s == "payment");
  REQUIRE(ss.scalar);
  CHECK(*ss.scalar == 2);
  CHECK(ss.scalar_name == "count()");
}

TEST_CASE("engine: row-group statistics rule out groups that cannot match") {
  columnar::SpanTable t;
  engine_testing::build_dataset(&t);
  columnar::RowGroupStats st;
  columnar::compute_stats(t, &st);
  auto may = [&](const char* query) {
    RootExpr root;
    REQUIRE(parse(query, &root).is_ok());
    std::unique_ptr<CompiledQuery> q;
    REQUIRE(CompiledQuery::compile(std::move(root), &q).is_ok());
    return q->may_match(st);
  };
  CHECK_FALSE(may("{ span.nope = \"x\" }"));
  CHECK_FALSE(may("{ span.db.system = \"absent-value\" }"));
  CHECK_FALSE(may("{ name = \"no-such-name\" }"));
  CHECK_FALSE(may("{ duration > 1h }"));
  CHECK_FALSE(may("{ span.http.status_code > 600 }"));
  CHECK_FALSE(may("{ resource.service.name = \"nobody\" && name = \"SELECT\" }"));
  CHECK_FALSE(may("{ name = \"no-such-name\" } >> { }"));
  CHECK(may("{ span.nope = \"x\" || name = \"SELECT\" }"));
  CHECK(may("{ span.http.status_code > 499 }"));
  CHECK(may("{ .service.name = \"db\" }"));
  CHECK(may("{ span.retry = \"anything\" }"));  // arrays are decided per value
  CHECK(may("{ duration > 1s }"));
  CHECK(may("{ !(span.nope = \"x\") }"));
  CHECK(may("{ name = \"no-such-name\" } !>> { }"));
}

TEST_CASE("engine: a regex that does not compile is a 400, not a crash") {
  RootExpr root;
  Status s = parse("{ name =~ \"(\" }", &root);
  if (s.is_ok()) {
    std::unique_ptr<CompiledQuery> q;
    s = CompiledQuery::compile(std::move(root), &q);
  }
  CHECK(s.is(Status::Code::kInvalidArgument));
}

TEST_CASE("engine: time range keeps only overlapping traces") {
  columnar::SpanTable t;
  engine_testing::build_dataset(&t);
  RootExpr root;
  REQUIRE(parse("{}", &root).is_ok());
  std::unique_ptr<CompiledQuery> q;
  REQUIRE(CompiledQuery::compile(std::move(root), &q).is_ok());
  std::vector<TraceMatch> m;
  // Trace B starts at base + 10 s; C at base + 20 s.
  q->evaluate(t, engine_testing::kBase + 9'000'000'000ULL, engine_testing::kBase + 15'000'000'000ULL, &m);
  REQUIRE(m.size() == 1);
  CHECK(engine_testing::letter_of(t.traces.id[m[0].trace_row]) == "B");
}
