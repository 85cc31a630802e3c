#pragma once
// Turns the parameters of Tempo's search endpoints into querier requests, with Tempo's
// defaults, limits and 400 messages (pkg/api/http.go, modules/frontend/search_sharder.go).
// The HTTP query string and the StreamingQuerier's protobuf request both land here, so the two
// doors validate identically, as in Tempo, where the gRPC request is rebuilt as an HTTP one.
//
// A request that used Tempo's older search form (tags=<logfmt>, minDuration, maxDuration, or
// tags as bare query parameters) becomes a TraceQL query, because the querier only runs TraceQL.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tempo/frontend/search_limits.h"
#include "tempo/querier/search.h"
#include "tempo/util/status.h"

namespace tempopb {
class SearchRequest;
class SearchTagsRequest;
class SearchTagValuesRequest;
}  // namespace tempopb

namespace tempo::frontend {

// Decoded query parameters in the order received. Like Go's url.Values.Get, the first
// occurrence of a name counts, and an empty value is the same as an absent one.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// GET /api/search. On error, kInvalidArgument with Tempo's message ("invalid limit: ...").
// spans_per_spanset 0 asks for every matching span of a spanset (Tempo's meaning of spss=0).
Status parse_search_params(const QueryParams& params, const SearchLimits& limits,
                           querier::SearchRequest* out);
// tempopb.StreamingQuerier/Search: the same checks. SpansPerSpanSet is taken as sent (0 = all),
// as Tempo's gRPC handler always forwards it.
Status parse_search_proto(const tempopb::SearchRequest& req, const SearchLimits& limits,
                          querier::SearchRequest* out);

// 400 for a TraceQL query longer than limits.max_query_bytes (Tempo's message), before any
// parsing; every door that takes a query (search, tag values) checks it.
Status check_query_size(std::string_view query, const SearchLimits& limits);

// The tag requests keep what the querier does not model (the scope "trace" has no attributes).
struct TagsParams {
  querier::TagsRequest request;
  std::string scope;  // as given: "", "none", "span", "resource", "intrinsic", ...
};

// GET /api/search/tags and /api/v2/search/tags: scope, start, end, limit (tags per scope).
Status parse_tags_params(const QueryParams& params, TagsParams* out);
Status parse_tags_proto(const tempopb::SearchTagsRequest& req, TagsParams* out);

// GET /api/[v2/]search/tag/{tagName}/values: q, start, end, limit. v1 names a plain attribute
// ("service.name"), which becomes the unscoped TraceQL attribute (".service.name"); v2 names a
// TraceQL identifier ("resource.service.name", "name", "span.http.method") and is checked as one.
// `q` is held to limits.max_query_bytes, as a search's query is.
Status parse_tag_values_params(std::string_view tag_name, const QueryParams& params, bool v2,
                               const SearchLimits& limits, querier::TagValuesRequest* out);
Status parse_tag_values_proto(const tempopb::SearchTagValuesRequest& req, bool v2,
                              const SearchLimits& limits, querier::TagValuesRequest* out);

// The pieces of the legacy form, exposed for tests: tags as logfmt ("a=b c=\"d e\"") into
// name -> value (kInvalidArgument "invalid tags: ..." on a syntax error or a repeated name),
// and name -> value plus durations into one TraceQL query.
Status parse_logfmt_tags(std::string_view text, std::map<std::string, std::string>* out);
std::string legacy_traceql(const std::map<std::string, std::string>& tags, uint32_t min_duration_ms,
                           uint32_t max_duration_ms);

// A string as a TraceQL double-quoted literal, and `.name` as TraceQL spells an unscoped
// attribute (quoted when the name needs it); both from the TraceQL printer.
std::string traceql_string(std::string_view s);
std::string unscoped_attribute(std::string_view name);

}  // namespace tempo::frontend
