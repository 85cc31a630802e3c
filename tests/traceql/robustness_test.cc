// Hostile input: random bytes, truncated and mutated queries, and maximal nesting must give a
// Status (never a crash or unbounded recursion). Deep queries run on a thread with a 1 MiB stack,
// a quarter of what the server's threads get, so a regression in per-level stack use shows here.

#include <pthread.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "tempo/traceql/parser.h"

namespace tempo::traceql {
namespace {

const char* const kSeeds[] = {
    "{ span.http.method = \"GET\" && duration > 1.5s }",
    "{ .a } >> { resource.b =~ \"x.*\" } | count() > 2 | by(name) | select(span:id)",
    "({ .a } | count() > 1) && ({ .b } | avg(duration) > 1s) with(most_recent=true)",
    "{ -(.a + 2) * 3 ^ 2 != nil || nil = .b } !~ { kind = server } &>> { status = error }",
    "{} | quantile_over_time(duration, 0.5, 0.9) by (name) | topk(3) > 1",
    "{ span.\"a b\" = `x` && ."
    "c\\\"d\" = 1 } | coalesce()",
    "({ .a } | count() > 1) > { .b } | max(span.x * 2) >= -1",
    "{ trace:id = \"01\" && event:name = \"e\" && link:spanID = \"x\" } // comment",
};

// Parses `q` and checks the outcome is coherent: either a tree that prints, or an error with a
// message. Returns whether parsing succeeded.
bool parse_checked(std::string_view q) {
  RootExpr r;
  const Status st = parse(q, &r);
  if (st.is_ok()) {
    CHECK_FALSE(to_string(r).empty());
    (void)referenced_attributes(r);
    return true;
  }
  CHECK(st.code() == Status::Code::kInvalidArgument);
  CHECK_FALSE(st.message().empty());
  return false;
}

TEST_CASE("robustness: random byte strings") {
  std::mt19937_64 rng(12345);
  int parsed = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string q(rng() % 64, '\0');
    for (char& c : q) c = static_cast<char>(rng() & 0xFF);
    if (parse_checked(q)) ++parsed;
  }
  // Almost no random string is a query; that some are not rejected would be a surprise.
  CHECK(parsed < 30);
}

TEST_CASE("robustness: random strings over the TraceQL alphabet") {
  const std::string alphabet = "{}()[]|&!=~<>+-*/%^.,:\"`' \n\tabcdnspanresourcetrueok0123456789s";
  const char* const words[] = {"span.",  "resource.", "duration", "name",  "count()", "by(",
                               "nil",    "&&",        "||",       ">>",    "!~",      "1s",
                               "\"x\"",  "status",    "error",    "with(", "rate()",  "select(",
                               "parent", "span:",     "trace:",   "topk(", "minInt",  "."};
  std::mt19937_64 rng(777);
  int parsed = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string q;
    const size_t n = rng() % 40;
    for (size_t k = 0; k < n; ++k) {
      if (rng() % 3 == 0) {
        q += words[rng() % std::size(words)];
      } else {
        q += alphabet[rng() % alphabet.size()];
      }
    }
    if (parse_checked(q)) ++parsed;
  }
  CHECK(parsed >= 0);  // the point is that none of them crash
}

TEST_CASE("robustness: every prefix and suffix of valid queries") {
  for (const char* seed : kSeeds) {
    const std::string q(seed);
    INFO(q);
    REQUIRE(parse_checked(q));
    for (size_t k = 0; k < q.size(); ++k) {
      parse_checked(std::string_view(q).substr(0, k));
      parse_checked(std::string_view(q).substr(k));
    }
  }
}

TEST_CASE("robustness: single-byte mutations of valid queries") {
  std::mt19937_64 rng(99);
  for (const char* seed : kSeeds) {
    const std::string q(seed);
    for (int i = 0; i < 400; ++i) {
      std::string m = q;
      const size_t at = rng() % m.size();
      switch (rng() % 3) {
        case 0:
          m[at] = static_cast<char>(rng() & 0xFF);
          break;
        case 1:
          m.erase(at, 1);
          break;
        default:
          m.insert(at, 1, q[rng() % q.size()]);
          break;
      }
      parse_checked(m);
    }
  }
}

// The stack the deep-nesting checks run on. Sanitizers inflate every frame several times over,
// so their builds get the size of a default thread stack instead.
#if defined(__SANITIZE_ADDRESS__)
constexpr size_t kSmallStack = 8 << 20;
#else
constexpr size_t kSmallStack = 1 << 20;
#endif

