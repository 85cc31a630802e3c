#pragma once
// tempopb.StreamingQuerier, the gRPC service Grafana's Tempo data source calls for search and
// autocomplete when streaming is on: server-streaming Search, SearchTags, SearchTagsV2,
// SearchTagValues and SearchTagValuesV2, and TraceQL metrics' MetricsQueryRange and
// MetricsQueryInstant (snapshots of every series so far every 500 ms, then the answer), with the
// tenant from the x-scope-orgid metadata. Requests are validated exactly as the HTTP endpoints
// validate them. Search streams partial results every 500 ms and the rest at the end
// (SearchQueries::search_streaming); the tag calls send one message holding the complete result.
// Then OK; errors are INVALID_ARGUMENT (bad request), UNAUTHENTICATED (no tenant),
// RESOURCE_EXHAUSTED, UNAVAILABLE or INTERNAL.

#include <grpcpp/grpcpp.h>

#include "tempo/frontend/metrics_limits.h"
#include "tempo/frontend/search_limits.h"
#include "tempo/querier/querier.h"
#include "tempopb/tempo.grpc.pb.h"

namespace tempo::frontend {

class StreamingQuerierService final : public tempopb::StreamingQuerier::Service {
 public:
  StreamingQuerierService(querier::Querier& querier, bool multitenancy_enabled, SearchLimits limits,
                          MetricsLimits metrics_limits = {})
      : querier_(querier),
        multitenancy_enabled_(multitenancy_enabled),
        limits_(limits),
        metrics_limits_(metrics_limits) {}

  grpc::Status Search(grpc::ServerContext* ctx, const tempopb::SearchRequest* req,
                      grpc::ServerWriter<tempopb::SearchResponse>* writer) override;
  grpc::Status SearchTags(grpc::ServerContext* ctx, const tempopb::SearchTagsRequest* req,
                          grpc::ServerWriter<tempopb::SearchTagsResponse>* writer) override;
  grpc::Status SearchTagsV2(grpc::ServerContext* ctx, const tempopb::SearchTagsRequest* req,
                            grpc::ServerWriter<tempopb::SearchTagsV2Response>* writer) override;
  grpc::Status SearchTagValues(
      grpc::ServerContext* ctx, const tempopb::SearchTagValuesRequest* req,
      grpc::ServerWriter<tempopb::SearchTagValuesResponse>* writer) override;
  grpc::Status SearchTagValuesV2(
      grpc::ServerContext* ctx, const tempopb::SearchTagValuesRequest* req,
      grpc::ServerWriter<tempopb::SearchTagValuesV2Response>* writer) override;
  grpc::Status MetricsQueryRange(grpc::ServerContext* ctx, const tempopb::QueryRangeRequest* req,
                                 grpc::ServerWriter<tempopb::QueryRangeResponse>* writer) override;
  grpc::Status MetricsQueryInstant(
      grpc::ServerContext* ctx, const tempopb::QueryInstantRequest* req,
      grpc::ServerWriter<tempopb::QueryInstantResponse>* writer) override;

 private:
  querier::Querier& querier_;
  const bool multitenancy_enabled_;
  const SearchLimits limits_;
  const MetricsLimits metrics_limits_;
};

}  // namespace tempo::frontend
