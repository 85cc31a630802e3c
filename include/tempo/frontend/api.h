#pragma once
// Tempo's HTTP API on the server port (3200): trace by ID (v1 and v2), search and tag
// autocomplete (v1 and v2), TraceQL metrics (range and instant), readiness, build info, metrics,
// the runtime overrides (/status/runtime_config) and the operational endpoints (/flush,
// /shutdown). Paths, parameters, status codes and bodies
// match Tempo's, so Grafana's Tempo data source works unchanged. /ready and /metrics run inline
// on the network threads (cheap, never blocking), /flush and /shutdown on the admin executor and
// only on POST (Tempo also takes GET), the rest on the query one.

#include <functional>
#include <string>

#include "tempo/frontend/metrics_limits.h"
#include "tempo/frontend/search_limits.h"
#include "tempo/ingester/ingester.h"
#include "tempo/querier/querier.h"
#include "tempo/server/http_server.h"

namespace tempo::frontend {

struct ApiOptions {
  bool multitenancy_enabled = false;
  std::string http_api_prefix;  // prepended to /api/... paths, as Tempo's http_api_prefix
  SearchLimits search;
  MetricsLimits metrics;
  // POST /flush and POST /shutdown (server.admin_endpoints_enabled); absent (404) when false.
  bool admin_endpoints = true;
};

struct ApiHooks {
  std::function<bool()> ready;         // false while starting or stopping
  std::function<void()> shutdown;      // asks the app to stop (after /shutdown flushed)
  // More Prometheus text appended to GET /metrics (the metrics generator's series), if set.
  std::function<std::string()> extra_metrics;
  // GET /status/runtime_config: the overrides in force as YAML (`diff`: ?mode=diff, only what
  // each tenant changes). Absent (404) when not set.
  std::function<std::string(bool diff)> runtime_config;
};

class Api {
 public:
  Api(ApiOptions options, querier::Querier& querier, ingester::Ingester& ingester, ApiHooks hooks)
      : options_(std::move(options)), querier_(querier), ingester_(ingester), hooks_(std::move(hooks)) {}

  void register_routes(server::Router& router);

  server::HttpResponse trace_by_id(const server::HttpRequest& req, bool v2);
  // GET /api/search (src/frontend/search_handlers.cc).
  server::HttpResponse search(const server::HttpRequest& req);
  // GET /api/search/tags (v1) and /api/v2/search/tags.
  server::HttpResponse search_tags(const server::HttpRequest& req, bool v2);
  // GET /api/search/tag/{tagName}/values (v1) and /api/v2/search/tag/{tagName}/values.
  server::HttpResponse search_tag_values(const server::HttpRequest& req, bool v2);
  // GET /api/metrics/query_range and /api/metrics/query (src/frontend/metrics_handlers.cc).
  server::HttpResponse metrics_query_range(const server::HttpRequest& req);
  server::HttpResponse metrics_query_instant(const server::HttpRequest& req);

 private:
  ApiOptions options_;
  querier::Querier& querier_;
  ingester::Ingester& ingester_;
  ApiHooks hooks_;
};

}  // namespace tempo::frontend
