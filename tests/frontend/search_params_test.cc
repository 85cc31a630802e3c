// Search parameters are read as Tempo reads them: same defaults, limits and 400 messages, and
// the legacy tags/minDuration/maxDuration form becomes one TraceQL query.

#include "frontend/search_params.h"

#include <catch2/catch.hpp>

#include "tempopb/tempo.pb.h"

using namespace tempo;
using namespace tempo::frontend;

namespace {

constexpr uint64_t kSec = 1'000'000'000;

}  // namespace

TEST_CASE("search parameters: defaults, limits and the legacy form as TraceQL") {
  struct Case {
    QueryParams params;
    std::string query;
    uint32_t limit = 20;
    uint32_t spss = 3;
    uint64_t start_ns = 0, end_ns = 0;
  };
  const Case cases[] = {
      {{}, "{}"},
      {{{"q", "{ .a = \"b\" }"}, {"limit", "5"}, {"spss", "10"}, {"start", "100"}, {"end", "200"}},
       "{ .a = \"b\" }",
       5,
       10,
       100 * kSec,
       200 * kSec},
      {{{"q", ""}, {"limit", ""}}, "{}"},  // empty means absent
      {{{"spss", "0"}}, "{}", 20, 0},      // 0: every matching span
      {{{"start", "0"}, {"end", "500"}}, "{}", 20, 3, 0, 500 * kSec},
      {{{"q", "{}"}, {"q", "{ nope }"}}, "{}"},  // the first value counts
      {{{"tags", "service.name=shop http.status_code=500"}},
       "{.http.status_code = 500 && resource.service.name = \"shop\"}"},
      {{{"tags", "a=\"b c\" root.name=x root.service.name=y name=z status.code=error"},
        {"minDuration", "100ms"},
        {"maxDuration", "1.5s"}},
       "{.a = \"b c\" && name = \"z\" && rootName = \"x\" && rootServiceName = \"y\" && "
       "status = error && traceDuration >= 100ms && traceDuration <= 1500ms}"},
      {{{"tags", "a=\"x\\\"y\" lonely"}}, "{.a = \"x\\\"y\" && .lonely = \"\"}"},
      {{{"tags", "http.status_code=abc status.code=weird"}},
       "{.http.status_code = \"abc\" && .status.code = \"weird\"}"},
      {{{"minDuration", "2s"}}, "{traceDuration >= 2000ms}"},
      // Bare parameters are tags only when nothing marks a newer search.
      {{{"service.name", "shop"}, {"my key", "v"}, {"limit", "3"}},
       "{.\"my key\" = \"v\" && resource.service.name = \"shop\"}",
       3},
      {{{"foo", "bar"}, {"start", "1"}, {"end", "2"}}, "{}", 20, 3, 1 * kSec, 2 * kSec},
      {{{"foo", "bar"}, {"q", "{}"}}, "{}"},
  };
  for (const auto& c : cases) {
    std::string desc;
    for (const auto& [k, v] : c.params) desc += k + "=" + v + "&";
    INFO(desc);
    querier::SearchRequest req;
    Status s = parse_search_params(c.params, SearchLimits{}, &req);
    REQUIRE(s.is_ok());
    CHECK(req.query == c.query);
    CHECK(req.limit == c.limit);
    CHECK(req.spans_per_spanset == c.spss);
    CHECK(req.start_ns == c.start_ns);
    CHECK(req.end_ns == c.end_ns);
  }
}

