#pragma once
// One search or tag lookup for a tenant, shared by the HTTP handlers and the StreamingQuerier:
// ask the querier, shape the answer as tempopb, count it in
// tempo_query_frontend_queries_total{tenant, op="search"|"metadata", result}.

#include <functional>
#include <string_view>
#include <vector>

#include "frontend/search_params.h"
#include "tempo/querier/querier.h"
#include "tempopb/tempo.pb.h"

namespace tempo::frontend {

class SearchQueries {
 public:
  explicit SearchQueries(querier::Querier& querier) : querier_(querier) {}

  Status search(std::string_view tenant, const querier::SearchRequest& req,
                tempopb::SearchResponse* out);
  // The same as a stream, as Tempo's frontend streams it: every 500 ms the traces found or
  // changed since the previous message (each whole, so a client replaces earlier copies by
  // trace ID) with the metrics so far, then a last message with the rest and the final
  // metrics. A message larger than `max_packet_bytes` is split (each part carries the
  // metrics). A non-ok status from `send` stops the search.
  Status search_streaming(std::string_view tenant, const querier::SearchRequest& req,
                          uint64_t max_packet_bytes,
                          const std::function<Status(const tempopb::SearchResponse&)>& send);
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

// Splits a search reply into messages of at most about `max_bytes` (0: no split), each with the
// metrics and at least one trace.
std::vector<tempopb::SearchResponse> segment(const tempopb::SearchResponse& msg,
                                             uint64_t max_bytes);

// Counts a query that never reached the querier (bad parameters) or finished.
void count_query(std::string_view tenant, std::string_view op, bool ok);

inline constexpr std::string_view kOpSearch = "search";
inline constexpr std::string_view kOpMetadata = "metadata";  // tags and tag values, as Tempo

}  // namespace tempo::frontend
