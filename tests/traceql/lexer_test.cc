// The lexer on its own: token kinds, values and positions, Tempo's attribute and duration rules.

#include "traceql/lexer.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace tempo::traceql {
namespace {

// Compact rendering of a token stream: "kind[value]@line:col" joined by spaces.
std::string dump(std::string_view q) {
  std::string out;
  for (const Token& t : lex(q, 10000)) {
    if (!out.empty()) out += ' ';
    std::string value;
    switch (t.kind) {
      case Tok::kIdentifier:
      case Tok::kString:
      case Tok::kError:
        value = t.text;
        break;
      case Tok::kInteger:
      case Tok::kDuration:
        value = std::to_string(t.i);
        break;
      case Tok::kFloat:
        value = std::to_string(t.f);
        break;
      case Tok::kAttribute:
        value = t.text;
        break;
      default:
        break;
    }
    out += token_display(t);
    if (!value.empty() || t.kind == Tok::kString || t.kind == Tok::kAttribute) {
      out += "[" + value + "]";
    }
    out += "@" + std::to_string(t.line) + ":" + std::to_string(t.col);
  }
  return out;
}

struct LexCase {
  const char* in;
  const char* want;
};

TEST_CASE("lexer: token streams") {
  const LexCase cases[] = {
      {"", "$end@1:1"},
      {"   ", "$end@1:4"},
      {"{ }", "{@1:1 }@1:3 $end@1:4"},
      {"{.a}", "{@1:1 .[a]@1:2 }@1:4 $end@1:5"},
      {"{ .a }", "{@1:1 .[a]@1:3 }@1:6 $end@1:7"},
      // attribute names run to a delimiter: dots, dashes, colons, slashes and digits included
      {".http.status_code", ".[http.status_code]@1:1 $end@1:18"},
      {".a-b:c/d@e", ".[a-b:c/d@e]@1:1 $end@1:11"},
      {".a+1", ".[a+1]@1:1 $end@1:5"},
      {".a=1", ".[a]@1:1 =@1:3 INTEGER[1]@1:4 $end@1:5"},
      {".a!=1", ".[a]@1:1 !=@1:3 INTEGER[1]@1:5 $end@1:6"},
      {".a}", ".[a]@1:1 }@1:3 $end@1:4"},
      {".a,.b", ".[a]@1:1 ,@1:3 .[b]@1:4 $end@1:6"},
      {".a^2", ".[a]@1:1 ^@1:3 INTEGER[2]@1:4 $end@1:5"},
      {".a&&.b", ".[a]@1:1 &&@1:3 .[b]@1:5 $end@1:7"},
      // quoted parts may contain anything, with \" and \\ escapes
      {"span.\"foo bar\"", "span.[foo bar]@1:1 $end@1:15"},
      {".\"x\"", ".[x]@1:1 $end@1:5"},
      {".foo\"bar baz\"", ".[foobar baz]@1:1 $end@1:14"},
      {".\"a\\\"b\\\\c\"", ".[a\"b\\c]@1:1 $end@1:11"},
      {".\"a\\nb\"", "error[invalid escape sequence]@1:5"},
      {".\"abc", "error[unexpected EOF, expecting \"]@1:1"},
      // scopes
      {"resource.service.name", "resource.[service.name]@1:1 $end@1:22"},
      {"event.a link.b instrumentation.c",
       "event.[a]@1:1 link.[b]@1:9 instrumentation.[c]@1:16 $end@1:33"},
      {"parent.a", "parent.[a]@1:1 $end@1:9"},
      {"parent.span.a parent.resource.b", "parent.[a]@1:1 parent.[b]@1:15 $end@1:32"},
      {"span.", "span.[]@1:1 $end@1:6"},
      {". foo", ".[]@1:1 IDENTIFIER[foo]@1:3 $end@1:6"},
      {"spanx.a", "IDENTIFIER[spanx]@1:1 .[a]@1:6 $end@1:8"},
      // scoped intrinsics are two tokens, as in Tempo (so `span: name` is accepted)
      {"span:name", "span:@1:1 name@1:6 $end@1:10"},
      {"span: name", "span:@1:1 name@1:7 $end@1:11"},
      {"trace:id event:timeSinceStart link:traceID instrumentation:version",
       "trace:@1:1 id@1:7 event:@1:10 timeSinceStart@1:16 link:@1:31 traceID@1:36 "
       "instrumentation:@1:44 version@1:60 $end@1:67"},
      {"span:childCount", "span:@1:1 childCount@1:6 $end@1:16"},
      // keywords
      {"true false nil", "true@1:1 false@1:6 nil@1:12 $end@1:15"},
      {"ok error unset", "ok@1:1 error@1:4 unset@1:10 $end@1:15"},
      {"server client internal producer consumer unspecified",
       "server@1:1 client@1:8 internal@1:15 producer@1:24 consumer@1:33 unspecified@1:42 "
       "$end@1:53"},
      {"count avg min max sum by coalesce select with",
       "count@1:1 avg@1:7 min@1:11 max@1:15 sum@1:19 by@1:23 coalesce@1:26 select@1:35 "
       "with@1:42 $end@1:46"},
      {"rate count_over_time quantile_over_time topk bottomk",
       "rate@1:1 count_over_time@1:6 quantile_over_time@1:22 topk@1:41 bottomk@1:46 $end@1:53"},
      {"minInt foo_bar", "IDENTIFIER[minInt]@1:1 IDENTIFIER[foo_bar]@1:8 $end@1:15"},
      // operators: longest match
      {"= != =~ !~ > >= < <=",
       "=@1:1 !=@1:3 =~@1:6 !~@1:9 >@1:12 >=@1:14 <@1:17 <=@1:19 $end@1:21"},
      {"+ - * / % ^", "+@1:1 -@1:3 *@1:5 /@1:7 %@1:9 ^@1:11 $end@1:12"},
      {"&& || ! |", "&&@1:1 ||@1:4 !@1:7 |@1:9 $end@1:10"},
      {">> << ~", ">>@1:1 <<@1:4 ~@1:7 $end@1:8"},
      {"!> !< !>> !<<", "!>@1:1 !<@1:4 !>>@1:7 !<<@1:11 $end@1:14"},
      {"&> &< &>> &<< &~", "&>@1:1 &<@1:4 &>>@1:7 &<<@1:11 &~@1:15 $end@1:17"},
      {"==", "=@1:1 =@1:2 $end@1:3"},
      {"<>", "<@1:1 >@1:2 $end@1:3"},
      {"&", "IDENTIFIER[&]@1:1 $end@1:2"},
      {"[1]", "IDENTIFIER[[]@1:1 INTEGER[1]@1:2 IDENTIFIER[]]@1:3 $end@1:4"},
      // numbers
      {"0 42 007", "INTEGER[0]@1:1 INTEGER[42]@1:3 INTEGER[7]@1:6 $end@1:9"},
      {"1.5 .5 1e3 2.5E-1",
       "FLOAT[1.500000]@1:1 FLOAT[0.500000]@1:5 FLOAT[1000.000000]@1:8 FLOAT[0.250000]@1:12 "
       "$end@1:18"},
      {"9223372036854775807", "INTEGER[9223372036854775807]@1:1 $end@1:20"},
      {"9223372036854775808", "error[integer out of range: 9223372036854775808]@1:1"},
      {"0x1F", "error[invalid number literal: 0x1F]@1:1"},
      {"1_000", "error[invalid number literal: 1_000]@1:1"},
      {"1e", "error[exponent has no digits]@1:2"},
      // durations: Go's units, Prometheus' units, fractions and compounds
      {"1ns 1us 1µs 1ms 1s 1m 1h",
       "DURATION[1]@1:1 DURATION[1000]@1:5 DURATION[1000]@1:9 DURATION[1000000]@1:13 "
       "DURATION[1000000000]@1:17 DURATION[60000000000]@1:20 DURATION[3600000000000]@1:23 "
       "$end@1:25"},
      {"1d 1w 1y",
       "DURATION[86400000000000]@1:1 DURATION[604800000000000]@1:4 "
       "DURATION[31536000000000000]@1:7 $end@1:9"},
      {"1.5s 0.5ms 1h30m 2m30.5s",
       "DURATION[1500000000]@1:1 DURATION[500000]@1:6 DURATION[5400000000000]@1:12 "
       "DURATION[150500000000]@1:18 $end@1:25"},
      {"1d12h", "DURATION[129600000000000]@1:1 $end@1:6"},
      {"1s)", "DURATION[1000000000]@1:1 )@1:3 $end@1:4"},
      // not durations: the number stands alone
      {"1x", "INTEGER[1]@1:1 IDENTIFIER[x]@1:2 $end@1:3"},
      {"1.5d", "FLOAT[1.500000]@1:1 IDENTIFIER[d]@1:4 $end@1:5"},
      {"1hh", "INTEGER[1]@1:1 IDENTIFIER[hh]@1:2 $end@1:4"},
      {"1 s", "INTEGER[1]@1:1 IDENTIFIER[s]@1:3 $end@1:4"},
      // strings: Go interpreted and raw literals
      {"\"a\\tb\"", "STRING[a\tb]@1:1 $end@1:7"},
      {"\"\\x41\\u00e9\\101\"", "STRING[AéA]@1:1 $end@1:17"},
      {"`a\\tb`", "STRING[a\\tb]@1:1 $end@1:7"},
      {"`multi\nline` x", "STRING[multi\nline]@1:1 IDENTIFIER[x]@2:7 $end@2:8"},
      {"\"\"", "STRING[]@1:1 $end@1:3"},
      {"\"abc", "error[literal not terminated]@1:5"},
      {"\"a\nb\"", "error[literal not terminated]@1:1"},
      {"\"\\q\"", "error[invalid escape sequence]@1:2"},
      {"\"\\'\"", "error[invalid escape sequence]@1:2"},
      // comments and lines
      {"{ // comment\n .a }", "{@1:1 .[a]@2:2 }@2:5 $end@2:6"},
      {"/* x */ 1", "INTEGER[1]@1:9 $end@1:10"},
      {"/* x", "error[comment not terminated]@1:1"},
      {"\n\n  {", "{@3:3 $end@3:4"},
      // columns count characters, not bytes
      {"\"é\" x", "STRING[é]@1:1 IDENTIFIER[x]@1:5 $end@1:6"},
      // bad bytes
      {"{ \xff }", "{@1:1 error[invalid UTF-8 encoding]@1:3"},
      {"\xEF\xBB\xBF{", "{@1:1 $end@1:2"},
  };
  for (const LexCase& c : cases) {
    INFO("input: " << c.in);
    CHECK(dump(c.in) == c.want);
  }
}

TEST_CASE("lexer: NUL bytes are an error where they are met") {
  const std::string q("{ \0 }", 5);
  CHECK(dump(q) == "{@1:1 error[invalid character NUL]@1:3");
}

TEST_CASE("lexer: token budget bounds the output") {
  const std::vector<Token> toks = lex("{ .a = 1 && .b = 2 }", 4);
  REQUIRE(toks.size() == 4);
  CHECK(toks.back().kind == Tok::kError);
  CHECK(toks.back().text == "query has too many tokens");
}

TEST_CASE("lexer: durations parse like Go and Prometheus") {
  struct D {
    const char* in;
    bool ok;
    int64_t ns;
  };
  const D cases[] = {
      {"0", true, 0},
      {"1ns", true, 1},
      {"1.5us", true, 1500},
      {"1\xCE\xBCs", true, 1000},  // Go also accepts Greek mu
      {"100ms", true, 100000000},
      {"1h1m1s", true, 3661000000000},
      {"1m1h", true, 3660000000000},  // Prometheus wants largest unit first; Go accepts it
      {"2562047h", true, 2562047LL * 3600 * 1000000000},
      {"2562048h", false, 0},  // overflows int64 nanoseconds
      {"1", false, 0},
      {"s", false, 0},
      {"1.s", true, 1000000000},
      {".5s", true, 500000000},
      {"1q", false, 0},
  };
  for (const D& c : cases) {
    INFO(c.in);
    int64_t ns = -1;
    const bool ok = parse_duration(c.in, &ns);
    CHECK(ok == c.ok);
    if (c.ok) CHECK(ns == c.ns);
  }
}

}  // namespace
}  // namespace tempo::traceql
