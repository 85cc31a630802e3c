#pragma once
// The distributor: validates an export request, splits it into per-trace segments and hands
// them to the ingester. Receivers call it after decoding; it knows nothing of protocols
// beyond the receiver/transport names it counts under.

#include <cstdint>
#include <string>
#include <string_view>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/ingester/pusher.h"
#include "tempo/util/status.h"

namespace tempo::distributor {

struct PushResult {
  uint64_t accepted_spans = 0;
  uint64_t rejected_spans = 0;
  std::string rejection;  // why spans were rejected (first reason), empty when none were
};

class Distributor {
 public:
  explicit Distributor(ingester::Pusher& pusher) : pusher_(pusher) {}

  // Stores the valid spans of `req` for `tenant`. Invalid spans (bad trace/span IDs) are
  // rejected individually and reported in `out`; if every span is invalid the call fails
  // with kInvalidArgument. Storage failures fail the whole call and nothing is acknowledged.
  Status push(std::string_view tenant,
              const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& req,
              size_t request_bytes, std::string_view receiver, std::string_view transport,
              PushResult* out);

 private:
  ingester::Pusher& pusher_;
};

// Resolves the tenant of a request: with multitenancy off every request is "single-tenant";
// with it on, `org_id` (the X-Scope-OrgID header) is required and validated.
Status resolve_tenant(bool multitenancy_enabled, std::string_view org_id, std::string* tenant);

inline constexpr std::string_view kSingleTenant = "single-tenant";

}  // namespace tempo::distributor
