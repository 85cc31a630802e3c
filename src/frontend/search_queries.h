#pragma once
// One search or tag lookup for a tenant, shared by the HTTP handlers and the StreamingQuerier:
// ask the querier, shape the answer as tempopb, count it in
// tempo_query_frontend_queries_total{tenant, op="search"|"metadata", result}.

#include <string_view>

#include "frontend/search_params.h"
#include "tempo/querier/querier.h"
#include "tempopb/tempo.pb.h"

namespace tempo::frontend {

class SearchQueries {
 public:
  explicit SearchQueries(querier::Querier& querier) : querier_(querier) {}

  Status search(std::string_view tenant, const querier::SearchRequest& req,
                tempopb::SearchResponse* out);
  Status tags(std::string_view tenant, const TagsParams& params, tempopb::SearchTagsResponse* out);
  Status tags_v2(std::string_view tenant, const TagsParams& params,
                 tempopb::SearchTagsV2Response* out);
  Status tag_values(std::string_view tenant, const querier::TagValuesRequest& req,
                    tempopb::SearchTagValuesResponse* out);
  Status tag_values_v2(std::string_view tenant, const querier::TagValuesRequest& req,
                       tempopb::SearchTagValuesV2Response* out);

 private:
  querier::Querier& querier_;
};

// Counts a query that never reached the querier (bad parameters) or finished.
void count_query(std::string_view tenant, std::string_view op, bool ok);

inline constexpr std::string_view kOpSearch = "search";
inline constexpr std::string_view kOpMetadata = "metadata";  // tags and tag values, as Tempo

}  // namespace tempo::frontend
