// Conformance with Tempo's own verdicts on TraceQL queries (the valid / parse_fails /
// validate_fails / unsupported lists Tempo v3.0.3 tests its parser with), encoded here as a
// table. Every query must land in the same bucket:
//   kValid        parse() succeeds (syntax and validation)
//   kParseFail    parse_syntax() fails with a "parse error at line L, col C" message
//   kValidateFail parse_syntax() succeeds, validate() fails, and not as "not yet supported"
//   kUnsupported  parse_syntax() succeeds, validate() fails with "... not yet supported"
// Both the search language and the metrics stages are covered.

#include <catch2/catch.hpp>
#include <string>

#include "tempo/traceql/metrics.h"
#include "tempo/traceql/parser.h"
#include "traceql/engine_dataset.h"

namespace tempo::traceql {
namespace {

enum Verdict { kValid, kParseFail, kValidateFail, kUnsupported };

struct Case {
  const char* query;
  Verdict verdict;
};

// clang-format off
const Case kCases[] = {
    // valid
    {"{ true }", kValid},
    {"{ !true }", kValid},
    {"{ true && false }", kValid},
    {"{ true || false }", kValid},
    {"{ 1 = 2 }", kValid},
    {"{ 1 != 2 }", kValid},
    {"{ 1 > 2 }", kValid},
    {"{ 1 >= 2 }", kValid},
    {"{ 1 < 2 }", kValid},
    {"{ 1 <= 2 }", kValid},
    {"{ -1 = 2 }", kValid},
    {"{ \"test\" =~ \"test\" }", kValid},
    {"{ \"test\" !~ \"test\" }", kValid},
    {"{ \"test\" = \"test\" }", kValid},
    {"{ \"test\" != \"test\" }", kValid},
    {"{ .a }", kValid},
    {"{ !.a }", kValid},
    {"{ .a && false }", kValid},
    {"{ .a || true }", kValid},
    {"{ .a = 2 }", kValid},
    {"{ .a != 2 }", kValid},
    {"{ .a > 2 }", kValid},
    {"{ .a >= 2 }", kValid},
    {"{ .a < 2 }", kValid},
    {"{ .a <= 2 }", kValid},
    {"{ -.a = 2 }", kValid},
    {"{ .a =~ \"test\" }", kValid},
    {"{ .a !~ \"test\" }", kValid},
    {"{ .a = \"test\" }", kValid},
    {"{ .a != \"test\" }", kValid},
    {"{ resource.a != 3 }", kValid},
    {"{ span.a != 3 }", kValid},
    {"{ !(\"test\" != .c || ((true && .b) || 3 < .a)) }", kValid},
    {"{ status = ok }", kValid},
    {"{ status = unset }", kValid},
    {"{ status = error }", kValid},
    {"{ status != error }", kValid},
    {"{ statusMessage = \"status message\" }", kValid},
    {"{ statusMessage = \"\" }", kValid},
    {"{ statusMessage =~ \".*\" }", kValid},
    {"{ statusMessage != \"\" }", kValid},
    {"{ kind = internal }", kValid},
    {"{ kind = client }", kValid},
    {"{ kind = consumer }", kValid},
    {"{ traceDuration > 1s }", kValid},
    {"{ rootServiceName = \"foo\" }", kValid},
    {"{ rootName != \"foo\" }", kValid},
    {"{ duration > 1s }", kValid},
    {"{ 1 < 1h }", kValid},
    {"{ 1 <= 1.1 }", kValid},
    {"{ event.foo = \"bar\" }", kValid},
    {"{ link.foo = \"bar\" }", kValid},
    {"{ instrumentation.foo = \"bar\" }", kValid},
    {"{ span.foo != 3.0 }", kValid},
    {"{ trace:duration > 2s }", kValid},
    {"{ trace:rootName = \"a\" }", kValid},
    {"{ trace:rootService = \"a\" }", kValid},
    {"{ trace:id = \"aasdf4ergf\" }", kValid},
    {"{ span:duration > 2s }", kValid},
    {"{ span:status = error }", kValid},
    {"{ span:kind = client }", kValid},
    {"{ span:statusMessage = \"status message\" }", kValid},
    {"{ span:id = \"61626364656667\" }", kValid},
    {"{ span:parentID = \"84737586494\" }", kValid},
    {"{ event:name = \"exception\" }", kValid},
    {"{ event:timeSinceStart > 1s }", kValid},
    {"{ link:traceID = \"f1f1f1f1f1f1ff1f1f1f1f1f1f1f1f1\" }", kValid},
    {"{ link:spanID = \"f1f1f1f1f1f1f1f1\" }", kValid},
    {"{ instrumentation:name = \"grpc\" }", kValid},
    {"{ instrumentation:version = \"v3.34\" }", kValid},
    {"{ 1 + 1 = 2 }", kValid},
    {"{ 1 - 1 = 2 }", kValid},
    {"{ 1 * 1 = 2 }", kValid},
    {"{ 1 / 1 = 2 }", kValid},
    {"{ 1 ^ 1 = 2 }", kValid},
    {"{ .a + 1 = 2 }", kValid},
    {"{ .a - 1 = 2 }", kValid},
    {"{ .a * 1 = 2 }", kValid},
    {"{ .a / 1 = 2 }", kValid},
    {"{ .a ^ 1 = 2 }", kValid},
    {"{ duration > 1s * 2s }", kValid},
    {"{ 1 * 1h = 1 }", kValid},
    {"{ 1 / 1.1 = 1 }", kValid},
    {"{ .http.status >= \"200\" }", kValid},
    {"{ true } && { true }", kValid},
    {"{ true } || { true }", kValid},
    {"{ true } >> { true }", kValid},
    {"{ true } << { true }", kValid},
    {"{ true } > { true }", kValid},
    {"{ true } < { true }", kValid},
    {"{ true } ~ { true }", kValid},
    {"{ true } !> { true }", kValid},
    {"{ true } !< { true }", kValid},
    {"{ true } !~ { true }", kValid},
    {"{ true } !>> { true }", kValid},
    {"{ true } !<< { true }", kValid},
    {"{ true } &> { true }", kValid},
    {"{ true } &< { true }", kValid},
    {"{ true } &~ { true }", kValid},
    {"{ true } &>> { true }", kValid},
    {"{ true } &<< { true }", kValid},
    {"({ true } | count() > 1 | { false }) >> ({ true } | count() > 1 | { false })", kValid},
    {"({ true } | count() > 1 | { false }) > ({ true } | count() > 1 | { false })", kValid},
    {"({ true } | count() > 1 | { false }) ~ ({ true } | count() > 1 | { false })", kValid},
    {"{.attr=\"a\" || .attr=\"b\"}", kValid},
    {"{.attr=1 || .attr=2}", kValid},
    {"{.attr=1.1 || .attr=2.2}", kValid},
    {"{.attr!=\"a\" && .attr!=\"b\"}", kValid},
    {"{.attr!=1 && .attr!=2}", kValid},
    {"{.attr!=1.1 && .attr!=1.1}", kValid},
    {"{.attr=~\"a.*\" || .attr=~\"b.*\"}", kValid},
    {"{.attr!~\"a.*\" && .attr!~\"b.*\"}", kValid},
    {"avg(.field) > 1", kValid},
    {"max(duration) >= 1s", kValid},
    {"max(duration) > 1", kValid},
    {"{ true } | max(duration) = 1h", kValid},
    {"{ true } | min(duration) = 1h", kValid},
    {"{ true } | sum(duration) = 1h", kValid},
    {"{ true } | max(.a) = 1", kValid},
    {"{ true } | max(span.a) = 1", kValid},
    {"{ true } | max(resource.a) = 1", kValid},
    {"{ true } | max(1 + .a) = 1", kValid},
    {"{ true } | max((1 + .a) * 2) = 1", kValid},
    {"max(duration) > 3s | { status = error || .http.status = 500 }", kValid},
    {"select(.a)", kValid},
    {"{} | select(.a,.b,.c)", kValid},
    {"{ true } | { .a }", kValid},
    {"{ true } | count() = 1", kValid},
    {"{ true } | avg(duration) = 1h", kValid},
    {"count() = 1 | { true }", kValid},
    {"{ true } | count() = 1 | { true }", kValid},
    {"({ true } | count() > 1 | { false }) && ({ true } | count() > 1 | { false })", kValid},
    {"({ true } | count() > 1 | { false }) || ({ true } | count() > 1 | { false })", kValid},
    {"{ true } | coalesce()", kValid},
    {"{ true } | by(1 + .a) | coalesce()", kValid},
    {"{ true } | by(.a)", kValid},
    {"{ true } | by(1 + .a)", kValid},
    {"by(.a) | { true }", kValid},
    {"{ true } | by(name) | count() > 2", kValid},
    {"{ true } | by(.field) | avg(.b) = 2", kValid},
    {"{ true } | by(3 * .field - 2) | max(duration) < 1s", kValid},
    {"{} | rate()", kValid},
    {"{} | count_over_time() by (name) with(sample=0.1)", kValid},
    {"{} | min_over_time(duration) by (span.http.path)", kValid},
    {"{} | max_over_time(duration) by (span.http.path)", kValid},
    {"{} | avg_over_time(duration) by (span.http.path)", kValid},
    {"{} | sum_over_time(duration) by (span.http.path)", kValid},
    {"{} | quantile_over_time(duration, 0, 0.9, 1) by (span.http.path)", kValid},
    {"{} | rate() | topk(10)", kValid},
    {"{} | rate() by (span.client_ip) | topk(10)", kValid},
    {"{} | count_over_time() by (name) | topk(10) with(sample=0.1)", kValid},
    {"{} | quantile_over_time(duration, 0, 0.9, 1) by (span.http.path) | topk(10)", kValid},
    {"{} | avg_over_time(duration) by (span:name) | topk(10)", kValid},
    {"{} | rate() by (span.client_ip) | bottomk(10)", kValid},
    {"{} | rate() | bottomk(10)", kValid},
    {"{} | count_over_time() by (name) | bottomk(10) with(sample=0.1)", kValid},
    {"{} | quantile_over_time(duration, 0, 0.9, 1) by (span.http.path) | bottomk(10)", kValid},
    {"{} | avg_over_time(duration) by (span:name) | bottomk(10)", kValid},
    {"{} | rate() > 10", kValid},
    {"{} | rate() by (span.client_ip) >= 5.5", kValid},
    {"{} | count_over_time() by (name) < 100", kValid},
    {"{} | rate() by (span.client_ip) <= 0.5", kValid},
    {"{} | rate() = 42", kValid},
    {"{} | rate() != 0", kValid},
    {"{} | rate() > -3", kValid},
    {"{} | rate() by (span.client_ip) > 10 with(sample=0.1)", kValid},
    {"{} | rate() | topk(5) = 10", kValid},
    {"{} | rate() | topk(5) != 10", kValid},
    {"{} | rate() | topk(5) > 10", kValid},
    {"{} | rate() | topk(5) >= 10", kValid},
    {"{} | rate() | topk(5) < 10", kValid},
    {"{} | rate() | topk(5) <= 10", kValid},
    {"{} | rate() > 0 | topk(5) <= 10", kValid},
    {"{} | rate() | topk(5) | bottomk (10) <= 10", kValid},
    {"{} | rate() | topk(5) > 20 | bottomk (10) <= 10", kValid},
    {"{} | count_over_time() | topk(10) = 0 with(sample=0.1)", kValid},
    {"{} | count_over_time() | topk(10) != 0 with(sample=0.1)", kValid},
    {"{} | count_over_time() | topk(10) >= 0 with(sample=0.1)", kValid},
    {"{} | count_over_time() | topk(10) > 0 with(sample=0.1)", kValid},
    {"{} | count_over_time() | topk(10) < 0 with(sample=0.1)", kValid},
    {"{} | count_over_time() | topk(10) <= 0 with(sample=0.1)", kValid},
    {"{} | rate() = 10 | topk(5)", kValid},
    {"{} | rate() != 10 | topk(5)", kValid},
    {"{} | rate() > 10 | topk(5)", kValid},
    {"{} | rate() >= 10 | topk(5)", kValid},
    {"{} | rate() < 10 | topk(5)", kValid},
    {"{} | rate() <= 10 | topk(5)", kValid},
    {"{} | rate() by (name) >= 5.5 | bottomk(3)", kValid},
    {"{} | count_over_time() = 0 | topk(10) with(sample=0.1)", kValid},
    {"{} | count_over_time() != 0 | topk(10) with(sample=0.1)", kValid},
    {"{} | count_over_time() >= 0 | topk(10) with(sample=0.1)", kValid},
    {"{} | count_over_time() > 0 | topk(10) with(sample=0.1)", kValid},
    {"{} | count_over_time() < 0 | topk(10) with(sample=0.1)", kValid},
    {"{} | count_over_time() <= 0 | topk(10) with(sample=0.1)", kValid},
    {"{ nestedSetLeft > 3 }", kValid},
    {"{ } >> { kind = server } | select(nestedSetLeft, nestedSetRight, nestedSetParent)", kValid},
    {"{ nil != nil }", kValid},
    {"{ nil = nil }", kValid},
    {"{ .foo != nil }", kValid},
    {"{ name != nil }", kValid},
    // parse_fails
    {"true", kParseFail},
    {"[ true ]", kParseFail},
    {"( true )", kParseFail},
    {"{ . }", kParseFail},
    {"{ < }", kParseFail},
    {"{ .a < }", kParseFail},
    {"{ .a < 3", kParseFail},
    {"{ (.a < 3 }", kParseFail},
    {"{ attribute = 4 }", kParseFail},
    {"{ .attribute == 4 }", kParseFail},
    {"{} | rate() == 42", kParseFail},
    {"{ span. }", kParseFail},
    {"{ true } + { true }", kParseFail},
    {"{ true } - { true }", kParseFail},
    {"{ true } * { true }", kParseFail},
    {"{ true } / { true }", kParseFail},
    {"{ true } ^ { true }", kParseFail},
    {"{ true } = { true }", kParseFail},
    {"{ true } <= { true }", kParseFail},
    {"{ true } >= { true }", kParseFail},
    {"max(name) = \"foo\"", kParseFail},
    {"avg(\"foo\") = \"bar\"", kParseFail},
    {"max(status) = ok", kParseFail},
    {"max(kind) = consumer", kParseFail},
    {"max(duration) < ok", kParseFail},
    {"min(1) = \"foo\"", kParseFail},
    {"min(parent) = nil", kParseFail},
    {"avg(span:childCount) > \"foo\"", kParseFail},
    {"avg(.field) + 1", kParseFail},
    {"sum(3) - 2", kParseFail},
    {"min(span:childCount) && 2", kParseFail},
    {"select(.a", kParseFail},
    {"select()", kParseFail},
    {"select(1 + \"string\")", kParseFail},
    {"coalesce() | { true }", kParseFail},
    {"count() > 3 && { true }", kParseFail},
    {"{ true } | count()", kParseFail},
    {"{ true } | notAnAggregate() = 1", kParseFail},
    {"{ true } | count = 1", kParseFail},
    {"{ true } | max() = 1", kParseFail},
    {"{ true } | by()", kParseFail},
    {"({ true }) + (count()) = 1", kParseFail},
    {"({ true }) && (count())", kParseFail},
    {"({ true } | count()) && ({ true } | count()) = 1", kParseFail},
    {"({ true }) + ({ true }) = 1", kParseFail},
    {"({ true } | count()) + ({ true } | count())", kParseFail},
    {"(by(namespace) | count()) > 2 * 2", kParseFail},
    {"(by(namespace) | count()) * 2 > 2", kParseFail},
    {"2 < (by(namespace) | count())", kParseFail},
    {"{ trace:status = error }", kParseFail},
    {"{ trace:kind = server }", kParseFail},
    {"{ trace:name = \"a\" }", kParseFail},
    {"{ trace:rootServiceName = \"a\" }", kParseFail},
    {"{ span:rootName = \"bar\" }", kParseFail},
    {"{} | topk(10)", kParseFail},
    {"{} | topk(10) with(sample=0.1)", kParseFail},
    {"{} | bottomk(10)", kParseFail},
    {"{} | bottomk(10) with(sample=0.1)", kParseFail},
    {"{} | rate() | topk(-1)", kParseFail},
    {"{} | rate() | bottomk(-1)", kParseFail},
    {"{} > 10", kParseFail},
    {"{} == 10", kParseFail},
    // validate_fails
    {"{ status }", kValidateFail},
    {"{ kind }", kValidateFail},
    {"{ ok }", kValidateFail},
    {"{ 1.1 }", kValidateFail},
    {"{ 1h }", kValidateFail},
    {"{ \"foo\" }", kValidateFail},
    {"{ 1 + 1 }", kValidateFail},
    {"{ 1 + \"foo\" = 1 }", kValidateFail},
    {"{ 1 - true = 1 }", kValidateFail},
    {"{ 1 / ok = 1 }", kValidateFail},
    {"{ 1 ^ name = 1 }", kValidateFail},
    {"{ 1 = \"foo\" }", kValidateFail},
    {"{ 1 != true }", kValidateFail},
    {"{ 1 > ok }", kValidateFail},
    {"{ 1 = name }", kValidateFail},
    {"{ 1 =~ 2}", kValidateFail},
    {"{ 1 !~ 2}", kValidateFail},
    {"{ 1 && \"foo\" }", kValidateFail},
    {"{ 1 || ok }", kValidateFail},
    {"{ true || 1.1 }", kValidateFail},
    {"{ status > ok }", kValidateFail},
    {"{ kind < consumer }", kValidateFail},
    {"{ traceDuration > \"test\" }", kValidateFail},
    {"{ rootServiceName = 1 }", kValidateFail},
    {"{ rootName != 3.2 }", kValidateFail},
    {"{ \"foo\" = span:childCount }", kValidateFail},
    {"{ span:status = nil }", kValidateFail},
    {"{ nil = span:status }", kValidateFail},
    {"{ resource.service.name = nil }", kValidateFail},
    {"{ nil = resource.service.name }", kValidateFail},
    {"{ span.foo =~ \"[\" }", kValidateFail},
    {"{ span.foo !~ \"[\" }", kValidateFail},
    {"{ -true }", kValidateFail},
    {"{ -\"foo\" = \"bar\" }", kValidateFail},
    {"{ -ok = status }", kValidateFail},
    {"{ -name = \"foo\" }", kValidateFail},
    {"{ !\"foo\" = \"bar\" }", kValidateFail},
    {"{ !ok = status }", kValidateFail},
    {"{ !consumer = kind }", kValidateFail},
    {"{ !name = \"foo\" }", kValidateFail},
    {"{ !1 = 1 }", kValidateFail},
    {"{ !1h = 1 }", kValidateFail},
    {"{ !1.1 = 1.1 }", kValidateFail},
    {"min(1 = 3) = 1", kValidateFail},
    {"sum(3) = 2", kValidateFail},
    {"sum(3) = min(14)", kValidateFail},
    {"min(2h) < max(duration)", kValidateFail},
    {"min(3) = max(duration)", kValidateFail},
    {"min(1) = max(2) + 3", kValidateFail},
    {"min(1.1 - 3) > 1", kValidateFail},
    {"max(1h + 2h) > 1", kValidateFail},
    {"{ true } | by(1)", kValidateFail},
    {"{ true } | by(\"foo\")", kValidateFail},
    {"{ nestedSetLeft = \"foo\" }", kValidateFail},
    {"{ nestedSetRight = false }", kValidateFail},
    {"{ nestedSetParent > \"foo\" }", kValidateFail},
    {"{} | rate() | topk(0)", kValidateFail},
    {"{} | rate() | topk(0) with(sample=0.1)", kValidateFail},
    {"{} | rate() | bottomk(0)", kValidateFail},
    {"{} | rate() | bottomk(0) with(sample=0.1)", kValidateFail},
    {"{} | compare({status=error}) | topk(10)", kValidateFail},
    {"{} | compare({status=error}) | bottomk(10)", kValidateFail},
    {"{} | compare({status=error}) > 10", kValidateFail},
    {"{} | compare({status=error}) >= 10", kValidateFail},
    {"{} | compare({status=error}) < 10", kValidateFail},
    {"{} | compare({status=error}) <= 10", kValidateFail},
    // unsupported
    {"min(.field) < max(duration)", kUnsupported},
    {"sum(.field) = min(.field)", kUnsupported},
    {"min(.field) + max(.field) > 1", kUnsupported},
    {"min(.field) + max(span:childCount) > max(duration) - min(.field)", kUnsupported},
    {"min(span:childCount) < 2 / 6", kUnsupported},
    {"max(1 - (2 + .field)) < avg(3 * duration ^ 2)", kUnsupported},
    {"{ true } | max(parent.a) = 1", kUnsupported},
    {"{ .http.status = 200 } | max(.field) - min(.field) > 3", kUnsupported},
    {"{ parent.a != 3 }", kUnsupported},
    {"{ parent.resource.a && true }", kUnsupported},
    {"{ parent.span.a > 3 }", kUnsupported},
    {"{ parent.duration = 1h }", kUnsupported},
    {"{ (-(3 / 2) * .test - parent.blerg + .other)^3 = 2 }", kUnsupported},
    {"{ parent }", kUnsupported},
    {"{ 1 % parent = 1 }", kUnsupported},
    {"{ 1 >= parent }", kUnsupported},
    {"{ true } | count() + count() = 1", kUnsupported},
    {"({ true } | count()) + ({ true } | count()) = 1", kUnsupported},
    {"({ true } | count()) - ({ true } | count()) <= 1", kUnsupported},
    {"({ true } | count()) / ({ true } | count()) > ({ true } | count()) / ({ true } | count())", kUnsupported},
    {"({ true } | count()) * ({ true } | count()) < ({ true } | count()) / ({ true } | count())", kUnsupported},
    {"({ .http.status = 200 } | count()) + ({ name = `foo` } | avg(duration)) = 2", kUnsupported},
    {"({ .a } | count()) > ({ .b } | count())", kUnsupported},
    {"3 = 2", kUnsupported},
    {"avg(.field) > 1 - 3", kUnsupported},
};
// clang-format on

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

TEST_CASE("conformance: every query gets Tempo's verdict") {
  int checked = 0;
  for (const Case& c : kCases) {
    INFO("query: " << c.query);
    RootExpr root;
    const Status syntax = parse_syntax(c.query, &root);
    switch (c.verdict) {
      case kValid: {
        INFO("syntax: " << syntax.message());
        REQUIRE(syntax.is_ok());
        const Status v = validate(root);
        INFO("validate: " << v.message());
        CHECK(v.is_ok());
        RootExpr again;
        CHECK(parse(c.query, &again).is_ok());
        break;
      }
      case kParseFail: {
        INFO("tree: " << (syntax.is_ok() ? to_string(root) : ""));
        REQUIRE_FALSE(syntax.is_ok());
        CHECK(syntax.code() == Status::Code::kInvalidArgument);
        CHECK(syntax.message().rfind("parse error", 0) == 0);
        break;
      }
      case kValidateFail:
      case kUnsupported: {
        INFO("syntax: " << syntax.message());
        REQUIRE(syntax.is_ok());
        const Status v = validate(root);
        INFO("tree: " << to_string(root) << "\nvalidate: " << v.message());
        REQUIRE_FALSE(v.is_ok());
        CHECK(v.code() == Status::Code::kInvalidArgument);
        CHECK(ends_with(v.message(), "not yet supported") == (c.verdict == kUnsupported));
        // parse() reports the same reason.
        RootExpr again;
        CHECK(parse(c.query, &again).message() == v.message());
        break;
      }
    }
    ++checked;
  }
  CHECK(checked == static_cast<int>(std::size(kCases)));
}

TEST_CASE("conformance: every valid metrics query runs in the metrics engine") {
  // Tempo accepts these and answers them; so must the metrics engine: compile and evaluate
  // over the engine dataset. Search queries are refused there with the reason.
  columnar::SpanTable t;
  engine_testing::build_dataset(&t);
  MetricsRequest req;
  req.start_ns = engine_testing::kBase;
  req.end_ns = engine_testing::kBase + 30000000000ULL;
  req.step_ns = 10000000000ULL;
  req.exemplars = 2;
  align(&req);
  int metrics = 0;
  for (const Case& c : kCases) {
    if (c.verdict != kValid) continue;
    INFO("query: " << c.query);
    RootExpr root;
    REQUIRE(parse(c.query, &root).is_ok());
    const bool is_metrics = root.metrics.has_value();
    std::unique_ptr<MetricsQuery> q;
    const Status s = MetricsQuery::compile(std::move(root), req, &q);
    if (!is_metrics) {
      CHECK(s.message().rfind("not a metrics query", 0) == 0);
      continue;
    }
    INFO(s.message());
    REQUIRE(s.is_ok());
    MetricsPartial p;
    q->observe(t, &p);
    for (const auto& series : q->finish(p)) CHECK(series.values.size() == 4);
    ++metrics;
  }
  CHECK(metrics >= 50);
}

}  // namespace
}  // namespace tempo::traceql
