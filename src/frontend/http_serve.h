#pragma once
// The shape every query handler of Api shares: tenant, parameters, run, then the body as JSON
// or, when Accept asks for it, protobuf; errors as Tempo's frontend answers them (plain text
// with the reason and the status code of the Status).

#include <string>
#include <string_view>

#include "frontend/metrics_encoding.h"
#include "frontend/search_encoding.h"
#include "frontend/search_queries.h"
#include "tempo/distributor/distributor.h"
#include "tempo/server/http_server.h"

namespace tempo::frontend::http_serve {

inline server::HttpResponse text(int status, std::string body) {
  server::HttpResponse res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

// Tempo's frontend answers errors as plain text with the reason.
inline server::HttpResponse error_response(const Status& s) {
  switch (s.code()) {
    case Status::Code::kInvalidArgument:
      return text(400, s.message());
    case Status::Code::kUnauthenticated:
      return text(401, s.message());
    case Status::Code::kResourceExhausted:
      return text(429, s.message());
    case Status::Code::kUnavailable:
      return text(503, s.message());
    default:
      return text(500, s.message());
  }
}

// Tempo picks protobuf when Accept mentions application/protobuf (substring match).
template <typename Message>
server::HttpResponse encode(const server::HttpRequest& req, const Message& m) {
  server::HttpResponse res;
  if (req.header("Accept").find("application/protobuf") != std::string::npos) {
    res.content_type = "application/protobuf";
    res.body = m.SerializeAsString();
  } else {
    res.content_type = "application/json";
    res.body = to_json(m);
  }
  return res;
}

// Parses, runs and encodes one request; `run(tenant, &response)` returns the querier's status.
template <typename Message, typename Parse, typename Run>
server::HttpResponse serve(bool multitenancy, const server::HttpRequest& req, std::string_view op,
                           Parse parse, Run run) {
  std::string tenant;
  Status s = distributor::resolve_tenant(multitenancy, req.header("X-Scope-OrgID"), &tenant);
  if (!s.is_ok()) return error_response(s);
  s = parse();
  if (!s.is_ok()) {
    count_query(tenant, op, false);
    return error_response(s);
  }
  Message response;
  s = run(tenant, &response);
  if (!s.is_ok()) return error_response(s);
  return encode(req, response);
}

}  // namespace tempo::frontend::http_serve
