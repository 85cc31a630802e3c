#pragma once
// What the Zipkin and Jaeger receivers share: their protocols have no partial success, so a
// push either stores every span or reports why it did not.

#include <string_view>

#include "tempo/distributor/distributor.h"
#include "tempo/server/http_server.h"

namespace tempo::receiver {

// Resolves the tenant from X-Scope-OrgID and pushes. When the distributor rejects some spans
// (the others are stored), the result is kInvalidArgument saying how many and why.
Status push_foreign(distributor::Distributor& distributor, bool multitenancy_enabled,
                    std::string_view org_id,
                    const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& req,
                    size_t request_bytes, std::string_view receiver, std::string_view transport);

// The HTTP reply of a Zipkin or Jaeger HTTP receiver: 202 with no body on success, else the
// status for the error (400, 401, 429 + Retry-After, 503, 500) with the message as text.
server::HttpResponse foreign_http_reply(const Status& status);

}  // namespace tempo::receiver