TEST_CASE("bad search parameters get Tempo's 400 messages") {
  struct Case {
    QueryParams params;
    std::string message;
  };
  const Case cases[] = {
      {{{"limit", "0"}}, "invalid limit: must be a positive number"},
      {{{"limit", "abc"}}, "invalid limit: strconv.ParseUint: parsing \"abc\": invalid syntax"},
      {{{"limit", "-1"}}, "invalid limit: strconv.ParseUint: parsing \"-1\": invalid syntax"},
      {{{"limit", "4294967296"}},
       "invalid limit: strconv.ParseUint: parsing \"4294967296\": value out of range"},
      {{{"limit", "300000"}}, "limit 300000 exceeds max limit 262144"},
      {{{"start", "abc"}}, "invalid start: strconv.ParseUint: parsing \"abc\": invalid syntax"},
      {{{"end", "1.5"}}, "invalid end: strconv.ParseUint: parsing \"1.5\": invalid syntax"},
      {{{"start", "200"}, {"end", "100"}},
       "http parameter start must be before end. received start=200 end=100"},
      {{{"start", "100"}, {"end", "100"}},
       "http parameter start must be before end. received start=100 end=100"},
      {{{"start", "100"}}, "http parameter start must be before end. received start=100 end=0"},
      {{{"start", "1"}, {"end", "700000"}},
       "range specified by start and end exceeds 168h0m0s. received start=1 end=700000"},
      {{{"spss", "101"}}, "spans per span set exceeds 100. received 101"},
      {{{"spss", "x"}}, "invalid spss: strconv.ParseUint: parsing \"x\": invalid syntax"},
      {{{"tags", "a=b"}, {"q", "{}"}},
       "invalid request: can't specify tags and q in the same query"},
      {{{"tags", "a=b a=c"}}, "invalid tags: tag a has been set twice"},
      {{{"tags", "a=\"b"}}, "invalid tags: unterminated quoted value at pos 5"},
      {{{"tags", "=b"}}, "invalid tags: unexpected '=' at pos 1"},
      {{{"tags", "a=b=c"}}, "invalid tags: unexpected '=' at pos 4"},
      {{{"tags", "a\"=b"}}, "invalid tags: unexpected '\"' at pos 2"},
      {{{"minDuration", "abc"}}, "invalid minDuration: time: invalid duration \"abc\""},
      {{{"minDuration", "5"}}, "invalid minDuration: time: missing unit in duration \"5\""},
      {{{"maxDuration", "5x"}}, "invalid maxDuration: time: invalid duration \"5x\""},
      {{{"minDuration", "2s"}, {"maxDuration", "1s"}},
       "invalid maxDuration: must be greater than minDuration"},
      {{{"minDuration", "2s"}, {"maxDuration", "0s"}},
       "invalid maxDuration: must be greater than minDuration"},
  };
  for (const auto& c : cases) {
    std::string desc;
    for (const auto& [k, v] : c.params) desc += k + "=" + v + "&";
    INFO(desc);
    querier::SearchRequest req;
    Status s = parse_search_params(c.params, SearchLimits{}, &req);
    CHECK(s.is(Status::Code::kInvalidArgument));
    CHECK(s.message() == c.message);
  }
}

TEST_CASE("query_frontend.search limits change the defaults and caps") {
  SearchLimits l;
  l.default_result_limit = 50;
  l.max_result_limit = 0;  // unlimited
  l.default_spans_per_span_set = 7;
  l.max_spans_per_span_set = 0;
  l.max_duration = std::chrono::nanoseconds(0);
  querier::SearchRequest req;
  REQUIRE(parse_search_params({}, l, &req).is_ok());
  CHECK(req.limit == 50);
  CHECK(req.spans_per_spanset == 7);
  REQUIRE(
      parse_search_params(
          {{"limit", "1000000"}, {"spss", "5000"}, {"start", "1"}, {"end", "1700000000"}}, l, &req)
          .is_ok());
  CHECK(req.limit == 1000000);
  CHECK(req.spans_per_spanset == 5000);

  l.max_result_limit = 10;
  l.max_duration = std::chrono::hours(1);
  CHECK(parse_search_params({{"limit", "11"}}, l, &req).message() ==
        "limit 11 exceeds max limit 10");
  CHECK(parse_search_params({{"start", "0"}, {"end", "3601"}}, l, &req).message() ==
        "range specified by start and end exceeds 1h0m0s. received start=0 end=3601");
  CHECK(parse_search_params({{"start", "1"}, {"end", "3601"}}, l, &req).is_ok());
}

TEST_CASE("the streaming Search request is checked like the HTTP one") {
  tempopb::SearchRequest pb;
  pb.set_query("{ status = error }");
  pb.set_start(100);
  pb.set_end(200);
  querier::SearchRequest req;
  REQUIRE(parse_search_proto(pb, SearchLimits{}, &req).is_ok());
  CHECK(req.query == "{ status = error }");
  CHECK(req.limit == 20);
  CHECK(req.spans_per_spanset == 0);  // Tempo forwards SpansPerSpanSet as sent
  CHECK(req.start_ns == 100 * kSec);
  CHECK(req.end_ns == 200 * kSec);

  pb.set_limit(300000);
  CHECK(parse_search_proto(pb, SearchLimits{}, &req).message() ==
        "limit 300000 exceeds max limit 262144");
  pb.set_limit(0);
  pb.set_start(300);
  CHECK(parse_search_proto(pb, SearchLimits{}, &req).message() ==
        "http parameter start must be before end. received start=300 end=200");
  pb.set_start(0);
  pb.set_end(0);
  pb.set_spansperspanset(1000);
  CHECK(parse_search_proto(pb, SearchLimits{}, &req).message() ==
        "spans per span set exceeds 100. received 1000");
  pb.set_spansperspanset(2);
  pb.set_query("");
  (*pb.mutable_tags())["service.name"] = "shop";
  pb.set_mindurationms(5);
  REQUIRE(parse_search_proto(pb, SearchLimits{}, &req).is_ok());
  CHECK(req.query == "{resource.service.name = \"shop\" && traceDuration >= 5ms}");
  pb.set_query("{}");
  CHECK(parse_search_proto(pb, SearchLimits{}, &req).message() ==
        "invalid request: can't specify tags and q in the same query");
}

