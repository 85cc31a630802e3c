// Search and autocomplete as Grafana's Tempo data source calls them: GET /api/search with
// q/limit/spss/start/end, /api/v2/search/tags?scope=..., /api/v2/search/tag/{tag}/values?q=...,
// and the tempopb.StreamingQuerier gRPC service (on server.grpc_listen_port, and on the HTTP
// port with stream_over_http_enabled, where Grafana dials it).

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "harness.h"
#include "tempo/server/http_server.h"
#include "tempopb/tempo.grpc.pb.h"

using namespace tempo;
using namespace tempo::e2e;
using nlohmann::json;
using tempo::server::url_encode;

namespace {

// The test spans start at 1700000000 s (make_request); Grafana sends its time range in seconds.
const std::string kRange = "&start=1699999000&end=1700001000";

std::unique_ptr<tempopb::StreamingQuerier::Stub> querier_stub(int port) {
  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  return tempopb::StreamingQuerier::NewStub(channel);
}

// Reads a whole server stream; returns its final status.
template <typename Response, typename Call>
grpc::Status read_stream(Call call, std::vector<Response>* out, const std::string& tenant = "") {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!tenant.empty()) ctx.AddMetadata("x-scope-orgid", tenant);
  auto reader = call(&ctx);
  Response r;
  while (reader->Read(&r)) out->push_back(r);
  return reader->Finish();
}

grpc::Status stream_search(tempopb::StreamingQuerier::Stub& stub, const tempopb::SearchRequest& req,
                           std::vector<tempopb::SearchResponse>* out,
                           const std::string& tenant = "") {
  return read_stream<tempopb::SearchResponse>(
      [&](grpc::ClientContext* ctx) { return stub.Search(ctx, req); }, out, tenant);
}

std::string body_text(std::string b) {
  while (!b.empty() && (b.back() == '\n' || b.back() == ' ')) b.pop_back();
  return b;
}

