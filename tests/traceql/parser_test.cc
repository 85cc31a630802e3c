// Table-driven parser tests: valid queries with the canonical text of the tree
// they give, syntax errors with their full message (line and column included),
// and queries that parse but fail validation with the reason. Plus structural
// checks on the trees themselves.

#include "tempo/traceql/parser.h"

#include <catch2/catch.hpp>
#include <string>

namespace tempo::traceql {
namespace {

struct ValidCase {
  const char *query;
  const char *ast;  // to_string() of the parsed tree
};

struct ErrorCase {
  const char *query;
  const char *message;  // the whole Status message
};

// clang-format off
const ValidCase kValid[] = {
    {"{}",
     "{ true }"},
    {"{ }",
     "{ true }"},
    {"{ true }",
     "{ true }"},
    {"{ false }",
     "{ false }"},
    {"{ !true }",
     "{ !true }"},
    {"{ .a }",
     "{ .a }"},
    {"{ !.a }",
     "{ !.a }"},
    {"{ .a = 1 }",
     "{ .a = 1 }"},
    {"{ .a != 1 }",
     "{ .a != 1 }"},
    {"{ .a > 1 }",
     "{ .a > 1 }"},
    {"{ .a >= 1 }",
     "{ .a >= 1 }"},
    {"{ .a < 1 }",
     "{ .a < 1 }"},
    {"{ .a <= 1 }",
     "{ .a <= 1 }"},
    {"{ .a =~ \"x.*\" }",
     "{ .a =~ \"x.*\" }"},
    {"{ .a !~ \"x.*\" }",
     "{ .a !~ \"x.*\" }"},
    {"{ .a = \"x\" }",
     "{ .a = \"x\" }"},
    {"{ .a = `x` }",
     "{ .a = \"x\" }"},
    {"{ .a = 1.5 }",
     "{ .a = 1.5 }"},
    {"{ .a = -1.5 }",
     "{ .a = -1.5 }"},
    {"{ .a = true }",
     "{ .a = true }"},
    {"{ .a = false }",
     "{ .a = false }"},
    {"{ .a = 1s }",
     "{ .a = 1s }"},
    {"{ .a = -1s }",
     "{ .a = -1s }"},
    {"{ .a = 1.5e3 }",
     "{ .a = 1500.0 }"},
    {"{ .a = .5 }",
     "{ .a = 0.5 }"},
    {"{ .a = minInt }",
     "{ .a = minInt }"},
    {"{ .a = maxInt }",
     "{ .a = 9223372036854775807 }"},
    {"{ span.a = 1 }",
     "{ span.a = 1 }"},
    {"{ resource.a = 1 }",
     "{ resource.a = 1 }"},
    {"{ event.a = 1 }",
     "{ event.a = 1 }"},
    {"{ link.a = 1 }",
     "{ link.a = 1 }"},
    {"{ instrumentation.a = 1 }",
     "{ instrumentation.a = 1 }"},
    {"{ span.http.method = \"GET\" }",
     "{ span.http.method = \"GET\" }"},
    {"{ resource.service.name = \"api\" }",
     "{ resource.service.name = \"api\" }"},
    {"{ span.\"foo bar\" = 1 }",
     "{ span.\"foo bar\" = 1 }"},
    {"{ .\"foo bar\" = 1 }",
     "{ .\"foo bar\" = 1 }"},
    {"{ span.foo\"bar\" = 1 }",
     "{ span.foobar = 1 }"},
    {"{ .\"a\\\"b\" = 1 }",
     "{ .\"a\\\"b\" = 1 }"},
    {"{ .a-b = 1 }",
     "{ .a-b = 1 }"},
    {"{ .a:b = 1 }",
     "{ .a:b = 1 }"},
    {"{ .a/b = 1 }",
     "{ .a/b = 1 }"},
    {"{ .k8s.pod.name = \"x\" }",
     "{ .k8s.pod.name = \"x\" }"},
    {"{ span.0 = 1 }",
     "{ span.0 = 1 }"},
    {"{ .a.b.c.d = 1 }",
     "{ .a.b.c.d = 1 }"},
    {"{ name = \"x\" }",
     "{ name = \"x\" }"},
    {"{ status = error }",
     "{ status = error }"},
    {"{ status = ok }",
     "{ status = ok }"},
    {"{ status = unset }",
     "{ status = unset }"},
    {"{ status != error }",
     "{ status != error }"},
    {"{ statusMessage = \"m\" }",
     "{ statusMessage = \"m\" }"},
    {"{ duration > 100ms }",
     "{ duration > 100ms }"},
    {"{ kind = server }",
     "{ kind = server }"},
    {"{ kind = client }",
     "{ kind = client }"},
    {"{ kind = producer }",
     "{ kind = producer }"},
    {"{ kind = consumer }",
     "{ kind = consumer }"},
    {"{ kind = internal }",
     "{ kind = internal }"},
    {"{ kind = unspecified }",
     "{ kind = unspecified }"},
    {"{ rootName = \"r\" }",
     "{ rootName = \"r\" }"},
    {"{ rootServiceName = \"s\" }",
     "{ rootServiceName = \"s\" }"},
    {"{ traceDuration > 1s }",
     "{ traceDuration > 1s }"},
    {"{ span:name = \"x\" }",
     "{ name = \"x\" }"},
    {"{ span:status = error }",
     "{ status = error }"},
    {"{ span:statusMessage = \"m\" }",
     "{ statusMessage = \"m\" }"},
    {"{ span:duration > 1s }",
     "{ duration > 1s }"},
    {"{ span:kind = server }",
     "{ kind = server }"},
    {"{ span:id = \"0102\" }",
     "{ span:id = \"0102\" }"},
    {"{ span:parentID = \"0102\" }",
     "{ span:parentID = \"0102\" }"},
    {"{ span:childCount > 2 }",
     "{ span:childCount > 2 }"},
    {"{ trace:rootName = \"r\" }",
     "{ rootName = \"r\" }"},
    {"{ trace:rootService = \"s\" }",
     "{ rootServiceName = \"s\" }"},
    {"{ trace:duration > 1s }",
     "{ traceDuration > 1s }"},
    {"{ trace:id = \"0102\" }",
     "{ trace:id = \"0102\" }"},
    {"{ event:name = \"exception\" }",
     "{ event:name = \"exception\" }"},
    {"{ event:timeSinceStart > 1ms }",
     "{ event:timeSinceStart > 1ms }"},
    {"{ link:traceID = \"01\" }",
     "{ link:traceID = \"01\" }"},
    {"{ link:spanID = \"01\" }",
     "{ link:spanID = \"01\" }"},
    {"{ instrumentation:name = \"otel\" }",
     "{ instrumentation:name = \"otel\" }"},
    {"{ instrumentation:version = \"1.0\" }",
     "{ instrumentation:version = \"1.0\" }"},
    {"{ nestedSetLeft > 1 }",
     "{ nestedSetLeft > 1 }"},
    {"{ nestedSetRight > 1 }",
     "{ nestedSetRight > 1 }"},
    {"{ nestedSetParent = -1 }",
     "{ nestedSetParent = -1 }"},
    {"{ .a = nil }",
     "{ .a = nil }"},
    {"{ .a != nil }",
     "{ .a != nil }"},
    {"{ nil = .a }",
     "{ .a = nil }"},
    {"{ nil != .a }",
     "{ .a != nil }"},
    {"{ nil = nil }",
     "{ false }"},
    {"{ nil != nil }",
     "{ false }"},
    {"{ span.a != nil && resource.b = nil }",
     "{ (span.a != nil) && (resource.b = nil) }"},
    {"{ name != nil }",
     "{ name != nil }"},
    {"{ .a && .b }",
     "{ .a && .b }"},
    {"{ .a || .b }",
     "{ .a || .b }"},
    {"{ .a && .b || .c }",
     "{ (.a && .b) || .c }"},
    {"{ .a || .b && .c }",
     "{ (.a || .b) && .c }"},
    {"{ .a && (.b || .c) }",
     "{ .a && (.b || .c) }"},
    {"{ !(.a = 1) }",
     "{ !(.a = 1) }"},
    {"{ !.a = 1 }",
     "{ (!.a) = 1 }"},
    {"{ .a = 1 && .b = 2 }",
     "{ (.a = 1) && (.b = 2) }"},
    {"{ .a = 1 || .b = 2 && .c = 3 }",
     "{ ((.a = 1) || (.b = 2)) && (.c = 3) }"},
    {"{ .a + 1 = 2 }",
     "{ (.a + 1) = 2 }"},
    {"{ .a - 1 = 2 }",
     "{ (.a - 1) = 2 }"},
    {"{ .a * 2 = 2 }",
     "{ (.a * 2) = 2 }"},
    {"{ .a / 2 = 2 }",
     "{ (.a / 2) = 2 }"},
    {"{ .a % 2 = 0 }",
     "{ (.a % 2) = 0 }"},
    {"{ .a ^ 2 = 4 }",
     "{ (.a ^ 2) = 4 }"},
    {"{ 1 + 2 * 3 = 7 }",
     "{ (1 + (2 * 3)) = 7 }"},
    {"{ (1 + 2) * 3 = 9 }",
     "{ ((1 + 2) * 3) = 9 }"},
    {"{ 1 - 2 - 3 = -4 }",
     "{ ((1 - 2) - 3) = -4 }"},
    {"{ 2 ^ 3 ^ 2 = 512 }",
     "{ (2 ^ (3 ^ 2)) = 512 }"},
    {"{ -.a = 1 }",
     "{ (-.a) = 1 }"},
    {"{ -.a * 2 = 1 }",
     "{ (-(.a * 2)) = 1 }"},
    {"{ -.a + 2 = 1 }",
     "{ ((-.a) + 2) = 1 }"},
    {"{ -(.a + 2) = 1 }",
     "{ (-(.a + 2)) = 1 }"},
    {"{ --.a = 1 }",
     "{ (-(-.a)) = 1 }"},
    {"{ - 1 = -1 }",
     "{ -1 = -1 }"},
    {"{ .a * -1 = 1 }",
     "{ (.a * -1) = 1 }"},
    {"{ .a ^ -1 = 1 }",
     "{ (.a ^ -1) = 1 }"},
    {"{ 2 * .a ^ 2 > 1 }",
     "{ (2 * (.a ^ 2)) > 1 }"},
    {"{ .a + .b * .c = .d }",
     "{ (.a + (.b * .c)) = .d }"},
    {"{ duration > 1s * 2 }",
     "{ duration > (1s * 2) }"},
    {"{ .a = 1 = true }",
     "{ (.a = 1) = true }"},
    {"{ (.a = 1) = true }",
     "{ (.a = 1) = true }"},
    {"{ ((((.a)))) }",
     "{ .a }"},
    {"{ .a =~ \"(?i)get|post\" }",
     "{ .a =~ \"(?i)get|post\" }"},
    {"{ .a !~ \"\" }",
     "{ .a !~ \"\" }"},
    {"{ 1 = 2 }",
     "{ 1 = 2 }"},
    {"{ \"a\" = \"a\" }",
     "{ \"a\" = \"a\" }"},
    {"{ 1 < 1h }",
     "{ 1 < 1h0m0s }"},
    {"{ 1 <= 1.1 }",
     "{ 1 <= 1.1 }"},
    {"{ .http.status >= \"200\" }",
     "{ .http.status >= \"200\" }"},
    {"{ .a } && { .b }",
     "{ .a } && { .b }"},
    {"{ .a } || { .b }",
     "{ .a } || { .b }"},
    {"{ .a } > { .b }",
     "{ .a } > { .b }"},
    {"{ .a } < { .b }",
     "{ .a } < { .b }"},
    {"{ .a } >> { .b }",
     "{ .a } >> { .b }"},
    {"{ .a } << { .b }",
     "{ .a } << { .b }"},
    {"{ .a } ~ { .b }",
     "{ .a } ~ { .b }"},
    {"{ .a } !> { .b }",
     "{ .a } !> { .b }"},
    {"{ .a } !< { .b }",
     "{ .a } !< { .b }"},
    {"{ .a } !>> { .b }",
     "{ .a } !>> { .b }"},
    {"{ .a } !<< { .b }",
     "{ .a } !<< { .b }"},
    {"{ .a } !~ { .b }",
     "{ .a } !~ { .b }"},
    {"{ .a } &> { .b }",
     "{ .a } &> { .b }"},
    {"{ .a } &< { .b }",
     "{ .a } &< { .b }"},
    {"{ .a } &>> { .b }",
     "{ .a } &>> { .b }"},
    {"{ .a } &<< { .b }",
     "{ .a } &<< { .b }"},
    {"{ .a } &~ { .b }",
     "{ .a } &~ { .b }"},
    {"{ .a } && { .b } && { .c }",
     "({ .a } && { .b }) && { .c }"},
    {"{ .a } && { .b } || { .c }",
     "({ .a } && { .b }) || { .c }"},
    {"{ .a } || { .b } > { .c }",
     "{ .a } || ({ .b } > { .c })"},
    {"{ .a } > { .b } > { .c }",
     "({ .a } > { .b }) > { .c }"},
    {"{ .a } > ({ .b } || { .c })",
     "{ .a } > ({ .b } || { .c })"},
    {"({ .a } && { .b }) >> { .c }",
     "({ .a } && { .b }) >> { .c }"},
    {"({ .a })",
     "{ .a }"},
    {"(({ .a }))",
     "{ .a }"},
    {"{ .a }>>{ .b }",
     "{ .a } >> { .b }"},
    {"{ .a } | { .b }",
     "{ .a } | { .b }"},
    {"{ .a } | { .b } | { .c }",
     "{ .a } | { .b } | { .c }"},
    {"{ .a } && { .b } | { .c }",
     "{ .a } && { .b } | { .c }"},
    {"{ .a } | { .b } && { .c }",
     "{ .a } | { .b } && { .c }"},
    {"{ .a } | count() > 1",
     "{ .a } | count() > 1"},
    {"{ .a } | count() = 1",
     "{ .a } | count() = 1"},
    {"{ .a } | count() != 1",
     "{ .a } | count() != 1"},
    {"{ .a } | count() >= 1",
     "{ .a } | count() >= 1"},
    {"{ .a } | count() < 1",
     "{ .a } | count() < 1"},
    {"{ .a } | count() <= 1",
     "{ .a } | count() <= 1"},
    {"{ .a } | avg(duration) > 1s",
     "{ .a } | avg(duration) > 1s"},
    {"{ .a } | min(duration) > 1s",
     "{ .a } | min(duration) > 1s"},
    {"{ .a } | max(duration) > 1s",
     "{ .a } | max(duration) > 1s"},
    {"{ .a } | sum(duration) > 1s",
     "{ .a } | sum(duration) > 1s"},
    {"{ .a } | avg(.x) > 1.5",
     "{ .a } | avg(.x) > 1.5"},
    {"{ .a } | max(span.x * 2) > -1",
     "{ .a } | max(span.x * 2) > -1"},
    {"{ .a } | sum(.x) = 10",
     "{ .a } | sum(.x) = 10"},
    {"count() > 1",
     "count() > 1"},
    {"avg(.x) > 1",
     "avg(.x) > 1"},
    {"count() > 1 | { .a }",
     "count() > 1 | { .a }"},
    {"{ .a } | count() > 1 | { .b }",
     "{ .a } | count() > 1 | { .b }"},
    {"{ .a } | by(.b)",
     "{ .a } | by(.b)"},
    {"{ .a } | by(resource.service.name)",
     "{ .a } | by(resource.service.name)"},
    {"{ .a } | by(name) | count() > 2",
     "{ .a } | by(name) | count() > 2"},
    {"{ .a } | by(.x * 2 - 1)",
     "{ .a } | by((.x * 2) - 1)"},
    {"by(.a) | { .b }",
     "by(.a) | { .b }"},
    {"{ .a } | coalesce()",
     "{ .a } | coalesce()"},
    {"{ .a } | by(.b) | coalesce()",
     "{ .a } | by(.b) | coalesce()"},
    {"{ .a } | select(.b)",
     "{ .a } | select(.b)"},
    {"{ .a } | select(.b, span.c, resource.d, name, span:id, trace:id, event:name)",
     "{ .a } | select(.b, span.c, resource.d, name, span:id, trace:id, event:name)"},
    {"select(.a)",
     "select(.a)"},
    {"select(nestedSetLeft, nestedSetRight, nestedSetParent)",
     "select(nestedSetLeft, nestedSetRight, nestedSetParent)"},
    {"({ .a } | count() > 1) && ({ .b } | count() > 1)",
     "({ .a } | count() > 1) && ({ .b } | count() > 1)"},
    {"({ .a } | count() > 1) > ({ .b } | count() > 1)",
     "({ .a } | count() > 1) > ({ .b } | count() > 1)"},
    {"({ .a } | count() > 1) && { .b }",
     "({ .a } | count() > 1) && { .b }"},
    {"{ .a } && ({ .b } | count() > 1)",
     "{ .a } && ({ .b } | count() > 1)"},
    {"({ .a } | { .b }) ~ { .c }",
     "({ .a } | { .b }) ~ { .c }"},
    {"(count() > 1) && { .a }",
     "(count() > 1) && { .a }"},
    {"{ .a } with(most_recent=true)",
     "{ .a } with(most_recent=true)"},
    {"{ .a } with(sample=0.1)",
     "{ .a } with(sample=0.1)"},
    {"{ .a } with(a=1, b=\"x\", c=1s, d=true, e=error, f=server, g=1.5)",
     "{ .a } with(a=1, b=\"x\", c=1s, d=true, e=error, f=server, g=1.5)"},
    {"{ .a } | count() > 1 with(x=1)",
     "{ .a } | count() > 1 with(x=1)"},
    {"{} | rate()",
     "{ true } | rate()"},
    {"{} | rate() by (name)",
     "{ true } | rate() by (name)"},
    {"{} | rate() by (name, resource.service.name)",
     "{ true } | rate() by (name, resource.service.name)"},
    {"{} | count_over_time()",
     "{ true } | count_over_time()"},
    {"{} | count_over_time() by (span.a)",
     "{ true } | count_over_time() by (span.a)"},
    {"{} | min_over_time(duration)",
     "{ true } | min_over_time(duration)"},
    {"{} | max_over_time(span.x) by (name)",
     "{ true } | max_over_time(span.x) by (name)"},
    {"{} | avg_over_time(duration)",
     "{ true } | avg_over_time(duration)"},
    {"{} | sum_over_time(.bytes)",
     "{ true } | sum_over_time(.bytes)"},
    {"{} | histogram_over_time(duration)",
     "{ true } | histogram_over_time(duration)"},
    {"{} | quantile_over_time(duration, 0.5, 0.9, 0.99) by (name)",
     "{ true } | quantile_over_time(duration, 0.5, 0.9, 0.99) by (name)"},
    {"{} | quantile_over_time(duration, 0, 1)",
     "{ true } | quantile_over_time(duration, 0, 1)"},
    {"{} | compare({ status = error })",
     "{ true } | compare({ status = error }, 10, 0, 0)"},
    {"{} | compare({ status = error }, 5)",
     "{ true } | compare({ status = error }, 5, 0, 0)"},
    {"{} | compare({ status = error }, 5, 1000, 2000)",
     "{ true } | compare({ status = error }, 5, 1000, 2000)"},
    {"{} | rate() | topk(10)",
     "{ true } | rate() | topk(10)"},
    {"{} | rate() | bottomk(3)",
     "{ true } | rate() | bottomk(3)"},
    {"{} | rate() > 10",
     "{ true } | rate() > 10"},
    {"{} | rate() > -3",
     "{ true } | rate() > -3"},
    {"{} | rate() >= 1.5",
     "{ true } | rate() >= 1.5"},
    {"{} | rate() < 1s",
     "{ true } | rate() < 1"},
    {"{} | rate() | topk(5) > 10",
     "{ true } | rate() | topk(5) > 10"},
    {"{} | rate() > 0 | topk(5) <= 10",
     "{ true } | rate() > 0 | topk(5) <= 10"},
    {"{} | rate() | topk(5) | bottomk(2)",
     "{ true } | rate() | topk(5) | bottomk(2)"},
    {"{ .a } | rate() with(sample=0.1)",
     "{ .a } | rate() with(sample=0.1)"},
    {"{ .a } | by(.b) | rate()",
     "{ .a } | by(.b) | rate()"},
    {"{ .a = 1 }",
     "{ .a = 1 }"},
    {"{ span.service.name = nil }",
     "{ span.service.name = nil }"},
    {"{ resource.service.name != nil }",
     "{ resource.service.name != nil }"},
    {"{} | rate() by (.a, .b, .c, .d, .e)",
     "{ true } | rate() by (.a, .b, .c, .d, .e)"},
    {"{ \"a\" < \"b\" && 1.5 >= 2 }",
     "{ (\"a\" < \"b\") && (1.5 >= 2) }"},
};

const ErrorCase kSyntaxErrors[] = {
    {"true",
     "parse error at line 1, col 1: syntax error: unexpected true"},
    {"[ true ]",
     "parse error at line 1, col 1: syntax error: unexpected IDENTIFIER"},
    {"( true )",
     "parse error at line 1, col 3: syntax error: unexpected true"},
    {"{ . }",
     "parse error at line 1, col 3: syntax error: unexpected end of attribute, expecting attribute name after ."},
    {"{ < }",
     "parse error at line 1, col 3: syntax error: unexpected <"},
    {"{ .a < }",
     "parse error at line 1, col 8: syntax error: unexpected }"},
    {"{ .a < 3",
     "parse error at line 1, col 9: syntax error: unexpected $end, expecting }"},
    {"{ (.a < 3 }",
     "parse error at line 1, col 11: syntax error: unexpected }, expecting )"},
    {"{ attribute = 4 }",
     "parse error at line 1, col 3: unknown identifier: attribute"},
    {"{ .attribute == 4 }",
     "parse error at line 1, col 15: syntax error: unexpected ="},
    {"{ span. }",
     "parse error at line 1, col 3: syntax error: unexpected end of attribute, expecting attribute name after span."},
    {"{ true } + { true }",
     "parse error at line 1, col 10: syntax error: unexpected +"},
    {"{ true } = { true }",
     "parse error at line 1, col 10: syntax error: unexpected ="},
    {"{ true } <= { true }",
     "parse error at line 1, col 10: syntax error: unexpected <="},
    {"max(name) = \"foo\"",
     "parse error at line 1, col 13: syntax error: unexpected STRING"},
    {"avg(.field) + 1",
     "parse error at line 1, col 16: syntax error: unexpected $end"},
    {"select(.a",
     "parse error at line 1, col 10: syntax error: unexpected $end, expecting )"},
    {"select()",
     "parse error at line 1, col 8: syntax error: unexpected )"},
    {"select(1 + \"string\")",
     "parse error at line 1, col 8: syntax error: unexpected INTEGER"},
    {"coalesce() | { true }",
     "parse error at line 1, col 1: syntax error: unexpected coalesce"},
    {"count() > 3 && { true }",
     "parse error at line 1, col 13: syntax error: unexpected &&"},
    {"{ true } | count()",
     "parse error at line 1, col 19: syntax error: unexpected $end"},
    {"{ true } | notAnAggregate() = 1",
     "parse error at line 1, col 12: syntax error: unexpected IDENTIFIER"},
    {"{ true } | count = 1",
     "parse error at line 1, col 18: syntax error: unexpected =, expecting ("},
    {"{ true } | max() = 1",
     "parse error at line 1, col 16: syntax error: unexpected )"},
    {"{ true } | by()",
     "parse error at line 1, col 15: syntax error: unexpected )"},
    {"({ true }) + (count()) = 1",
     "parse error at line 1, col 12: syntax error: unexpected +"},
    {"({ true } | count()) && ({ true } | count()) = 1",
     "parse error at line 1, col 22: syntax error: unexpected &&"},
    {"2 < (by(namespace) | count())",
     "parse error at line 1, col 9: unknown identifier: namespace"},
    {"{ trace:status = error }",
     "parse error at line 1, col 9: syntax error: unexpected status"},
    {"{ trace:name = \"a\" }",
     "parse error at line 1, col 9: syntax error: unexpected name"},
    {"{ trace:rootServiceName = \"a\" }",
     "parse error at line 1, col 9: syntax error: unexpected rootServiceName"},
    {"{ span:rootName = \"bar\" }",
     "parse error at line 1, col 8: syntax error: unexpected rootName"},
    {"{ span:foo = 1 }",
     "parse error at line 1, col 8: syntax error: unexpected IDENTIFIER"},
    {"{} | topk(10)",
     "parse error at line 1, col 6: syntax error: unexpected topk"},
    {"{} | rate() | topk(-1)",
     "parse error at line 1, col 20: syntax error: unexpected -, expecting INTEGER"},
    {"{} > 10",
     "parse error at line 1, col 6: syntax error: unexpected INTEGER, expecting { or ("},
    {"{} == 10",
     "parse error at line 1, col 4: syntax error: unexpected ="},
    {"{} | rate() == 42",
     "parse error at line 1, col 14: syntax error: unexpected ="},
    {"{ .a = \"abc }",
     "parse error at line 1, col 14: literal not terminated"},
    {"{ .a = \"a\\qb\" }",
     "parse error at line 1, col 10: invalid escape sequence"},
    {"{ .a = 1 } }",
     "parse error at line 1, col 12: syntax error: unexpected }"},
    {"{ .a = 1 } {",
     "parse error at line 1, col 12: syntax error: unexpected {"},
    {"{ .a = 1 } |",
     "parse error at line 1, col 13: syntax error: unexpected $end"},
    {"{ .a = 1 } with(",
     "parse error at line 1, col 17: syntax error: unexpected $end, expecting IDENTIFIER"},
    {"{ .a = 1 } with()",
     "parse error at line 1, col 17: syntax error: unexpected ), expecting IDENTIFIER"},
    {"{ .a = 1 } with(sample)",
     "parse error at line 1, col 23: syntax error: unexpected ), expecting ="},
    {"{ .a = 1 } with(sample=)",
     "parse error at line 1, col 24: syntax error: unexpected )"},
    {"{ .a = 1 } with(name=1)",
     "parse error at line 1, col 17: syntax error: unexpected name, expecting IDENTIFIER"},
    {"{ .a = 1 } with(x=-1)",
     "parse error at line 1, col 19: syntax error: unexpected -"},
    {"{ .a = 1 } with(x=1",
     "parse error at line 1, col 20: syntax error: unexpected $end, expecting )"},
    {"{ .a = [1, 2] }",
     "parse error at line 1, col 8: unknown identifier: ["},
    {"{ .a = 0x1 }",
     "parse error at line 1, col 8: invalid number literal: 0x1"},
    {"{ .a = 1e }",
     "parse error at line 1, col 9: exponent has no digits"},
    {"{ rootService = \"a\" }",
     "parse error at line 1, col 3: syntax error: unexpected rootService"},
    {"{ id = \"a\" }",
     "parse error at line 1, col 3: syntax error: unexpected id"},
    {"{ nil }",
     "parse error at line 1, col 7: syntax error: unexpected }, expecting = or !="},
    {"{ .a + nil }",
     "parse error at line 1, col 12: syntax error: unexpected }, expecting = or !="},
    {"{ ! }",
     "parse error at line 1, col 5: syntax error: unexpected }"},
    {"{ .a ! .b }",
     "parse error at line 1, col 6: syntax error: unexpected !, expecting }"},
    {"{ .a && }",
     "parse error at line 1, col 9: syntax error: unexpected }"},
    {"{ && .a }",
     "parse error at line 1, col 3: syntax error: unexpected &&"},
    {"{ .a } && ",
     "parse error at line 1, col 11: syntax error: unexpected $end"},
    {"{ .a } &&& { .b }",
     "parse error at line 1, col 10: syntax error: unexpected IDENTIFIER"},
    {"{ .a } & { .b }",
     "parse error at line 1, col 8: syntax error: unexpected IDENTIFIER"},
    {"{ .a } | by(.b) && { .c }",
     "parse error at line 1, col 17: syntax error: unexpected &&"},
    {"{ .a } | select(.b) > 1",
     "parse error at line 1, col 21: syntax error: unexpected >"},
    {"{ .a } | coalesce() | coalesce() | count()",
     "parse error at line 1, col 43: syntax error: unexpected $end"},
    {"count()",
     "parse error at line 1, col 8: syntax error: unexpected $end"},
    {"count() + 1 > 2 > 3",
     "parse error at line 1, col 17: syntax error: unexpected >"},
    {"-count() > 1",
     "parse error at line 1, col 2: syntax error: unexpected count"},
    {"(count() > 1",
     "parse error at line 1, col 13: syntax error: unexpected $end, expecting )"},
    {"{ .a } | rate() | { .b }",
     "parse error at line 1, col 19: syntax error: unexpected {"},
    {"({} | rate())",
     "parse error at line 1, col 7: syntax error: unexpected rate"},
    {"{} | rate(duration)",
     "parse error at line 1, col 11: syntax error: unexpected duration, expecting )"},
    {"{} | min_over_time()",
     "parse error at line 1, col 20: syntax error: unexpected )"},
    {"{} | quantile_over_time(duration)",
     "parse error at line 1, col 33: syntax error: unexpected ), expecting ,"},
    {"{} | quantile_over_time(duration, -0.5)",
     "parse error at line 1, col 35: syntax error: unexpected -"},
    {"{} | compare(.a)",
     "parse error at line 1, col 14: syntax error: unexpected ., expecting {"},
    {"{} | compare({ .a }, -1)",
     "parse error at line 1, col 22: syntax error: unexpected -, expecting INTEGER"},
    {"{} | compare({ .a }, 1, 2)",
     "parse error at line 1, col 26: syntax error: unexpected ), expecting ,"},
    {"{} | rate() by ()",
     "parse error at line 1, col 17: syntax error: unexpected )"},
    {"{} | rate() by (1)",
     "parse error at line 1, col 17: syntax error: unexpected INTEGER"},
    {"{} | rate() | topk(1.5)",
     "parse error at line 1, col 20: syntax error: unexpected FLOAT, expecting INTEGER"},
    {"{} | rate() > \"a\"",
     "parse error at line 1, col 15: syntax error: unexpected STRING"},
    {"{} | rate() with(x=1) | topk(1)",
     "parse error at line 1, col 23: syntax error: unexpected |"},
    {"{ .a }} ",
     "parse error at line 1, col 7: syntax error: unexpected }"},
    {"{ .a = \"é\" } @",
     "parse error at line 1, col 14: syntax error: unexpected IDENTIFIER"},
    {"count() > \"a\"",
     "parse error at line 1, col 11: syntax error: unexpected STRING"},
    // positions on later lines
    {"{ .a = 1 }\n  | { .b = }",
     "parse error at line 2, col 12: syntax error: unexpected }"},
    {"{ .a = 1 &&\n\n   .b = \"x }",
     "parse error at line 3, col 13: literal not terminated"},
    {"{ .a = 1 } |\n  count() > 1 |\n  by(.x) &&",
     "parse error at line 3, col 10: syntax error: unexpected &&"},
    {"\n{ .a =\n\t}", "parse error at line 3, col 2: syntax error: unexpected }"},
};

const ErrorCase kSemanticErrors[] = {
    {"{ .a = nil + 1 }",
     "binary operations must operate on the same type: (.a = nil) + 1"},
    {"{ -\"a\" = 1 }",
     "illegal operation for the given type: -\"a\""},
    {"{ 1 = \"a\" }",
     "binary operations must operate on the same type: 1 = \"a\""},
    {"{ .a + \"b\" > 1 }",
     "illegal operation for the given types: .a + \"b\""},
    {"{ status }",
     "span filter field expressions must resolve to a boolean: { status }"},
    {"{ 1 + 1 }",
     "span filter field expressions must resolve to a boolean: { 1 + 1 }"},
    {"{ \"foo\" }",
     "span filter field expressions must resolve to a boolean: { \"foo\" }"},
    {"{ 1 && true }",
     "binary operations must operate on the same type: 1 && true"},
    {"{ status > ok }",
     "illegal operation for the given types: status > ok"},
    {"{ kind < server }",
     "illegal operation for the given types: kind < server"},
    {"{ name = 1 }",
     "binary operations must operate on the same type: name = 1"},
    {"{ duration = \"1s\" }",
     "binary operations must operate on the same type: duration = \"1s\""},
    {"{ span:childCount = \"x\" }",
     "binary operations must operate on the same type: span:childCount = \"x\""},
    {"{ span:status = nil }",
     "status=nil is not valid because intrinsics cannot be nil"},
    {"{ nil = name }",
     "name=nil is not valid because intrinsics cannot be nil"},
    {"{ resource.service.name = nil }",
     "resource.service.name=nil is not valid because resource.service.name cannot be nil"},
    {"{ .a =~ \"[\" }",
     "invalid regex: \"[\": missing ]: ["},
    {"{ .a !~ \"(\" }",
     "invalid regex: \"(\": missing ): ("},
    {"{ .a =~ \"a)(b\" }",
     "invalid regex: \"a)(b\": unexpected ): a)(b"},
    {"{ .a =~ \"x{2,1}\" }",
     "invalid regex: \"x{2,1}\": invalid repetition size: {2,1}"},
    {"{ .a =~ .b }",
     "invalid type for =~ or !~: .b"},
    {"{ .a =~ 1 }",
     "illegal operation for the given types: .a =~ 1"},
    {"{ -true }",
     "illegal operation for the given type: -true"},
    {"{ !1 = 1 }",
     "illegal operation for the given type: !1"},
    {"{ !\"a\" = \"b\" }",
     "illegal operation for the given type: !\"a\""},
    {"{ -ok = status }",
     "illegal operation for the given type: -ok"},
    {"{ parent.a = 1 }",
     "parent not yet supported"},
    {"{ parent.span.a = 1 }",
     "parent not yet supported"},
    {"{ parent = nil }",
     "intrinsic (parent) not yet supported"},
    {"{ parent }",
     "intrinsic (parent) not yet supported"},
    {"avg(name) > 1",
     "aggregate field expressions must resolve to a number type: avg(name)"},
    {"sum(1) > 1",
     "aggregate field expressions must reference the span: sum(1)"},
    {"min(1s) > 1",
     "aggregate field expressions must reference the span: min(1s)"},
    {"max(.a = 1) > 1",
     "aggregate field expressions must resolve to a number type: max(.a = 1)"},
    {"min(.a) < max(duration)",
     "scalar filter rhs max(duration) not yet supported"},
    {"avg(.a) > 1 - 2",
     "scalar filter rhs 1 - 2 not yet supported"},
    {"({ .a } | count()) > ({ .b } | count())",
     "scalar filter lhs ({ .a } | count()) not yet supported"},
    {"({ .a } | count()) + ({ .b } | count()) = 1",
     "scalar filter lhs ({ .a } | count()) + ({ .b } | count()) not yet supported"},
    {"({ .a } | count()) = 1",
     "scalar filter lhs ({ .a } | count()) not yet supported"},
    {"3 = 2",
     "scalar filter lhs 3 not yet supported"},
    {"{ .a } | by(1)",
     "grouping field expressions must reference the span: by(1)"},
    {"{ .a } | by(\"x\")",
     "grouping field expressions must reference the span: by(\"x\")"},
    {"{ .a } | select(parent.x)",
     "parent not yet supported"},
    {"{ .a } | max(parent.a) > 1",
     "parent not yet supported"},
    {"{ nestedSetLeft = \"a\" }",
     "binary operations must operate on the same type: nestedSetLeft = \"a\""},
    {"{} | rate() | topk(0)",
     "limit must be greater than 0"},
    {"{} | rate() | bottomk(0)",
     "limit must be greater than 0"},
    {"{} | compare({ status = error }) | topk(1)",
     "`compare()` cannot be used with second stage functions"},
    {"{} | compare({ status = error }) > 1",
     "`compare()` cannot be used with second stage functions"},
    {"{} | compare({ 1 })",
     "span filter field expressions must resolve to a boolean: { 1 }"},
    {"{} | compare({ .a }, 0)",
     "compare() top number of values must be integer greater than 0"},
    {"{} | compare({ .a }, 1, 0, 5)",
     "compare() timestamps must be positive integer unix nanoseconds"},
    {"{} | compare({ .a }, 1, 5, 5)",
     "compare() end timestamp must be greater than start timestamp"},
    {"{} | quantile_over_time(duration, 1.5)",
     "quantile must be between 0 and 1: 1.500000"},
    {"{} | rate() by (.a, .b, .c, .d, .e, .f)",
     "metrics group by 6 values not yet supported"},
    {"{} | histogram_over_time(duration) by (.a, .b, .c, .d, .e)",
     "metrics group by 5 values not yet supported"},
    {"{ .a } | count() > 1 | { 1 }",
     "span filter field expressions must resolve to a boolean: { 1 }"},
    {"{ .a } > { 1 }",
     "span filter field expressions must resolve to a boolean: { 1 }"},
    {"({ .a } | { 1 })",
     "span filter field expressions must resolve to a boolean: { 1 }"},
    {"{ 1 ^ name = 1 }",
     "binary operations must operate on the same type: 1 ^ name"},
    {"{ true || 1.1 }",
     "binary operations must operate on the same type: true || 1.1"},
};
// clang-format on

TEST_CASE("parser: valid queries give the expected tree") {
  for (const ValidCase &c : kValid) {
    INFO("query: " << c.query);
    RootExpr root;
    const Status st = parse(c.query, &root);
    INFO("status: " << st.message());
    REQUIRE(st.is_ok());
    CHECK(to_string(root) == c.ast);
  }
}

TEST_CASE("parser: canonical text parses back to the same tree") {
  for (const ValidCase &c : kValid) {
    INFO("query: " << c.query);
    RootExpr root;
    REQUIRE(parse(c.query, &root).is_ok());
    const std::string text = to_string(root);
    RootExpr again;
    const Status st = parse(text, &again);
    INFO("canonical: " << text << "\nstatus: " << st.message());
    REQUIRE(st.is_ok());
    CHECK(to_string(again) == text);
    CHECK(to_string(clone(root)) == text);
  }
}

TEST_CASE("parser: syntax errors name the line, column and token") {
  for (const ErrorCase &c : kSyntaxErrors) {
    INFO("query: " << c.query);
    RootExpr root;
    const Status st = parse_syntax(c.query, &root);
    REQUIRE_FALSE(st.is_ok());
    CHECK(st.code() == Status::Code::kInvalidArgument);
    CHECK(st.message() == c.message);
    CHECK(root.pipeline.elements.empty());
    // parse() reports the same.
    CHECK(parse(c.query, &root).message() == c.message);
  }
}

TEST_CASE("parser: semantic errors come from validation, with the reason") {
  for (const ErrorCase &c : kSemanticErrors) {
    INFO("query: " << c.query);
    RootExpr root;
    REQUIRE(parse_syntax(c.query, &root).is_ok());
    const Status st = validate(root);
    REQUIRE_FALSE(st.is_ok());
    CHECK(st.code() == Status::Code::kInvalidArgument);
    CHECK(st.message() == c.message);
    RootExpr out;
    const Status whole = parse(c.query, &out);
    CHECK(whole.message() == c.message);
    CHECK(out.pipeline.elements.empty());  // nothing half-built is handed out
  }
}

TEST_CASE("parser: the table is large enough to mean something") {
  CHECK(std::size(kValid) + std::size(kSyntaxErrors) + std::size(kSemanticErrors) >= 300);
}

// ------------------------------------------------------------------ tree
// structure

const SpansetFilter &only_filter(const RootExpr &r) {
  REQUIRE(r.pipeline.elements.size() == 1);
  const auto *f = std::get_if<SpansetFilter>(&r.pipeline.elements[0].node);
  REQUIRE(f != nullptr);
  return *f;
}

const BinaryOp &filter_binary(const RootExpr &r) {
  const BinaryOp *b = only_filter(r).expr.as_binary();
  REQUIRE(b != nullptr);
  return *b;
}

RootExpr must_parse(std::string_view q) {
  RootExpr r;
  const Status st = parse(q, &r);
  INFO(q << ": " << st.message());
  REQUIRE(st.is_ok());
  return r;
}

TEST_CASE("parser: attributes carry scope, intrinsic, name and parent") {
  struct A {
    const char *query;
    AttributeScope scope;
    Intrinsic intrinsic;
    const char *name;
    bool parent;
  };
  const A cases[] = {
      {"{ .http.method = 1 }", AttributeScope::kNone, Intrinsic::kNone, "http.method", false},
      {"{ span.http.method = 1 }", AttributeScope::kSpan, Intrinsic::kNone, "http.method", false},
      {"{ resource.service.name = 1 }", AttributeScope::kResource, Intrinsic::kNone, "service.name",
       false},
      {"{ event.exception.type = 1 }", AttributeScope::kEvent, Intrinsic::kNone, "exception.type",
       false},
      {"{ link.x = 1 }", AttributeScope::kLink, Intrinsic::kNone, "x", false},
      {"{ instrumentation.x = 1 }", AttributeScope::kInstrumentation, Intrinsic::kNone, "x", false},
      {"{ span.\"a b\" = 1 }", AttributeScope::kSpan, Intrinsic::kNone, "a b", false},
      {"{ .duration = 1 }", AttributeScope::kNone, Intrinsic::kNone, "duration", false},
      {"{ span.name = 1 }", AttributeScope::kSpan, Intrinsic::kNone, "name", false},
      {"{ name = 1 }", AttributeScope::kIntrinsic, Intrinsic::kName, "name", false},
      {"{ span:name = 1 }", AttributeScope::kIntrinsic, Intrinsic::kName, "name", false},
      {"{ span:id = 1 }", AttributeScope::kIntrinsic, Intrinsic::kSpanId, "span:id", false},
      {"{ span:parentID = 1 }", AttributeScope::kIntrinsic, Intrinsic::kParentId, "span:parentID",
       false},
      {"{ span:childCount = 1 }", AttributeScope::kIntrinsic, Intrinsic::kChildCount,
       "span:childCount", false},
      {"{ trace:id = 1 }", AttributeScope::kIntrinsic, Intrinsic::kTraceId, "trace:id", false},
      {"{ trace:rootService = 1 }", AttributeScope::kIntrinsic, Intrinsic::kTraceRootService,
       "rootServiceName", false},
      {"{ rootName = 1 }", AttributeScope::kIntrinsic, Intrinsic::kTraceRootName, "rootName",
       false},
      {"{ trace:duration = 1 }", AttributeScope::kIntrinsic, Intrinsic::kTraceDuration,
       "traceDuration", false},
      {"{ event:name = 1 }", AttributeScope::kIntrinsic, Intrinsic::kEventName, "event:name",
       false},
      {"{ event:timeSinceStart = 1 }", AttributeScope::kIntrinsic, Intrinsic::kEventTimeSinceStart,
       "event:timeSinceStart", false},
      {"{ link:traceID = 1 }", AttributeScope::kIntrinsic, Intrinsic::kLinkTraceId, "link:traceID",
       false},
      {"{ link:spanID = 1 }", AttributeScope::kIntrinsic, Intrinsic::kLinkSpanId, "link:spanID",
       false},
      {"{ instrumentation:name = 1 }", AttributeScope::kIntrinsic, Intrinsic::kInstrumentationName,
       "instrumentation:name", false},
      {"{ instrumentation:version = 1 }", AttributeScope::kIntrinsic,
       Intrinsic::kInstrumentationVersion, "instrumentation:version", false},
      {"{ statusMessage = 1 }", AttributeScope::kIntrinsic, Intrinsic::kStatusMessage,
       "statusMessage", false},
      {"{ nestedSetParent = 1 }", AttributeScope::kIntrinsic, Intrinsic::kNestedSetParent,
       "nestedSetParent", false},
  };
  for (const A &c : cases) {
    INFO(c.query);
    RootExpr r;
    // Some comparisons above are ill-typed on purpose: only the syntax matters
    // here.
    REQUIRE(parse_syntax(c.query, &r).is_ok());
    const Attribute *a = filter_binary(r).lhs->as_attribute();
    REQUIRE(a != nullptr);
    CHECK(a->scope == c.scope);
    CHECK(a->intrinsic == c.intrinsic);
    CHECK(a->name == c.name);
    CHECK(a->parent == c.parent);
  }
  RootExpr r;
  REQUIRE(parse_syntax("{ parent.resource.x = 1 }", &r).is_ok());
  const Attribute *p = filter_binary(r).lhs->as_attribute();
  REQUIRE(p != nullptr);
  CHECK(p->parent);
  CHECK(p->scope == AttributeScope::kResource);
  CHECK(p->name == "x");
}

TEST_CASE("parser: literals carry typed values") {
  struct S {
    const char *query;
    Static want;
  };
  const S cases[] = {
      {"{ .a = 42 }", Static::integer(42)},
      {"{ .a = -42 }", Static::integer(-42)},
      {"{ .a = 2.5 }", Static::floating(2.5)},
      {"{ .a = -2.5 }", Static::floating(-2.5)},
      {"{ .a = \"x\\\"y\" }", Static::string("x\"y")},
      {"{ .a = `x\\y` }", Static::string("x\\y")},
      {"{ .a = true }", Static::boolean(true)},
      {"{ .a = 1ns }", Static::duration_ns(1)},
      {"{ .a = 1.5s }", Static::duration_ns(1500000000)},
      {"{ .a = 1µs }", Static::duration_ns(1000)},
      {"{ .a = 2m }", Static::duration_ns(120000000000)},
      {"{ .a = 1h }", Static::duration_ns(3600000000000)},
      {"{ .a = -1ms }", Static::duration_ns(-1000000)},
      {"{ .a = error }", Static::status(StatusValue::kError)},
      {"{ .a = ok }", Static::status(StatusValue::kOk)},
      {"{ .a = unset }", Static::status(StatusValue::kUnset)},
      {"{ .a = server }", Static::kind(KindValue::kServer)},
      {"{ .a = consumer }", Static::kind(KindValue::kConsumer)},
      {"{ .a = unspecified }", Static::kind(KindValue::kUnspecified)},
      {"{ .a = maxInt }", Static::integer(INT64_MAX)},
      {"{ .a = minInt }", Static::integer(INT64_MIN)},
  };
  for (const S &c : cases) {
    INFO(c.query);
    RootExpr r = must_parse(c.query);
    const Static *s = filter_binary(r).rhs->as_static();
    REQUIRE(s != nullptr);
    CHECK(*s == c.want);
  }
}

TEST_CASE("parser: operators map to Op and SpansetOp") {
  CHECK(filter_binary(must_parse("{ .a =~ \"x\" }")).op == Op::kRegex);
  CHECK(filter_binary(must_parse("{ .a !~ \"x\" }")).op == Op::kNotRegex);
  CHECK(filter_binary(must_parse("{ .a % 2 = 1 }")).op == Op::kEqual);
  {
    RootExpr r = must_parse("{ .a % 2 = 1 }");
    CHECK(filter_binary(r).lhs->as_binary()->op == Op::kMod);
  }
  {
    RootExpr r = must_parse("{ -.a = 1 }");
    const UnaryOp *u = filter_binary(r).lhs->as_unary();
    REQUIRE(u != nullptr);
    CHECK(u->op == Op::kNeg);
  }
  {
    RootExpr r = must_parse("{ !.a }");
    const UnaryOp *u = only_filter(r).expr.as_unary();
    REQUIRE(u != nullptr);
    CHECK(u->op == Op::kNot);
  }
  {
    RootExpr r = must_parse("{ .a != nil }");
    const UnaryOp *u = only_filter(r).expr.as_unary();
    REQUIRE(u != nullptr);
    CHECK(u->op == Op::kExists);
  }
  struct SO {
    const char *query;
    SpansetOp op;
  };
  const SO ops[] = {
      {"{} && {}", SpansetOp::kAnd},
      {"{} || {}", SpansetOp::kOr},
      {"{} > {}", SpansetOp::kChild},
      {"{} < {}", SpansetOp::kParent},
      {"{} >> {}", SpansetOp::kDescendant},
      {"{} << {}", SpansetOp::kAncestor},
      {"{} ~ {}", SpansetOp::kSibling},
      {"{} !> {}", SpansetOp::kNotChild},
      {"{} !< {}", SpansetOp::kNotParent},
      {"{} !>> {}", SpansetOp::kNotDescendant},
      {"{} !<< {}", SpansetOp::kNotAncestor},
      {"{} !~ {}", SpansetOp::kNotSibling},
      {"{} &> {}", SpansetOp::kUnionChild},
      {"{} &< {}", SpansetOp::kUnionParent},
      {"{} &>> {}", SpansetOp::kUnionDescendant},
      {"{} &<< {}", SpansetOp::kUnionAncestor},
      {"{} &~ {}", SpansetOp::kUnionSibling},
  };
  for (const SO &c : ops) {
    INFO(c.query);
    RootExpr r = must_parse(c.query);
    REQUIRE(r.pipeline.elements.size() == 1);
    const auto *so = std::get_if<SpansetOperation>(&r.pipeline.elements[0].node);
    REQUIRE(so != nullptr);
    CHECK(so->op == c.op);
    CHECK(std::holds_alternative<SpansetFilter>(so->lhs->node));
    CHECK(std::holds_alternative<SpansetFilter>(so->rhs->node));
  }
}

TEST_CASE("parser: pipelines, aggregates and hints") {
  RootExpr r = must_parse(
      "{ .a } | by(resource.service.name) | avg(duration) "
      "> 1.5s | select(.b, span:id) | "
      "coalesce() with(most_recent=true, sample=0.5)");
  REQUIRE(r.pipeline.elements.size() == 5);
  CHECK(std::holds_alternative<SpansetFilter>(r.pipeline.elements[0].node));
  const auto *by = std::get_if<GroupBy>(&r.pipeline.elements[1].node);
  REQUIRE(by != nullptr);
  CHECK(by->expr.as_attribute()->name == "service.name");
  const auto *sf = std::get_if<ScalarFilter>(&r.pipeline.elements[2].node);
  REQUIRE(sf != nullptr);
  CHECK(sf->op == Op::kGreater);
  const auto *agg = std::get_if<Aggregate>(&sf->lhs.node);
  REQUIRE(agg != nullptr);
  CHECK(agg->kind == Aggregate::Kind::kAvg);
  REQUIRE(agg->expr.has_value());
  CHECK(agg->expr->as_attribute()->intrinsic == Intrinsic::kDuration);
  CHECK(std::get<Static>(sf->rhs.node) == Static::duration_ns(1500000000));
  CHECK(implied_type(sf->lhs) == StaticType::kDuration);
  const auto *sel = std::get_if<Select>(&r.pipeline.elements[3].node);
  REQUIRE(sel != nullptr);
  REQUIRE(sel->attrs.size() == 2);
  CHECK(sel->attrs[1].intrinsic == Intrinsic::kSpanId);
  CHECK(std::holds_alternative<Coalesce>(r.pipeline.elements[4].node));
  REQUIRE(r.hints.entries.size() == 2);
  REQUIRE(r.hints.find("most_recent") != nullptr);
  CHECK(*r.hints.find("most_recent") == Static::boolean(true));
  CHECK(*r.hints.find("sample") == Static::floating(0.5));
  CHECK(r.hints.find("absent") == nullptr);
  CHECK_FALSE(r.metrics.has_value());

  RootExpr c = must_parse("{ .a } | count() > 2");
  const auto &cf = std::get<ScalarFilter>(c.pipeline.elements[1].node);
  CHECK(std::get<Aggregate>(cf.lhs.node).kind == Aggregate::Kind::kCount);
  CHECK_FALSE(std::get<Aggregate>(cf.lhs.node).expr.has_value());
  CHECK(implied_type(cf.lhs) == StaticType::kInt);
}

TEST_CASE("parser: parenthesised pipelines nest") {
  RootExpr r = must_parse("({ .a } | count() > 1) && { .b }");
  REQUIRE(r.pipeline.elements.size() == 1);
  const auto &so = std::get<SpansetOperation>(r.pipeline.elements[0].node);
  const auto *inner = std::get_if<Pipeline>(&so.lhs->node);
  REQUIRE(inner != nullptr);
  CHECK(inner->elements.size() == 2);
  CHECK(std::holds_alternative<SpansetFilter>(so.rhs->node));

  // Parentheses around a single spanset expression only group.
  RootExpr g = must_parse("(({ .a }))");
  CHECK(std::holds_alternative<SpansetFilter>(g.pipeline.elements[0].node));

  // A parenthesised pipeline ending in an aggregate is a scalar.
  RootExpr s;
  REQUIRE(parse_syntax("({ .a } | count()) > 3", &s).is_ok());
  const auto &f = std::get<ScalarFilter>(s.pipeline.elements[0].node);
  const auto *p = std::get_if<Pipeline>(&f.lhs.node);
  REQUIRE(p != nullptr);
  REQUIRE(p->elements.size() == 2);
  CHECK(std::holds_alternative<Aggregate>(p->elements[1].node));
  CHECK(implied_type(f.lhs) == StaticType::kInt);
}

TEST_CASE("parser: metrics stages") {
  RootExpr r = must_parse(
      "{ .a } | quantile_over_time(duration, 0.5, 0.99) by "
      "(name, span.x) | topk(3) > 2s "
      "with(sample=0.1)");
  REQUIRE(r.metrics.has_value());
  const MetricsAggregate &a = r.metrics->aggregate;
  CHECK(a.kind == MetricsAggregate::Kind::kQuantileOverTime);
  REQUIRE(a.attr.has_value());
  CHECK(a.attr->intrinsic == Intrinsic::kDuration);
  CHECK(a.quantiles == std::vector<double>{0.5, 0.99});
  REQUIRE(a.by.size() == 2);
  CHECK(a.by[1] == Attribute::scoped(AttributeScope::kSpan, "x"));
  REQUIRE(r.metrics->second_stage.size() == 2);
  CHECK(r.metrics->second_stage[0].kind == MetricsSecondStage::Kind::kTopK);
  CHECK(r.metrics->second_stage[0].limit == 3);
  CHECK(r.metrics->second_stage[1].kind == MetricsSecondStage::Kind::kFilter);
  CHECK(r.metrics->second_stage[1].op == Op::kGreater);
  CHECK(r.metrics->second_stage[1].value == 2.0);
  CHECK(r.hints.find("sample") != nullptr);

  RootExpr c = must_parse("{} | compare({ status = error }, 7, 10, 20)");
  REQUIRE(c.metrics.has_value());
  CHECK(c.metrics->aggregate.kind == MetricsAggregate::Kind::kCompare);
  REQUIRE(c.metrics->aggregate.compare_selection.has_value());
  CHECK(c.metrics->aggregate.compare_top_n == 7);
  CHECK(c.metrics->aggregate.compare_start == 10);
  CHECK(c.metrics->aggregate.compare_end == 20);
}

TEST_CASE("parser: referenced attributes, each once, in order") {
  RootExpr r = must_parse(
      "{ span.a = 1 && name = \"x\" } >> { resource.b = 2 "
      "|| span.a > 3 } | by(.c) | "
      "avg(duration) > 1s | select(span:id, .c)");
  std::vector<std::string> names;
  for (const Attribute &a : referenced_attributes(r)) names.push_back(to_string(a));
  CHECK(names ==
        std::vector<std::string>{"span.a", "name", "resource.b", ".c", "duration", "span:id"});

  RootExpr m = must_parse("{ .x } | rate() by (resource.service.name)");
  std::vector<std::string> mn;
  for (const Attribute &a : referenced_attributes(m)) mn.push_back(to_string(a));
  CHECK(mn == std::vector<std::string>{".x", "resource.service.name"});

  CHECK(referenced_attributes(must_parse("{}")).empty());
}

TEST_CASE("parser: input limits") {
  RootExpr r;
  const std::string big(kMaxQueryBytes + 1, ' ');
  const Status st = parse(big, &r);
  REQUIRE_FALSE(st.is_ok());
  CHECK(st.message().find("longer than") != std::string::npos);

  // Exactly at the limit is fine.
  std::string ok = "{ .a = 1 }";
  ok.resize(kMaxQueryBytes, ' ');
  CHECK(parse(ok, &r).is_ok());
}

TEST_CASE("parser: regexes are anchored as Tempo runs them") {
  CHECK(anchored_regex("a.*") == "^(?s:a.*)$");
  CHECK(anchored_regex("a|b") == "^(?s:a|b)$");
}

}  // namespace
}  // namespace tempo::traceql
