#pragma once
// What the Zipkin and Jaeger receivers share: their protocols have no partial success, so a
// push either stores every span or reports why it did not.

#include <google/protobuf/arena.h>

#include <functional>
#include <string_view>

#include "tempo/distributor/distributor.h"
#include "tempo/server/http_server.h"

namespace tempo::receiver {

// A request converted from Zipkin or Jaeger, built on an arena so its thousands of small
// strings are one allocation pattern freed at once (bench/foreign_decode_bench: ~30% faster).
class ConvertedRequest {
 public:
  ConvertedRequest();
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* get() { return req_; }
  const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& operator*() const {
    return *req_;
  }

 private:
  google::protobuf::Arena arena_;
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* req_;
};

// Resolves the tenant from X-Scope-OrgID and pushes. When the distributor rejects some spans
// (the others are stored), the result is kInvalidArgument saying how many and why.
Status push_foreign(distributor::Distributor& distributor, bool multitenancy_enabled,
                    std::string_view org_id,
                    const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& req,
                    size_t request_bytes, std::string_view receiver, std::string_view transport);

// Admission before work: resolves the tenant and charges `body` to its rate limit before
// `decode` runs (`count_spans` counts the spans of a refused body without decoding it; may be
// null), then pushes what `decode` produced, as push_foreign does.
Status decode_and_push(
    distributor::Distributor& distributor, bool multitenancy_enabled, std::string_view org_id,
    std::string_view body, std::string_view receiver, std::string_view transport,
    const std::function<uint64_t()>& count_spans,
    const std::function<Status(opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest*)>&
        decode);

// The HTTP reply of a Zipkin or Jaeger HTTP receiver: 202 with no body on success, else the
// status for the error (400, 401, 429 + Retry-After, 503, 500) with the message as text.
server::HttpResponse foreign_http_reply(const Status& status);

}  // namespace tempo::receiver