// Runs `fn` on a thread with a `stack_bytes` stack.
void run_with_stack(size_t stack_bytes, const std::function<void()>& fn) {
  pthread_attr_t attr;
  REQUIRE(pthread_attr_init(&attr) == 0);
  REQUIRE(pthread_attr_setstacksize(&attr, stack_bytes) == 0);
  pthread_t th;
  auto trampoline = [](void* arg) -> void* {
    (*static_cast<const std::function<void()>*>(arg))();
    return nullptr;
  };
  REQUIRE(pthread_create(&th, &attr, trampoline, const_cast<std::function<void()>*>(&fn)) == 0);
  pthread_join(th, nullptr);
  pthread_attr_destroy(&attr);
}

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

struct DeepCase {
  std::string name;
  std::function<std::string(int)> make;  // a query nested `n` levels
};

TEST_CASE("robustness: nesting is bounded and the bound fits a small stack") {
  const std::vector<DeepCase> cases = {
      {"field parens", [](int n) { return "{ " + repeat("(", n) + ".a" + repeat(")", n) + " }"; }},
      {"stage parens", [](int n) { return repeat("(", n) + "{ .a }" + repeat(")", n); }},
      {"wrapped pipelines",
       [](int n) { return repeat("({ .a } | ", n) + "{ .b }" + repeat(")", n); }},
      {"scalar pipelines",
       [](int n) { return repeat("(", n) + "({ .a } | count())" + repeat(")", n) + " > 1"; }},
      {"not chain", [](int n) { return "{ " + repeat("!", n) + "true }"; }},
      {"minus chain", [](int n) { return "{ " + repeat("-", n) + ".a = 1 }"; }},
      {"power chain", [](int n) { return "{ .a" + repeat(" ^ 2", n) + " = 1 }"; }},
      {"and chain", [](int n) { return "{ .a" + repeat(" && .a", n) + " }"; }},
      {"spanset chain", [](int n) { return "{ .a }" + repeat(" >> { .a }", n); }},
      {"scalar chain", [](int n) { return "count()" + repeat(" + count()", n) + " > 1"; }},
      {"aggregate in parens",
       [](int n) { return "{ .a } | avg(" + repeat("(", n) + ".x" + repeat(")", n) + ") > 1"; }},
  };
  for (const DeepCase& c : cases) {
    INFO(c.name);
    // Well inside the bound: parses (validation may still object, e.g. to `!` on a number).
    RootExpr shallow;
    const Status ok = parse_syntax(c.make(kMaxDepth / 2), &shallow);
    INFO(ok.message());
    CHECK(ok.is_ok());
    // Past the bound: a clear error, not a crash, even with a 1 MiB stack and with the input
    // many times deeper than the bound.
    for (int n : {kMaxDepth + 1, 4 * kMaxDepth, 20000}) {
      Status st;
      const std::string q = c.make(n);
      run_with_stack(kSmallStack, [&] {
        RootExpr r;
        st = parse(q, &r);
      });
      INFO("depth " << n << ": " << st.message());
      CHECK_FALSE(st.is_ok());
      CHECK(st.message().find("nested too deeply") != std::string::npos);
    }
    // At the bound's edge, parse, validate, print, copy and destroy all fit in 1 MiB.
    run_with_stack(kSmallStack, [&] {
      for (int n = kMaxDepth - 3; n <= kMaxDepth; ++n) {
        RootExpr r;
        const Status st = parse_syntax(c.make(n), &r);
        if (st.is_ok()) {
          ignore_error(validate(r), "only that it returns at this depth matters here");
          (void)to_string(r);
          RootExpr copy = clone(r);
          (void)referenced_attributes(copy);
        }
      }
    });
  }
}

TEST_CASE("robustness: long flat queries are fine") {
  // Many stages or hint entries make a wide, not deep, tree.
  std::string q = "{ .a }" + repeat(" | { .a }", 20000);
  RootExpr r;
  REQUIRE(parse(q, &r).is_ok());
  CHECK(r.pipeline.elements.size() == 20001);

  std::string s = "{ " + std::string(100000, 'x') + " }";  // one huge identifier
  CHECK_FALSE(parse(s, &r).is_ok());

  std::string str = "{ .a = \"" + std::string(120000, 'y') + "\" }";
  REQUIRE(parse(str, &r).is_ok());
}

}  // namespace
}  // namespace tempo::traceql