std::vector<std::string> sorted_strings(const json& arr) {
  std::vector<std::string> v;
  for (const auto& x : arr) v.push_back(x.get<std::string>());
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("search API: bad parameters answer 400 with Tempo's message") {
  TempoServer s;
  s.start();
  struct Case {
    std::string target;
    std::string message;
  };
  const Case cases[] = {
      {"/api/search?limit=0", "invalid limit: must be a positive number"},
      {"/api/search?limit=abc",
       "invalid limit: strconv.ParseUint: parsing \"abc\": invalid syntax"},
      {"/api/search?limit=300000", "limit 300000 exceeds max limit 262144"},
      {"/api/search?q=%7B%7D&start=200&end=100",
       "http parameter start must be before end. received start=200 end=100"},
      {"/api/search?q=%7B%7D&start=1&end=1700000000",
       "range specified by start and end exceeds 168h0m0s. received start=1 end=1700000000"},
      {"/api/search?spss=101", "spans per span set exceeds 100. received 101"},
      {"/api/search?tags=a%3Db&q=%7B%7D",
       "invalid request: can't specify tags and q in the same query"},
      {"/api/search?tags=a%3D%22b", "invalid tags: unterminated quoted value at pos 5"},
      {"/api/search?minDuration=2s&maxDuration=1s",
       "invalid maxDuration: must be greater than minDuration"},
      {"/api/search?minDuration=abc", "invalid minDuration: time: invalid duration \"abc\""},
      {"/api/search/tags?scope=spans", "invalid scope: spans"},
      {"/api/v2/search/tags?scope=bogus", "invalid scope: bogus"},
      {"/api/v2/search/tags?scope=span&start=x",
       "invalid start: strconv.ParseInt: parsing \"x\": invalid syntax"},
      {"/api/v2/search/tag/foo/values",
       "please provide a valid tagName: failed to parse identifier foo: not a TraceQL attribute or "
       "intrinsic"},
      {"/api/v2/search/tag/resource.service.name/values?limit=x",
       "invalid limit: strconv.ParseUint: parsing \"x\": invalid syntax"},
      {"/api/search/tag/service.name/values?end=-1", "invalid end: -1 is before the unix epoch"},
  };
  for (const auto& c : cases) {
    INFO(c.target);
    auto res = s.get(c.target);
    CHECK(res.status == 400);
    CHECK(body_text(res.body) == c.message);
  }
  // Refused queries are counted, as Tempo counts every query it receives.
  auto metrics = s.get("/metrics").body;
  CHECK(metrics.find("tempo_query_frontend_queries_total{op=\"search\",result=\"failed\","
                     "tenant=\"single-tenant\"}") != std::string::npos);
  CHECK(metrics.find("tempo_query_frontend_queries_total{op=\"metadata\",result=\"failed\","
                     "tenant=\"single-tenant\"}") != std::string::npos);
  CHECK(metrics.find("tempo_request_duration_seconds_count{method=\"GET\",route=\"api_search\","
                     "status_code=\"400\",ws=\"false\"}") != std::string::npos);
  CHECK(metrics.find("route=\"api_v2_search_tag_tagname_values\"") != std::string::npos);
}

TEST_CASE("search API: with multitenancy every endpoint needs X-Scope-OrgID") {
  ServerOptions o;
  o.multitenancy = true;
  TempoServer s(o);
  s.start();
  for (const char* target :
       {"/api/search?q=%7B%7D", "/api/search/tags", "/api/v2/search/tags?scope=resource",
        "/api/search/tag/service.name/values", "/api/v2/search/tag/resource.service.name/values"}) {
    INFO(target);
    auto res = s.get(target);
    CHECK(res.status == 401);
    CHECK(body_text(res.body) == "no org id");
  }
  auto stub = querier_stub(s.server_grpc_port());
  tempopb::SearchRequest req;
  req.set_query("{}");
  std::vector<tempopb::SearchResponse> got;
  auto st = stream_search(*stub, req, &got);
  CHECK(st.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(st.error_message() == "no org id");
  CHECK(got.empty());
  // With a tenant the request gets past the tenant check and is validated.
  req.set_limit(300000);
  st = stream_search(*stub, req, &got, "tenant-a");
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(st.error_message() == "limit 300000 exceeds max limit 262144");
}

TEST_CASE("streaming querier: gRPC on the server port, and on the HTTP port with streaming on") {
  for (bool over_http : {false, true}) {
    INFO("stream_over_http_enabled " << over_http);
    ServerOptions o;
    o.shared_grpc_port = false;  // the server port alone, without the OTLP receiver
    o.stream_over_http = over_http;
    TempoServer s(o);
    s.start();
    std::vector<int> ports = {s.server_grpc_port()};
    if (over_http) ports.push_back(s.http_port());
    for (int port : ports) {
      INFO("port " << port);
      auto stub = querier_stub(port);
      tempopb::SearchRequest req;
      req.set_query("{}");
      req.set_spansperspanset(1000);
      std::vector<tempopb::SearchResponse> got;
      auto st = stream_search(*stub, req, &got);
      CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
      CHECK(st.error_message() == "spans per span set exceeds 100. received 1000");

      tempopb::SearchTagsRequest tags;
      tags.set_scope("bogus");
      std::vector<tempopb::SearchTagsV2Response> tag_got;
      st = read_stream<tempopb::SearchTagsV2Response>(
          [&](grpc::ClientContext* ctx) { return stub->SearchTagsV2(ctx, tags); }, &tag_got);
      CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
      CHECK(st.error_message() == "invalid scope: bogus");

      tempopb::SearchTagValuesRequest values;
      values.set_tagname("");
      std::vector<tempopb::SearchTagValuesV2Response> value_got;
      st = read_stream<tempopb::SearchTagValuesV2Response>(
          [&](grpc::ClientContext* ctx) { return stub->SearchTagValuesV2(ctx, values); },
          &value_got);
      CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
      CHECK(st.error_message() == "please provide a non-empty tagName");
    }
    // HTTP/1.1 on the same port is unaffected, before and after gRPC used it.
    CHECK(s.get("/ready").status == 200);
    CHECK(s.get("/api/search?limit=0").status == 400);
    if (!over_http) {
      // Without streaming over HTTP the API port does not speak gRPC.
      auto stub = querier_stub(s.http_port());
      tempopb::SearchRequest req;
      std::vector<tempopb::SearchResponse> got;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
      auto reader = stub->Search(&ctx, req);
      tempopb::SearchResponse r;
      while (reader->Read(&r)) {
      }
      CHECK_FALSE(reader->Finish().ok());
    }
  }
}

// ---- The tests below assert on real data; they need the querier's search (Querier::search,
// search_tags, search_tag_values) and fail while those still answer "not implemented".

TEST_CASE("search data: TraceQL search over HTTP finds the sent traces as Grafana asks") {
  TempoServer s;
  s.start();
  std::vector<std::string> ids = {random_trace_hex(), random_trace_hex()};
  REQUIRE(s.export_grpc(make_request(ids, 3, "search-e2e-svc")).ok());
  std::string other = random_trace_hex();
  REQUIRE(s.export_grpc(make_request({other}, 2, "other-svc")).ok());

  const std::string q = "{ resource.service.name = \"search-e2e-svc\" }";
  for (bool flushed : {false, true}) {
    INFO("after flush " << flushed);
    if (flushed) REQUIRE(s.post("/flush").status == 204);
    auto res = s.get("/api/search?q=" + url_encode(q) + "&limit=20&spss=2" + kRange);
    REQUIRE(res.status == 200);
    CHECK(res.header("Content-Type") == "application/json");
    json body = json::parse(res.body);
    REQUIRE(body.contains("metrics"));
    REQUIRE(body["traces"].size() == 2);
    std::set<std::string> got_ids;
    for (const auto& t : body["traces"]) {
      std::string id = t["traceID"];
      got_ids.insert(std::string(32 - id.size(), '0') + id);
      CHECK(t["rootServiceName"] == "search-e2e-svc");
      CHECK(t["rootTraceName"] == "op-0");
      CHECK(t["startTimeUnixNano"] == "1700000000000000000");
      CHECK_FALSE(t.contains("durationMs"));  // 0.5 ms rounds down to 0, which is omitted
      REQUIRE(t["spanSets"].size() == 1);
      const auto& ss = t["spanSets"][0];
      CHECK(ss["matched"] == 3);
      REQUIRE(ss["spans"].size() == 2);  // spss=2
      for (const auto& sp : ss["spans"]) {
        CHECK(sp["spanID"].get<std::string>().size() == 16);
        CHECK(sp["name"].get<std::string>().rfind("op-", 0) == 0);
        CHECK(sp["durationNanos"] == "500007");
      }
      CHECK(t["spanSet"] == ss);  // the deprecated single spanset is the first one
    }
    CHECK(got_ids == std::set<std::string>(ids.begin(), ids.end()));

    // Protobuf answers carry the same traces.
    auto pb = s.get("/api/search?q=" + url_encode(q) + "&limit=20&spss=2" + kRange,
                    {{"Accept", "application/protobuf"}});
    REQUIRE(pb.status == 200);
    tempopb::SearchResponse r;
    REQUIRE(r.ParseFromString(pb.body));
    CHECK(r.traces_size() == 2);

    // limit=1 answers one trace; a query matching nothing answers an empty list.
    json one = json::parse(s.get("/api/search?q=" + url_encode(q) + "&limit=1" + kRange).body);
    CHECK(one["traces"].size() == 1);
    json none = json::parse(
        s.get("/api/search?q=" + url_encode("{ resource.service.name = \"nope\" }") + kRange).body);
    CHECK(none["traces"] == json::array());
  }
  // The legacy form (tags + minDuration) runs as TraceQL.
  auto legacy = s.get("/api/search?tags=" + url_encode("service.name=other-svc") + kRange);
  REQUIRE(legacy.status == 200);
  json lb = json::parse(legacy.body);
  REQUIRE(lb["traces"].size() == 1);
  CHECK(lb["traces"][0]["rootServiceName"] == "other-svc");
  // A query that does not parse is the client's mistake.
  auto bad = s.get("/api/search?q=" + url_encode("{ .a = ") + kRange);
  CHECK(bad.status == 400);
}

TEST_CASE("search data: tag names and values for autocomplete as Grafana asks") {
  TempoServer s;
  s.start();
  REQUIRE(s.export_grpc(make_request({random_trace_hex()}, 3, "tags-e2e-svc")).ok());
  REQUIRE(s.export_grpc(make_request({random_trace_hex()}, 1, "tags-other-svc")).ok());

  auto scope_tags = [&](const json& body, const std::string& name) {
    for (const auto& sc : body["scopes"]) {
      if (sc["name"] == name) return sorted_strings(sc["tags"]);
    }
    return std::vector<std::string>{};
  };
  auto contains = [](const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };

  auto all = s.get("/api/v2/search/tags?limit=5000" + kRange);
  REQUIRE(all.status == 200);
  json ab = json::parse(all.body);
  auto resource = scope_tags(ab, "resource");
  for (const char* t : {"service.name", "host.name", "process.pid", "e2e.resource.flag"}) {
    INFO(t);
    CHECK(contains(resource, t));
  }
  auto span = scope_tags(ab, "span");
  for (const char* t : {"http.method", "http.status_code", "ratio", "cached"}) {
    INFO(t);
    CHECK(contains(span, t));
  }
  auto intrinsic = scope_tags(ab, "intrinsic");
  CHECK(contains(intrinsic, "name"));
  CHECK(contains(intrinsic, "status"));

  json only_resource = json::parse(s.get("/api/v2/search/tags?scope=resource").body);
  REQUIRE(only_resource["scopes"].size() == 1);
  CHECK(only_resource["scopes"][0]["name"] == "resource");

  json v1 = json::parse(s.get("/api/search/tags").body);
  auto names = sorted_strings(v1["tagNames"]);
  CHECK(contains(names, "service.name"));
  CHECK(contains(names, "http.method"));

  // Values of a resource attribute, typed (v2) and as strings (v1).
  auto values =
      s.get("/api/v2/search/tag/resource.service.name/values?q=" + url_encode("{}") + kRange);
  REQUIRE(values.status == 200);
  json vb = json::parse(values.body);
  std::set<std::pair<std::string, std::string>> typed;
  for (const auto& v : vb["tagValues"]) typed.insert({v["type"], v.value("value", "")});
  CHECK(typed == std::set<std::pair<std::string, std::string>>{{"string", "tags-e2e-svc"},
                                                               {"string", "tags-other-svc"}});
  json v1_values = json::parse(s.get("/api/search/tag/service.name/values").body);
  CHECK(sorted_strings(v1_values["tagValues"]) ==
        std::vector<std::string>{"tags-e2e-svc", "tags-other-svc"});

  // q narrows the spans whose values count, as Grafana's filters do.
  auto narrowed = s.get("/api/v2/search/tag/span.http.status_code/values?q=" +
                        url_encode("{ resource.service.name = \"tags-other-svc\" }") + kRange);
  REQUIRE(narrowed.status == 200);
  json nb = json::parse(narrowed.body);
  REQUIRE(nb["tagValues"].size() == 1);
  CHECK(nb["tagValues"][0]["type"] == "int");
  CHECK(nb["tagValues"][0]["value"] == "200");
}

TEST_CASE("search data: streaming Search and tags over gRPC, on both ports") {
  ServerOptions o;
  o.stream_over_http = true;
  TempoServer s(o);
  s.start();
  std::string id = random_trace_hex();
  REQUIRE(s.export_grpc(make_request({id}, 2, "stream-e2e-svc")).ok());
  for (int port : {s.server_grpc_port(), s.http_port()}) {
    INFO("port " << port);
    auto stub = querier_stub(port);
    // As Grafana's backend builds it: query, limit, spss, start/end from the time range.
    tempopb::SearchRequest req;
    req.set_query("{ resource.service.name = \"stream-e2e-svc\" }");
    req.set_limit(20);
    req.set_spansperspanset(3);
    req.set_start(1699999000);
    req.set_end(1700001000);
    std::vector<tempopb::SearchResponse> got;
    auto st = stream_search(*stub, req, &got);
    REQUIRE(st.ok());
    // Partial results may come every 500 ms on a slow machine; the traces of all messages
    // together are the answer.
    REQUIRE(!got.empty());
    std::vector<tempopb::TraceSearchMetadata> traces;
    for (const auto& m : got) traces.insert(traces.end(), m.traces().begin(), m.traces().end());
    REQUIRE(traces.size() == 1);
    const auto& t = traces[0];
    CHECK(std::string(32 - t.traceid().size(), '0') + t.traceid() == id);
    CHECK(t.rootservicename() == "stream-e2e-svc");
    CHECK(t.roottracename() == "op-0");
    REQUIRE(t.spansets_size() == 1);
    CHECK(t.spansets(0).matched() == 2);
    CHECK(t.spansets(0).spans_size() == 2);
    CHECK(got.back().has_metrics());

    tempopb::SearchTagValuesRequest values;
    values.set_tagname("resource.service.name");
    std::vector<tempopb::SearchTagValuesV2Response> value_got;
    st = read_stream<tempopb::SearchTagValuesV2Response>(
        [&](grpc::ClientContext* ctx) { return stub->SearchTagValuesV2(ctx, values); }, &value_got);
    REQUIRE(st.ok());
    REQUIRE(value_got.size() == 1);
    REQUIRE(value_got[0].tagvalues_size() == 1);
    CHECK(value_got[0].tagvalues(0).type() == "string");
    CHECK(value_got[0].tagvalues(0).value() == "stream-e2e-svc");
  }
}

TEST_CASE("search data: streamed Search comes in parts within max_grpc_streaming_packet_size") {
  ServerOptions o;
  o.top_extra =
      "query_frontend:\n  max_grpc_streaming_packet_size: 1500\n"
      "  max_query_expression_size_bytes: 200\n";
  TempoServer s(o);
  s.start();
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i) ids.push_back(random_trace_hex());
  REQUIRE(s.export_grpc(make_request(ids, 3, "parts-svc")).ok());

  const std::string q = "{ resource.service.name = \"parts-svc\" }";
  auto stub = querier_stub(s.server_grpc_port());
  tempopb::SearchRequest req;
  req.set_query(q);
  req.set_limit(100);
  req.set_spansperspanset(3);
  req.set_start(1699999000);
  req.set_end(1700001000);
  std::vector<tempopb::SearchResponse> got;
  REQUIRE(stream_search(*stub, req, &got).ok());
  // 30 traces of 3 spans are ~9 KB of messages: several parts, each within the packet size
  // unless it holds a single trace, each with metrics; merged by ID they are the HTTP answer.
  REQUIRE(got.size() > 1);
  std::set<std::string> streamed;
  for (const auto& m : got) {
    CHECK(m.has_metrics());
    if (m.traces_size() > 1) CHECK(m.ByteSizeLong() <= 1500 + 200);
    for (const auto& t : m.traces()) streamed.insert(std::string(32 - t.traceid().size(), '0') + t.traceid());
  }
  CHECK(streamed == std::set<std::string>(ids.begin(), ids.end()));
  CHECK(got.back().metrics().completedjobs() == got.back().metrics().totaljobs());
  auto http = s.get("/api/search?q=" + url_encode(q) + "&limit=100" + kRange);
  REQUIRE(http.status == 200);
  std::set<std::string> from_http;
  const json http_body = json::parse(http.body);
  for (const auto& t : http_body["traces"]) {
    std::string id = t["traceID"];
    from_http.insert(std::string(32 - id.size(), '0') + id);
  }
  CHECK(streamed == from_http);

  // A query over max_query_expression_size_bytes is refused at every door, with the key.
  std::string long_q = "{ resource.service.name = \"" + std::string(300, 'x') + "\" }";
  auto res = s.get("/api/search?q=" + url_encode(long_q) + kRange);
  CHECK(res.status == 400);
  CHECK(res.body.find("max_query_expression_size_bytes") != std::string::npos);
  res = s.get("/api/v2/search/tag/resource.service.name/values?q=" + url_encode(long_q));
  CHECK(res.status == 400);
  CHECK(res.body.find("exceeds the configured maximum size of 200 bytes") != std::string::npos);
  req.set_query(long_q);
  got.clear();
  auto st = stream_search(*stub, req, &got);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
}
