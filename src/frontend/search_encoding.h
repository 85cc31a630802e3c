#pragma once
// Search results as Tempo's API returns them: tempopb messages for protobuf bodies and the
// StreamingQuerier, and JSON shaped exactly as Tempo's (gogo jsonpb, EmitDefaults off):
// lowerCamel field names, 64-bit integers as strings, zero and empty fields left out, except
// that the top-level list and `metrics` are always present, as Tempo's combiners create them
// non-nil ({"traces":[],"metrics":{}} for an empty search).

#include <string>

#include "frontend/search_params.h"
#include "tempo/querier/search.h"
#include "tempopb/tempo.pb.h"

namespace tempo::frontend {

// traceID without leading zeros (Tempo's TraceIDToHexString); spanSet is the first of spanSets,
// kept for clients older than spanSets; an empty root service name reads
// "<root span not yet received>".
void to_proto(const querier::SearchResult& result, tempopb::SearchResponse* out);
// v1: the names of every scope but "intrinsic" in one sorted list, without duplicates, unless
// only intrinsics were asked for.
void to_proto(const querier::TagsResult& result, const TagsParams& params,
              tempopb::SearchTagsResponse* out);
// v2: one entry per non-empty scope. Tempo's frontend adds its fixed list of intrinsics when the
// scope is "", "none" or "intrinsic"; so does this.
void to_proto(const querier::TagsResult& result, const TagsParams& params,
              tempopb::SearchTagsV2Response* out);
// v1 answers string values only, as Tempo's v1 endpoint did; v2 answers typed values.
void to_proto(const querier::TagValuesResult& result, tempopb::SearchTagValuesResponse* out);
void to_proto(const querier::TagValuesResult& result, tempopb::SearchTagValuesV2Response* out);

std::string to_json(const tempopb::SearchResponse& response);
std::string to_json(const tempopb::SearchTagsResponse& response);
std::string to_json(const tempopb::SearchTagsV2Response& response);
std::string to_json(const tempopb::SearchTagValuesResponse& response);
std::string to_json(const tempopb::SearchTagValuesV2Response& response);

// The scope's name in Tempo's responses ("resource", "span", "intrinsic", ...).
std::string_view scope_name(querier::TagScope scope);

}  // namespace tempo::frontend
