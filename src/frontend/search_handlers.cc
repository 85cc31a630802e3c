// The search endpoints of Api: GET /api/search, /api/[v2/]search/tags and
// /api/[v2/]search/tag/{tagName}/values. Parameters as Tempo reads them (search_params.h),
// bodies as Tempo writes them (search_encoding.h): JSON, or protobuf when Accept asks for it.

#include "frontend/http_serve.h"
#include "frontend/search_encoding.h"
#include "frontend/search_params.h"
#include "frontend/search_queries.h"
#include "tempo/distributor/distributor.h"
#include "tempo/frontend/api.h"

namespace tempo::frontend {

using http_serve::serve;

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