TEST_CASE("tag parameters: scope, range and limit") {
  struct Case {
    QueryParams params;
    std::string error;  // empty: accepted
    querier::TagScope scope = querier::TagScope::kAll;
    uint32_t limit = 0;
    uint64_t start_ns = 0, end_ns = 0;
  };
  using querier::TagScope;
  const Case cases[] = {
      {{}, ""},
      {{{"scope", "none"}}, ""},
      {{{"scope", "resource"}, {"limit", "5000"}}, "", TagScope::kResource, 5000},
      {{{"scope", "span"}, {"start", "10"}, {"end", "20"}},
       "",
       TagScope::kSpan,
       0,
       10 * kSec,
       20 * kSec},
      {{{"scope", "intrinsic"}}, "", TagScope::kIntrinsic},
      {{{"scope", "event"}}, "", TagScope::kEvent},
      {{{"scope", "link"}}, "", TagScope::kLink},
      {{{"scope", "instrumentation"}}, "", TagScope::kInstrumentation},
      {{{"scope", "trace"}}, ""},
      {{{"scope", "spans"}}, "invalid scope: spans"},
      {{{"start", "abc"}}, "invalid start: strconv.ParseInt: parsing \"abc\": invalid syntax"},
      {{{"end", "9999999999"}},
       "invalid end: strconv.ParseInt: parsing \"9999999999\": value out of range"},
      {{{"start", "-5"}}, "invalid start: -5 is before the unix epoch"},
      {{{"start", "20"}, {"end", "10"}},
       "http parameter start must be before end. received start=20 end=10"},
      {{{"limit", "x"}}, "invalid limit: strconv.ParseUint: parsing \"x\": invalid syntax"},
      {{{"maxStaleValues", "x"}},
       "invalid maxStaleValues: strconv.ParseUint: parsing \"x\": invalid syntax"},
  };
  for (const auto& c : cases) {
    std::string desc;
    for (const auto& [k, v] : c.params) desc += k + "=" + v + "&";
    INFO(desc);
    TagsParams p;
    Status s = parse_tags_params(c.params, &p);
    if (!c.error.empty()) {
      CHECK(s.is(Status::Code::kInvalidArgument));
      CHECK(s.message() == c.error);
      continue;
    }
    REQUIRE(s.is_ok());
    CHECK(p.request.scope == c.scope);
    CHECK(p.request.limit == c.limit);
    CHECK(p.request.start_ns == c.start_ns);
    CHECK(p.request.end_ns == c.end_ns);
  }

  tempopb::SearchTagsRequest pb;
  pb.set_scope("resource");
  pb.set_maxtagsperscope(7);
  TagsParams p;
  REQUIRE(parse_tags_proto(pb, &p).is_ok());
  CHECK(p.request.scope == TagScope::kResource);
  CHECK(p.request.limit == 7);
  pb.set_scope("bogus");
  CHECK(parse_tags_proto(pb, &p).message() == "invalid scope: bogus");
}

