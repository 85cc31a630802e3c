#include "frontend/search_queries.h"

#include "frontend/search_encoding.h"
#include "tempo/observability/log.h"
#include "tempo/observability/metrics.h"

namespace tempo::frontend {
namespace {

prometheus::Family<prometheus::Counter>& queries_total() {
  static auto& f = metrics::counter_family("tempo_query_frontend_queries_total",
                                           "Total queries received per tenant.");
  return f;
}

Status finish(std::string_view tenant, std::string_view op, std::string_view what, Status s) {
  count_query(tenant, op, s.is_ok());
  // A bad query is the client's business; anything else is worth a line in the log.
  if (!s.is_ok() && !s.is(Status::Code::kInvalidArgument)) {
    log::error(
        "search failed",
        {{"tenant", std::string(tenant)}, {"op", std::string(what)}, {"err", s.to_string()}});
  }
  return s;
}

}  // namespace

void count_query(std::string_view tenant, std::string_view op, bool ok) {
  queries_total()
      .Add({{"tenant", std::string(tenant)},
            {"op", std::string(op)},
            {"result", ok ? "completed" : "failed"}})
      .Increment();
}

Status SearchQueries::search(std::string_view tenant, const querier::SearchRequest& req,
                             tempopb::SearchResponse* out) {
  querier::SearchResult result;
  Status s = querier_.search(tenant, req, &result);
  if (s.is_ok()) to_proto(result, out);
  return finish(tenant, kOpSearch, "search", std::move(s));
}

Status SearchQueries::search_streaming(
    std::string_view tenant, const querier::SearchRequest& req, uint64_t max_packet_bytes,
    const std::function<Status(const tempopb::SearchResponse&)>& send) {
  querier::SearchProgress progress;
  progress.update = [&](std::vector<querier::SearchTrace> changed,
                        const querier::SearchMetrics& so_far) {
    querier::SearchResult partial;
    partial.traces = std::move(changed);
    partial.metrics = so_far;
    tempopb::SearchResponse msg;
    to_proto(partial, &msg);
    for (const auto& part : segment(msg, max_packet_bytes)) TEMPO_RETURN_IF_ERROR(send(part));
    return Status::ok();
  };
  querier::SearchResult result;
  return finish(tenant, kOpSearch, "search", querier_.search(tenant, req, &result, &progress));
}

std::vector<tempopb::SearchResponse> segment(const tempopb::SearchResponse& msg,
                                             uint64_t max_bytes) {
  std::vector<tempopb::SearchResponse> out;
  if (max_bytes == 0) {
    out.push_back(msg);
    return out;
  }
  uint64_t size = 0;
  auto start = [&] {
    out.emplace_back();
    *out.back().mutable_metrics() = msg.metrics();
    size = out.back().ByteSizeLong();
  };
  start();
  for (const auto& t : msg.traces()) {
    // Field tag and length prefix of the entry, besides its own bytes.
    const uint64_t entry = t.ByteSizeLong() + 6;
    // At least one trace per message, however large.
    if (out.back().traces_size() > 0 && size + entry > max_bytes) start();
    *out.back().add_traces() = t;
    size += entry;
  }
  return out;
}

Status SearchQueries::tags(std::string_view tenant, const TagsParams& params,
                           tempopb::SearchTagsResponse* out) {
  querier::TagsResult result;
  Status s;
  // Scope "trace" holds no attributes; Tempo answers it without data.
  if (params.scope != "trace") s = querier_.search_tags(tenant, params.request, &result);
  if (s.is_ok()) to_proto(result, params, out);
  return finish(tenant, kOpMetadata, "tags", std::move(s));
}

Status SearchQueries::tags_v2(std::string_view tenant, const TagsParams& params,
                              tempopb::SearchTagsV2Response* out) {
  querier::TagsResult result;
  Status s;
  if (params.scope != "trace") s = querier_.search_tags(tenant, params.request, &result);
  if (s.is_ok()) to_proto(result, params, out);
  return finish(tenant, kOpMetadata, "tags_v2", std::move(s));
}

Status SearchQueries::tag_values(std::string_view tenant, const querier::TagValuesRequest& req,
                                 tempopb::SearchTagValuesResponse* out) {
  querier::TagValuesResult result;
  Status s = querier_.search_tag_values(tenant, req, &result);
  if (s.is_ok()) to_proto(result, out);
  return finish(tenant, kOpMetadata, "tag_values", std::move(s));
}

Status SearchQueries::tag_values_v2(std::string_view tenant, const querier::TagValuesRequest& req,
                                    tempopb::SearchTagValuesV2Response* out) {
  querier::TagValuesResult result;
  Status s = querier_.search_tag_values(tenant, req, &result);
  if (s.is_ok()) to_proto(result, out);
  return finish(tenant, kOpMetadata, "tag_values_v2", std::move(s));
}

}  // namespace tempo::frontend
