#pragma once
// The expected answers on the fixed dataset (engine_dataset.h) for every operator, intrinsic
// and pipeline stage: run on a SpanTable by the engine tests, and through the querier (live,
// from blocks, and both) by the querier tests.

#include <map>
#include <set>
#include <string>

namespace tempo::engine_testing {

// trace letter -> names of the spans in all its matching spansets
using Answer = std::map<std::string, std::set<std::string>>;

struct Case {
  const char* query;
  Answer want;
};

inline const Case kCases[] = {
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

}  // namespace tempo::engine_testing
