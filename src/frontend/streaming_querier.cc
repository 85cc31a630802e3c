#include "tempo/frontend/streaming_querier.h"

#include <chrono>

#include "frontend/metrics_params.h"
#include "frontend/metrics_queries.h"
#include "frontend/search_params.h"
#include "frontend/search_queries.h"
#include "tempo/distributor/distributor.h"
#include "tempo/observability/metrics.h"
#include "tempo/server/grpc_server.h"

namespace tempo::frontend {
namespace {

grpc::Status to_grpc(const Status& s) {
  switch (s.code()) {
    case Status::Code::kOk:
      return grpc::Status::OK;
    case Status::Code::kInvalidArgument:
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, s.message());
    case Status::Code::kUnauthenticated:
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, s.message());
    case Status::Code::kResourceExhausted:
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, s.message());
    case Status::Code::kUnavailable:
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, s.message());
    default:
      return grpc::Status(grpc::StatusCode::INTERNAL, s.message());
  }
}

// tempo_request_duration_seconds as Tempo's gRPC instrumentation labels it.
void observe(std::string_view method, const grpc::Status& s,
             std::chrono::steady_clock::time_point start) {
  static auto& f = metrics::histogram_family("tempo_request_duration_seconds",
                                             "Time (in seconds) spent serving HTTP requests.");
  const char* code = s.ok()                                          ? "success"
                     : s.error_code() == grpc::StatusCode::CANCELLED ? "cancel"
                                                                     : "error";
  f.Add({{"method", "gRPC"},
         {"route", "/tempopb.StreamingQuerier/" + std::string(method)},
         {"status_code", code},
         {"ws", "false"}},
        metrics::request_duration_buckets())
      .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

// The shape of every call: tenant, parse, then `run(tenant, send)`, which sends its messages
// through `send`; a client gone (send fails) ends the call as CANCELLED.
template <typename Response, typename Parse, typename Run>
grpc::Status serve(bool multitenancy, grpc::ServerContext* ctx, std::string_view method,
                   std::string_view op, grpc::ServerWriter<Response>* writer, Parse parse,
                   Run run) {
  const auto start = std::chrono::steady_clock::now();
  auto done = [&](grpc::Status s) {
    observe(method, s, start);
    return s;
  };
  std::string tenant;
  Status s = distributor::resolve_tenant(multitenancy, server::grpc_org_id(*ctx), &tenant);
  if (!s.is_ok()) return done(to_grpc(s));
  s = parse();
  if (!s.is_ok()) {
    count_query(tenant, op, false);
    return done(to_grpc(s));
  }
  bool gone = false;
  auto send = [&](const Response& msg) {
    if (ctx->IsCancelled() || !writer->Write(msg)) {
      gone = true;
      return Status::unavailable("client went away");
    }
    return Status::ok();
  };
  s = run(tenant, send);
  if (gone) return done(grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
  return done(to_grpc(s));
}

// A `run` for serve() that fills one complete message and sends it.
template <typename Response, typename Fill>
auto one_message(Fill fill) {
  return [fill](const std::string& tenant, const auto& send) -> Status {
    Response response;
    TEMPO_RETURN_IF_ERROR(fill(tenant, &response));
    return send(response);
  };
}

}  // namespace

grpc::Status StreamingQuerierService::Search(grpc::ServerContext* ctx,
                                             const tempopb::SearchRequest* req,
                                             grpc::ServerWriter<tempopb::SearchResponse>* writer) {
  querier::SearchRequest q;
  return serve(
      multitenancy_enabled_, ctx, "Search", kOpSearch, writer,
      [&] { return parse_search_proto(*req, limits_, &q); },
      [&](const std::string& tenant, const auto& send) {
        return SearchQueries(querier_).search_streaming(tenant, q, limits_.max_packet_bytes, send);
      });
}

grpc::Status StreamingQuerierService::SearchTags(
    grpc::ServerContext* ctx, const tempopb::SearchTagsRequest* req,
    grpc::ServerWriter<tempopb::SearchTagsResponse>* writer) {
  TagsParams p;
  return serve(
      multitenancy_enabled_, ctx, "SearchTags", kOpMetadata, writer,
      [&] { return parse_tags_proto(*req, &p); },
      one_message<tempopb::SearchTagsResponse>([&](const std::string& tenant, tempopb::SearchTagsResponse* out) {
        return SearchQueries(querier_).tags(tenant, p, out);
      }));
}

grpc::Status StreamingQuerierService::SearchTagsV2(
    grpc::ServerContext* ctx, const tempopb::SearchTagsRequest* req,
    grpc::ServerWriter<tempopb::SearchTagsV2Response>* writer) {
  TagsParams p;
  return serve(
      multitenancy_enabled_, ctx, "SearchTagsV2", kOpMetadata, writer,
      [&] { return parse_tags_proto(*req, &p); },
      one_message<tempopb::SearchTagsV2Response>([&](const std::string& tenant, tempopb::SearchTagsV2Response* out) {
        return SearchQueries(querier_).tags_v2(tenant, p, out);
      }));
}

grpc::Status StreamingQuerierService::SearchTagValues(
    grpc::ServerContext* ctx, const tempopb::SearchTagValuesRequest* req,
    grpc::ServerWriter<tempopb::SearchTagValuesResponse>* writer) {
  querier::TagValuesRequest q;
  return serve(
      multitenancy_enabled_, ctx, "SearchTagValues", kOpMetadata, writer,
      [&] { return parse_tag_values_proto(*req, false, limits_, &q); },
      one_message<tempopb::SearchTagValuesResponse>([&](const std::string& tenant, tempopb::SearchTagValuesResponse* out) {
        return SearchQueries(querier_).tag_values(tenant, q, out);
      }));
}

grpc::Status StreamingQuerierService::SearchTagValuesV2(
    grpc::ServerContext* ctx, const tempopb::SearchTagValuesRequest* req,
    grpc::ServerWriter<tempopb::SearchTagValuesV2Response>* writer) {
  querier::TagValuesRequest q;
  return serve(
      multitenancy_enabled_, ctx, "SearchTagValuesV2", kOpMetadata, writer,
      [&] { return parse_tag_values_proto(*req, true, limits_, &q); },
      one_message<tempopb::SearchTagValuesV2Response>([&](const std::string& tenant, tempopb::SearchTagValuesV2Response* out) {
        return SearchQueries(querier_).tag_values_v2(tenant, q, out);
      }));
}

grpc::Status StreamingQuerierService::MetricsQueryRange(
    grpc::ServerContext* ctx, const tempopb::QueryRangeRequest* req,
    grpc::ServerWriter<tempopb::QueryRangeResponse>* writer) {
  querier::MetricsQueryRequest q;
  return serve(
      multitenancy_enabled_, ctx, "MetricsQueryRange", kOpMetrics, writer,
      [&] { return parse_query_range_proto(*req, metrics_limits_, &q); },
      [&](const std::string& tenant, const auto& send) {
        return MetricsQueries(querier_).query_range_streaming(tenant, q, send);
      });
}

grpc::Status StreamingQuerierService::MetricsQueryInstant(
    grpc::ServerContext* ctx, const tempopb::QueryInstantRequest* req,
    grpc::ServerWriter<tempopb::QueryInstantResponse>* writer) {
  querier::MetricsQueryRequest q;
  return serve(
      multitenancy_enabled_, ctx, "MetricsQueryInstant", kOpMetrics, writer,
      [&] { return parse_query_instant_proto(*req, metrics_limits_, &q); },
      [&](const std::string& tenant, const auto& send) {
        return MetricsQueries(querier_).query_instant_streaming(tenant, q, send);
      });
}

}  // namespace tempo::frontend
