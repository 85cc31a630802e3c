#include "tempo/frontend/api.h"

#include <charconv>

#include <nlohmann/json.hpp>

#include "tempo/distributor/distributor.h"
#include "tempo/model/trace_encoding.h"
#include "tempo/observability/log.h"
#include "tempo/observability/metrics.h"

namespace tempo::frontend {
namespace {

prometheus::Family<prometheus::Counter>& queries_total() {
  static auto& f = metrics::counter_family("tempo_query_frontend_queries_total",
                                           "Total queries received per tenant.");
  return f;
}

server::HttpResponse text(int status, std::string body) {
  server::HttpResponse res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

// Tempo answers protobuf when Accept mentions application/protobuf (substring match).
bool wants_protobuf(const server::HttpRequest& req) {
  return req.header("Accept").find("application/protobuf") != std::string::npos;
}

Status parse_seconds(const server::HttpRequest& req, std::string_view name,
                     std::optional<uint64_t>* out) {
  auto v = req.query_param(name);
  if (!v || v->empty()) return Status::ok();
  uint64_t n = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || ptr != v->data() + v->size()) {
    return Status::invalid_argument("invalid " + std::string(name) + ": \"" + std::string(*v) +
                                    "\" is not unix epoch seconds");
  }
  *out = n;
  return Status::ok();
}

}  // namespace

void Api::register_routes(server::Router& router) {
  const std::string& p = options_.http_api_prefix;
  router.add("GET", p + "/api/traces/{traceID}", "api_traces_traceid",
             [this](const server::HttpRequest& r) { return trace_by_id(r, false); });
  router.add("GET", p + "/api/v2/traces/{traceID}", "api_v2_traces_traceid",
             [this](const server::HttpRequest& r) { return trace_by_id(r, true); });
  router.add("GET", p + "/api/search", "api_search",
             [this](const server::HttpRequest& r) { return search(r); });
  router.add("GET", p + "/api/search/tags", "api_search_tags",
             [this](const server::HttpRequest& r) { return search_tags(r, false); });
  router.add("GET", p + "/api/v2/search/tags", "api_v2_search_tags",
             [this](const server::HttpRequest& r) { return search_tags(r, true); });
  // {tagName...}: a tag may contain '/' (k8s.io/name), as Tempo's {tagName:.*} allows.
  router.add("GET", p + "/api/search/tag/{tagName...}/values", "api_search_tag_tagname_values",
             [this](const server::HttpRequest& r) { return search_tag_values(r, false); });
  router.add("GET", p + "/api/v2/search/tag/{tagName...}/values",
             "api_v2_search_tag_tagname_values",
             [this](const server::HttpRequest& r) { return search_tag_values(r, true); });
  router.add("GET", p + "/api/metrics/query_range", "api_metrics_query_range",
             [this](const server::HttpRequest& r) { return metrics_query_range(r); });
  router.add("GET", p + "/api/metrics/query", "api_metrics_query",
             [this](const server::HttpRequest& r) { return metrics_query_instant(r); });
  router.add(
      "GET", p + "/api/echo", "api_echo",
      [](const server::HttpRequest&) { return text(200, "echo"); }, server::Work::kInline);
  router.add("GET", p + "/api/status/buildinfo", "api_status_buildinfo",
             [](const server::HttpRequest&) {
               nlohmann::json j = {{"version", std::string(metrics::version())},
                                   {"revision", std::string(metrics::revision())},
                                   {"branch", "main"},
                                   {"buildUser", ""},
                                   {"buildDate", ""},
                                   {"goVersion", ""}};
               server::HttpResponse res = text(200, j.dump());
               res.content_type = "application/json";
               return res;
             });
  if (hooks_.runtime_config) {
    router.add("GET", "/status/runtime_config", "status_runtime_config",
               [this](const server::HttpRequest& r) {
                 const auto mode = r.query_param("mode");
                 if (mode && !mode->empty() && *mode != "diff") {
                   return text(400, "unknown mode \"" + std::string(*mode) +
                                        "\": leave it out for the whole runtime config, or "
                                        "use mode=diff");
                 }
                 server::HttpResponse res = text(200, hooks_.runtime_config(mode == "diff"));
                 res.content_type = "text/plain; charset=utf-8";
                 return res;
               });
  }
  router.add(
      "GET", "/ready", "ready",
      [this](const server::HttpRequest&) {
        if (hooks_.ready && !hooks_.ready()) return text(503, "Application is stopping");
        return text(200, "ready");
      },
      server::Work::kInline);
  router.add(
      "GET", "/metrics", "metrics",
      [this](const server::HttpRequest&) {
        std::string body = metrics::serialize_text();
        if (hooks_.extra_metrics) body += hooks_.extra_metrics();
        server::HttpResponse res = text(200, std::move(body));
        res.content_type = "text/plain; version=0.0.4; charset=utf-8";
        return res;
      },
      server::Work::kInline);
  if (!options_.admin_endpoints) return;
  auto flush = [this](const server::HttpRequest& r) {
    std::string tenant(r.query_param("tenant").value_or(""));
    Status s = ingester_.flush(tenant);
    if (!s.is_ok()) return text(500, s.message());
    return text(204, "");
  };
  // POST only: a GET is something a crawler, a prefetching proxy or a stray link can send, and
  // these change state (GET answers 405 with Allow: POST).
  router.add("POST", "/flush", "flush", flush, server::Work::kAdmin);
  auto shutdown = [this](const server::HttpRequest&) {
    Status s = ingester_.flush();
    if (!s.is_ok()) return text(500, "error flushing: " + s.message());
    if (hooks_.shutdown) hooks_.shutdown();
    return text(200, "shutdown job acknowledged");
  };
  router.add("POST", "/shutdown", "shutdown", shutdown, server::Work::kAdmin);
}

server::HttpResponse Api::trace_by_id(const server::HttpRequest& req, bool v2) {
  std::string tenant;
  Status s = distributor::resolve_tenant(options_.multitenancy_enabled,
                                         req.header("X-Scope-OrgID"), &tenant);
  if (!s.is_ok()) return text(s.is(Status::Code::kUnauthenticated) ? 401 : 400, s.message());
  const prometheus::Labels done{{"tenant", tenant}, {"op", "traces"}, {"result", "completed"}};
  const prometheus::Labels failed{{"tenant", tenant}, {"op", "traces"}, {"result", "failed"}};

  querier::TraceByIdRequest q;
  auto it = req.path_params.find("traceID");
  s = TraceId::parse_hex(it == req.path_params.end() ? "" : it->second, &q.id);
  if (s.is_ok()) s = parse_seconds(req, "start", &q.start_seconds);
  if (s.is_ok()) s = parse_seconds(req, "end", &q.end_seconds);
  if (s.is_ok() && q.start_seconds && q.end_seconds && *q.end_seconds < *q.start_seconds) {
    s = Status::invalid_argument("http parameter start must be before end. received start=" +
                                 std::to_string(*q.start_seconds) +
                                 " end=" + std::to_string(*q.end_seconds));
  }
  if (!s.is_ok()) {
    queries_total().Add(failed).Increment();
    return text(400, s.message());
  }

  querier::TraceByIdResult result;
  s = querier_.find_trace_by_id(tenant, q, &result);
  if (!s.is_ok()) {
    queries_total().Add(failed).Increment();
    log::error("trace by id failed", {{"tenant", tenant}, {"traceID", q.id.hex()},
                                      {"err", s.to_string()}});
    return text(500, s.message());
  }
  queries_total().Add(done).Increment();

  const bool proto = wants_protobuf(req);
  server::HttpResponse res;
  res.content_type = proto ? "application/protobuf" : "application/json";
  if (v2) {
    const auto* trace = result.found ? &result.trace : nullptr;
    res.body = proto ? model::to_v2_proto(trace, result.inspected_bytes)
                     : model::to_v2_json(trace, result.inspected_bytes);
    return res;
  }
  if (!result.found) return text(404, "");
  res.body = proto ? model::to_v1_proto(result.trace) : model::to_v1_json(result.trace);
  return res;
}

}  // namespace tempo::frontend