TEST_CASE("tag value parameters: v1 names an attribute, v2 a TraceQL identifier") {
  struct Case {
    std::string tag;
    bool v2;
    std::string want_tag;  // empty: refused
    std::string error = "";
  };
  const Case cases[] = {
      {"service.name", false, ".service.name"},
      {"my key", false, ".\"my key\""},
      {"resource.service.name", true, "resource.service.name"},
      {".foo", true, ".foo"},
      {"span.http.method", true, "span.http.method"},
      {"span.\"foo bar\"", true, "span.\"foo bar\""},
      {"parent.resource.x", true, "parent.resource.x"},
      {"name", true, "name"},
      {"status", true, "status"},
      {"event:name", true, "event:name"},
      {"span.k8s.io/name", true, "span.k8s.io/name"},
      {"", true, "", "please provide a non-empty tagName"},
      {"", false, "", "please provide a non-empty tagName"},
      {"foo", true, "",
       "please provide a valid tagName: failed to parse identifier foo: not a TraceQL attribute or "
       "intrinsic"},
      {"span.", true, "",
       "please provide a valid tagName: failed to parse identifier span.: not a TraceQL attribute "
       "or intrinsic"},
      {".a b", true, "",
       "please provide a valid tagName: failed to parse identifier .a b: not a TraceQL attribute "
       "or intrinsic"},
      {"span.\"open", true, "",
       "please provide a valid tagName: failed to parse identifier span.\"open: not a TraceQL "
       "attribute or intrinsic"},
  };
  for (const auto& c : cases) {
    INFO(c.tag << " v2=" << c.v2);
    querier::TagValuesRequest req;
    Status s = parse_tag_values_params(c.tag,
                                       {{"q", "{ resource.service.name = \"shop\" }"},
                                        {"limit", "10"},
                                        {"start", "5"},
                                        {"end", "6"}},
                                       c.v2, SearchLimits{}, &req);
    if (c.want_tag.empty()) {
      CHECK(s.is(Status::Code::kInvalidArgument));
      CHECK(s.message() == c.error);
      continue;
    }
    REQUIRE(s.is_ok());
    CHECK(req.tag == c.want_tag);
    CHECK(req.query == "{ resource.service.name = \"shop\" }");
    CHECK(req.limit == 10);
    CHECK(req.start_ns == 5 * kSec);
    CHECK(req.end_ns == 6 * kSec);
  }
  querier::TagValuesRequest req;
  CHECK(parse_tag_values_params("name", {{"limit", "-1"}}, true, SearchLimits{}, &req).message() ==
        "invalid limit: strconv.ParseUint: parsing \"-1\": invalid syntax");

  tempopb::SearchTagValuesRequest pb;
  pb.set_tagname("resource.service.name");
  pb.set_query("{}");
  pb.set_maxtagvalues(3);
  REQUIRE(parse_tag_values_proto(pb, true, SearchLimits{}, &req).is_ok());
  CHECK(req.tag == "resource.service.name");
  CHECK(req.limit == 3);
  pb.set_tagname("service.name");
  REQUIRE(parse_tag_values_proto(pb, false, SearchLimits{}, &req).is_ok());
  CHECK(req.tag == ".service.name");
  CHECK_FALSE(parse_tag_values_proto(pb, true, SearchLimits{}, &req).is_ok());
}

TEST_CASE("TraceQL literals and attribute names are quoted as Tempo prints them") {
  CHECK(traceql_string("plain") == "\"plain\"");
  CHECK(traceql_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(traceql_string("l1\nl2\t\x01") == "\"l1\\nl2\\t\\x01\"");
  CHECK(unscoped_attribute("http.method") == ".http.method");
  CHECK(unscoped_attribute("k8s.io/name") == ".k8s.io/name");
  CHECK(unscoped_attribute("with space") == ".\"with space\"");
  CHECK(unscoped_attribute("a{b}") == ".\"a{b}\"");
  CHECK(unscoped_attribute("q\"uote") == ".\"q\\\"uote\"");
  CHECK(unscoped_attribute("") == ".\"\"");
  std::map<std::string, std::string> tags;
  REQUIRE(parse_logfmt_tags("a=\"\\u00e9\\n\" b=", &tags).is_ok());
  CHECK(tags.at("a") == "\xc3\xa9\n");
  CHECK(tags.at("b").empty());
}

TEST_CASE("max_query_expression_size_bytes refuses longer queries before parsing") {
  SearchLimits limits;
  limits.max_query_bytes = 16;
  querier::SearchRequest req;
  CHECK(parse_search_params({{"q", "{ .a = \"b\" }"}}, limits, &req).is_ok());  // 14 bytes
  Status s = parse_search_params({{"q", "{ .a = \"bbbbbbbb\" }"}}, limits, &req);
  CHECK(s.is(Status::Code::kInvalidArgument));
  CHECK(s.message().find("exceeds the configured maximum size of 16 bytes") != std::string::npos);
  tempopb::SearchRequest pb;
  pb.set_query(std::string(17, ' '));
  CHECK(parse_search_proto(pb, limits, &req).is(Status::Code::kInvalidArgument));
  // Tag values take the same cap on their narrowing query, from both doors.
  querier::TagValuesRequest tv;
  CHECK(parse_tag_values_params("name", {{"q", std::string(16, ' ')}}, true, limits, &tv).is_ok());
  CHECK(parse_tag_values_params("name", {{"q", std::string(17, ' ')}}, true, limits, &tv)
            .is(Status::Code::kInvalidArgument));
  tempopb::SearchTagValuesRequest tpb;
  tpb.set_tagname("name");
  tpb.set_query(std::string(17, ' '));
  CHECK(parse_tag_values_proto(tpb, true, limits, &tv).is(Status::Code::kInvalidArgument));
  CHECK(check_query_size(std::string(16, 'x'), limits).is_ok());
  CHECK(check_query_size(std::string(17, 'x'), limits).is(Status::Code::kInvalidArgument));
  limits.max_query_bytes = 0;  // unlimited
  CHECK(check_query_size(std::string(1 << 20, 'x'), limits).is_ok());
}
