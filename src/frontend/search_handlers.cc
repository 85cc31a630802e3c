// The search endpoints of Api: GET /api/search, /api/[v2/]search/tags and
// /api/[v2/]search/tag/{tagName}/values. Parameters as Tempo reads them (search_params.h),
// bodies as Tempo writes them (search_encoding.h): JSON, or protobuf when Accept asks for it.

#include "frontend/search_encoding.h"
#include "frontend/search_params.h"
#include "frontend/search_queries.h"
#include "tempo/distributor/distributor.h"
#include "tempo/frontend/api.h"

namespace tempo::frontend {
namespace {

server::HttpResponse text(int status, std::string body) {
  server::HttpResponse res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

// Tempo's frontend answers errors as plain text with the reason.
server::HttpResponse error_response(const Status& s) {
  switch (s.code()) {
    case Status::Code::kInvalidArgument:
      return text(400, s.message());
    case Status::Code::kUnauthenticated:
      return text(401, s.message());
    case Status::Code::kResourceExhausted:
      return text(429, s.message());
    case Status::Code::kUnavailable:
      return text(503, s.message());
    default:
      return text(500, s.message());
  }
}

// Tempo picks protobuf when Accept mentions application/protobuf (substring match).
template <typename Message>
server::HttpResponse encode(const server::HttpRequest& req, const Message& m) {
  server::HttpResponse res;
  if (req.header("Accept").find("application/protobuf") != std::string::npos) {
    res.content_type = "application/protobuf";
    res.body = m.SerializeAsString();
  } else {
    res.content_type = "application/json";
    res.body = to_json(m);
  }
  return res;
}

// Parses, runs and encodes one request; `run(tenant, &response)` returns the querier's status.
template <typename Message, typename Parse, typename Run>
server::HttpResponse serve(bool multitenancy, const server::HttpRequest& req, std::string_view op,
                           Parse parse, Run run) {
  std::string tenant;
  Status s = distributor::resolve_tenant(multitenancy, req.header("X-Scope-OrgID"), &tenant);
  if (!s.is_ok()) return error_response(s);
  s = parse();
  if (!s.is_ok()) {
    count_query(tenant, op, false);
    return error_response(s);
  }
  Message response;
  s = run(tenant, &response);
  if (!s.is_ok()) return error_response(s);
  return encode(req, response);
}

}  // namespace

server::HttpResponse Api::search(const server::HttpRequest& req) {
  querier::SearchRequest q;
  return serve<tempopb::SearchResponse>(
      options_.multitenancy_enabled, req, kOpSearch,
      [&] { return parse_search_params(req.query, options_.search, &q); },
      [&](const std::string& tenant, tempopb::SearchResponse* out) {
        return SearchQueries(querier_).search(tenant, q, out);
      });
}

server::HttpResponse Api::search_tags(const server::HttpRequest& req, bool v2) {
  TagsParams p;
  auto parse = [&] { return parse_tags_params(req.query, &p); };
  if (v2) {
    return serve<tempopb::SearchTagsV2Response>(
        options_.multitenancy_enabled, req, kOpMetadata, parse,
        [&](const std::string& tenant, tempopb::SearchTagsV2Response* out) {
          return SearchQueries(querier_).tags_v2(tenant, p, out);
        });
  }
  return serve<tempopb::SearchTagsResponse>(
      options_.multitenancy_enabled, req, kOpMetadata, parse,
      [&](const std::string& tenant, tempopb::SearchTagsResponse* out) {
        return SearchQueries(querier_).tags(tenant, p, out);
      });
}

server::HttpResponse Api::search_tag_values(const server::HttpRequest& req, bool v2) {
  querier::TagValuesRequest q;
  auto it = req.path_params.find("tagName");
  const std::string tag = it == req.path_params.end() ? "" : it->second;
  auto parse = [&] { return parse_tag_values_params(tag, req.query, v2, options_.search, &q); };
  if (v2) {
    return serve<tempopb::SearchTagValuesV2Response>(
        options_.multitenancy_enabled, req, kOpMetadata, parse,
        [&](const std::string& tenant, tempopb::SearchTagValuesV2Response* out) {
          return SearchQueries(querier_).tag_values_v2(tenant, q, out);
        });
  }
  return serve<tempopb::SearchTagValuesResponse>(
      options_.multitenancy_enabled, req, kOpMetadata, parse,
      [&](const std::string& tenant, tempopb::SearchTagValuesResponse* out) {
        return SearchQueries(querier_).tag_values(tenant, q, out);
      });
}

}  // namespace tempo::frontend
