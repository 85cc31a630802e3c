// The engine on a small hand-built dataset whose answers are known: every operator,
// intrinsic and pipeline stage, by trace and span name.

#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "tempo/columnar/otlp_columns.h"
#include "tempo/traceql/engine.h"
#include "tempo/traceql/parser.h"
#include "traceql/engine_dataset.h"

using namespace tempo;
using namespace tempo::traceql;

namespace {

// trace letter -> sorted span names of all its matching spansets
using Answer = std::map<std::string, std::set<std::string>>;

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

struct Case {
  const char* query;
  Answer want;
};

const Case kCases[] = {
    {"{}", {{"A", {"GET /cart", "cart.get", "SELECT", "auth.check"}},
            {"B", {"charge", "card.verify"}},
            {"C", {"orphan"}}}},
    {"{ true }", {{"A", {"GET /cart", "cart.get", "SELECT", "auth.check"}},
                  {"B", {"charge", "card.verify"}},
                  {"C", {"orphan"}}}},
    {"{ false }", {}},
    {"{ name = \"SELECT\" }", {{"A", {"SELECT"}}}},
    {"{ span:name = \"SELECT\" }", {{"A", {"SELECT"}}}},
    {"{ name != \"SELECT\" && resource.service.name = \"db\" }", {}},
    {"{ name =~ \"card.*\" }", {{"B", {"card.verify"}}}},
    {"{ name =~ \"car[dt].*\" }", {{"A", {"cart.get"}}, {"B", {"card.verify"}}}},
    {"{ name =~ \"car\" }", {}},
    {"{ status = error }", {{"A", {"SELECT"}}, {"B", {"charge"}}}},
    {"{ status = ok }", {{"A", {"GET /cart"}}}},
    {"{ status = unset && resource.service.name = \"auth\" }", {{"A", {"auth.check"}}}},
    {"{ statusMessage = \"timeout\" }", {{"A", {"SELECT"}}}},
    {"{ duration > 1s }", {{"B", {"charge", "card.verify"}}}},
    {"{ duration >= 30ms && duration <= 40ms }", {{"A", {"cart.get", "SELECT"}}}},
    {"{ span:duration < 6ms }", {{"A", {"auth.check"}}}},
    {"{ duration * 2 > 3s }", {{"B", {"charge"}}}},
    {"{ kind = server }", {{"A", {"GET /cart"}}, {"B", {"charge"}}}},
    {"{ kind = client && status != error }", {{"A", {"cart.get"}}}},
    {"{ span.http.status_code = 200 }", {{"A", {"cart.get"}}}},
    {"{ .http.status_code >= 200 && .http.status_code < 600 }",
     {{"A", {"cart.get"}}, {"B", {"card.verify"}}}},
    {"{ span.http.status_code > 499 }", {{"B", {"card.verify"}}}},
    {"{ 500 = span.http.status_code }", {{"B", {"card.verify"}}}},
    {"{ resource.service.name = \"payment\" }", {{"B", {"charge", "card.verify"}}}},
    {"{ .service.name = \"cart\" }", {{"A", {"cart.get"}}}},
    {"{ resource.service.name =~ \"pay.*|db\" }", {{"A", {"SELECT"}}, {"B", {"charge", "card.verify"}}}},
    {"{ span.db.system =~ \"post.*\" }", {{"A", {"SELECT"}}}},
    {"{ span.db.system =~ \"post\" }", {}},
    {"{ span.db.system !~ \"my.*\" }", {{"A", {"SELECT"}}}},
    {"{ span.user.id = 42 && span.cached = true }", {{"A", {"auth.check"}}}},
    {"{ span.ratio > 0.4 }", {{"A", {"auth.check"}}}},
    {"{ span.ratio > 0.6 }", {}},
    {"{ span.user.id > 41.5 }", {{"A", {"auth.check"}}}},
    {"{ span.retry = \"a\" }", {{"B", {"card.verify"}}}},
    {"{ span.retry = \"z\" }", {}},
    {"{ span.nope = \"x\" }", {}},
    {"{ span.user.id != nil }", {{"A", {"auth.check"}}}},
    {"{ span.http.status_code != 200 }", {{"B", {"card.verify"}}}},
    {"{ !(span.http.status_code = 200) }",
     {{"A", {"GET /cart", "SELECT", "auth.check"}}, {"B", {"charge", "card.verify"}}, {"C", {"orphan"}}}},
    {"{ span.user.id = 42 || name = \"orphan\" }", {{"A", {"auth.check"}}, {"C", {"orphan"}}}},
    {"{ event.exception.message = \"timeout\" }", {{"A", {"SELECT"}}}},
    {"{ event:name = \"exception\" }", {{"A", {"SELECT"}}}},
    {"{ event:name = \"exception\" && event.exception.message = \"other\" }", {}},
    {"{ link.reason = \"retry\" }", {{"A", {"auth.check"}}}},
    {"{ link:spanID = \"0a0a0a0a0a0a0a0a\" }", {{"A", {"auth.check"}}}},
    {"{ instrumentation:name = \"lib-db\" }", {{"A", {"SELECT"}}}},
    {"{ instrumentation.lib.lang = \"go\" }", {{"A", {"SELECT"}}}},
    {"{ rootServiceName = \"frontend\" }", {{"A", {"GET /cart", "cart.get", "SELECT", "auth.check"}}}},
    {"{ trace:rootService = \"frontend\" && name = \"SELECT\" }", {{"A", {"SELECT"}}}},
    {"{ rootName = \"charge\" }", {{"B", {"charge", "card.verify"}}}},
    {"{ traceDuration > 1s }", {{"B", {"charge", "card.verify"}}}},
    {"{ span:childCount = 2 }", {{"A", {"GET /cart"}}}},
    {"{ span:parentID = \"a000000000000001\" }", {{"A", {"cart.get", "auth.check"}}}},
    {"{ span:id = \"a000000000000003\" }", {{"A", {"SELECT"}}}},
    {"{ trace:id = \"0a000000000000000000000000000000\" }",
     {{"A", {"GET /cart", "cart.get", "SELECT", "auth.check"}}}},
    // spanset operators
    {"{ name = \"GET /cart\" } > { name = \"cart.get\" }", {{"A", {"cart.get"}}}},
    {"{ name = \"GET /cart\" } > { name = \"SELECT\" }", {}},
    {"{ name = \"GET /cart\" } >> { name = \"SELECT\" }", {{"A", {"SELECT"}}}},
    {"{ name = \"SELECT\" } << { name = \"GET /cart\" }", {{"A", {"GET /cart"}}}},
    {"{ name = \"SELECT\" } < { name = \"cart.get\" }", {{"A", {"cart.get"}}}},
    {"{ name = \"cart.get\" } ~ { name = \"auth.check\" }", {{"A", {"auth.check"}}}},
    {"{ name = \"cart.get\" } ~ { name = \"cart.get\" }", {}},
    {"{ name = \"GET /cart\" } &> { name = \"cart.get\" }", {{"A", {"GET /cart", "cart.get"}}}},
    {"{ name = \"GET /cart\" } &>> { status = error }", {{"A", {"GET /cart", "SELECT"}}}},
    {"{ name = \"cart.get\" } &~ { }", {{"A", {"cart.get", "auth.check"}}}},
    {"{ kind = server } !> { kind = client }", {{"A", {"SELECT"}}}},
    {"{ name = \"GET /cart\" } !> { resource.service.name != \"payment\" }",
     {{"A", {"GET /cart", "SELECT"}}, {"C", {"orphan"}}}},
    {"{ name = \"GET /cart\" } !>> { }", {{"A", {"GET /cart"}}, {"B", {"charge", "card.verify"}}, {"C", {"orphan"}}}},
    {"{ status = error } && { kind = server }", {{"A", {"GET /cart", "SELECT"}}, {"B", {"charge"}}}},
    {"{ name = \"SELECT\" } || { name = \"charge\" }", {{"A", {"SELECT"}}, {"B", {"charge"}}}},
    {"({ name = \"GET /cart\" } > { name = \"cart.get\" }) > { name = \"SELECT\" }", {{"A", {"SELECT"}}}},
    // pipelines
    {"{ } | count() > 3", {{"A", {"GET /cart", "cart.get", "SELECT", "auth.check"}}}},
    {"{ } | count() = 1", {{"C", {"orphan"}}}},
    {"{ } | avg(duration) > 1s", {{"B", {"charge", "card.verify"}}}},
    {"{ } | max(duration) < 20ms", {{"C", {"orphan"}}}},
    {"{ } | min(duration) >= 1s", {{"B", {"charge", "card.verify"}}}},
    {"{ } | sum(span.http.status_code) = 700", {}},
    {"{ span.http.status_code != nil } | sum(span.http.status_code) = 500", {{"B", {"card.verify"}}}},
    {"{ } | by(resource.service.name) | count() > 1", {{"B", {"charge", "card.verify"}}}},
    {"{ } | coalesce()", {{"A", {"GET /cart", "cart.get", "SELECT", "auth.check"}},
                          {"B", {"charge", "card.verify"}},
                          {"C", {"orphan"}}}},
    {"{ resource.service.name = \"db\" } | select(span.db.system)", {{"A", {"SELECT"}}}},
    {"{ } | { status = error }", {{"A", {"SELECT"}}, {"B", {"charge"}}}},
    {"({ } | count() > 3) && { status = error }",
     {{"A", {"GET /cart", "cart.get", "SELECT", "auth.check"}}}},
    {"{ } | by(kind) | count() = 2", {{"A", {"cart.get", "SELECT"}}}},
};

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
