// Search answers are encoded byte for byte as Tempo's frontend encodes them.

#include "frontend/search_encoding.h"

#include <catch2/catch.hpp>

using namespace tempo;
using namespace tempo::frontend;
using querier::TagScope;

namespace {

opentelemetry::proto::common::v1::KeyValue kv(const std::string& k, const std::string& v) {
  opentelemetry::proto::common::v1::KeyValue out;
  out.set_key(k);
  out.mutable_value()->set_string_value(v);
  return out;
}

const char* kIntrinsics =
    R"("duration","event:name","event:timeSinceStart","instrumentation:name",)"
    R"("instrumentation:version","kind","link:spanID","link:traceID","name","rootName",)"
    R"("rootServiceName","span:duration","span:id","span:kind","span:name","span:parentID",)"
    R"("span:status","span:statusMessage","status","statusMessage","trace:duration","trace:id",)"
    R"("trace:rootName","trace:rootService","traceDuration")";

TagsParams scoped(const std::string& scope, TagScope s) {
  TagsParams p;
  p.scope = scope;
  p.request.scope = s;
  return p;
}

}  // namespace

TEST_CASE("search results encode as Tempo's /api/search JSON") {
  querier::SearchResult r;
  querier::SearchTrace t;
  REQUIRE(TraceId::parse_hex("000102030405060708090a0b0c0d0e0f", &t.id).is_ok());
  t.root_service_name = "shop";
  t.root_trace_name = "checkout";
  t.start_unix_nano = 1700000000000000000ULL;
  t.duration_ms = 250;
  querier::SearchSpanset ss;
  ss.matched = 3;
  querier::SearchSpan span;
  span.span_id = "eee19b7ec3c1b174";
  span.name = "checkout";
  span.start_unix_nano = 1700000000000000000ULL;
  span.duration_nanos = 250000000;
  span.attributes.push_back(kv("http.method", "GET"));
  ss.spans.push_back(span);
  span.span_id = "00000000000000aa";
  span.name = "";
  span.attributes.clear();
  ss.spans.push_back(span);
  t.spansets.push_back(ss);
  r.traces.push_back(t);
  querier::SearchTrace orphan;  // no root span yet, no spansets
  REQUIRE(TraceId::parse_hex("abc", &orphan.id).is_ok());
  orphan.start_unix_nano = 5;
  r.traces.push_back(orphan);
  r.metrics.inspected_traces = 2;
  r.metrics.inspected_bytes = 1234;
  r.metrics.inspected_spans = 3;
  r.metrics.total_blocks = 1;
  r.metrics.completed_jobs = 1;
  r.metrics.total_jobs = 1;

  tempopb::SearchResponse pb;
  to_proto(r, &pb);
  const std::string spanset =
      R"({"spans":[{"spanID":"eee19b7ec3c1b174","name":"checkout",)"
      R"("startTimeUnixNano":"1700000000000000000","durationNanos":"250000000",)"
      R"("attributes":[{"key":"http.method","value":{"stringValue":"GET"}}]},)"
      R"({"spanID":"00000000000000aa","startTimeUnixNano":"1700000000000000000",)"
      R"("durationNanos":"250000000"}],"matched":3})";
  CHECK(to_json(pb) ==
        R"({"traces":[{"traceID":"102030405060708090a0b0c0d0e0f","rootServiceName":"shop",)"
        R"("rootTraceName":"checkout","startTimeUnixNano":"1700000000000000000",)"
        R"("durationMs":250,"spanSet":)" +
            spanset + R"(,"spanSets":[)" + spanset +
            // Like Go's encoding/json under Tempo's jsonpb, < and > are escaped.
            R"(]},{"traceID":"abc","rootServiceName":"\u003croot span not yet received\u003e",)"
            R"("startTimeUnixNano":"5"}],"metrics":{"inspectedTraces":2,"inspectedBytes":"1234",)"
            R"("totalBlocks":1,"completedJobs":1,"totalJobs":1,"inspectedSpans":"3"}})");

  // Protobuf bodies carry the same message.
  tempopb::SearchResponse back;
  REQUIRE(back.ParseFromString(pb.SerializeAsString()));
  CHECK(back.traces(0).spansets(0).matched() == 3);
  CHECK(back.traces(0).spanset().spans_size() == 2);

  tempopb::SearchResponse empty;
  to_proto(querier::SearchResult{}, &empty);
  CHECK(to_json(empty) == R"({"traces":[],"metrics":{}})");
}

TEST_CASE("tag names encode as Tempo's v1 and v2 JSON") {
  querier::TagsResult r;
  r.scopes = {{TagScope::kResource, {"service.name", "host.name"}},
              {TagScope::kSpan, {"http.method", "service.name"}},
              {TagScope::kEvent, {}},
              {TagScope::kIntrinsic, {"name", "custom:intrinsic"}}};

  tempopb::SearchTagsResponse v1;
  to_proto(r, scoped("", TagScope::kAll), &v1);
  CHECK(to_json(v1) == R"({"tagNames":["host.name","http.method","service.name"],"metrics":{}})");
  to_proto(querier::TagsResult{}, scoped("", TagScope::kAll), &v1);
  CHECK(to_json(v1) == R"({"tagNames":[],"metrics":{}})");
  to_proto(r, scoped("span", TagScope::kSpan), &v1);
  CHECK(to_json(v1) == R"({"tagNames":["http.method","service.name"],"metrics":{}})");

  tempopb::SearchTagsV2Response v2;
  to_proto(r, scoped("", TagScope::kAll), &v2);
  CHECK(to_json(v2) ==
        std::string(R"({"scopes":[{"name":"resource","tags":["host.name","service.name"]},)") +
            R"({"name":"span","tags":["http.method","service.name"]},)" +
            R"({"name":"intrinsic","tags":["custom:intrinsic",)" + kIntrinsics +
            R"(]}],"metrics":{}})");
  to_proto(r, scoped("resource", TagScope::kResource), &v2);
  CHECK(to_json(v2) ==
        R"({"scopes":[{"name":"resource","tags":["host.name","service.name"]}],"metrics":{}})");
  // Tempo's frontend lists the intrinsics itself, so they appear even when the querier has none.
  to_proto(querier::TagsResult{}, scoped("intrinsic", TagScope::kIntrinsic), &v2);
  CHECK(to_json(v2) == std::string(R"({"scopes":[{"name":"intrinsic","tags":[)") + kIntrinsics +
                           R"(]}],"metrics":{}})");
  to_proto(r, scoped("trace", TagScope::kAll), &v2);
  CHECK(to_json(v2) == R"({"scopes":[],"metrics":{}})");
}

TEST_CASE("tag values encode as Tempo's v1 and v2 JSON") {
  querier::TagValuesResult r;
  r.values = {{"int", "200"}, {"string", "GET"}, {"string", "POST"}, {"string", ""}};
  tempopb::SearchTagValuesResponse v1;
  to_proto(r, &v1);
  CHECK(to_json(v1) == R"({"tagValues":["","GET","POST"],"metrics":{}})");
  tempopb::SearchTagValuesV2Response v2;
  to_proto(r, &v2);
  CHECK(to_json(v2) ==
        R"({"tagValues":[{"type":"int","value":"200"},{"type":"string","value":"GET"},)"
        R"({"type":"string","value":"POST"},{"type":"string"}],"metrics":{}})");
  to_proto(querier::TagValuesResult{}, &v2);
  CHECK(to_json(v2) == R"({"tagValues":[],"metrics":{}})");
}
