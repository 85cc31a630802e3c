#pragma once
// The distributor: validates an export request, splits it into per-trace segments and hands
// them to the ingester. Receivers call it after decoding; it knows nothing of protocols
// beyond the receiver/transport names it counts under.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/generator/span_consumer.h"
#include "tempo/ingester/pusher.h"
#include "tempo/model/trace_split.h"
#include "tempo/util/status.h"

namespace tempo::distributor {

struct PushResult {
  uint64_t accepted_spans = 0;
  uint64_t rejected_spans = 0;
  std::string rejection;  // why spans were rejected (first reason), empty when none were
};

// One tenant's ingestion rate limit (overrides ingestion.rate_limit_bytes, burst_size_bytes).
struct RateLimit {
  double rate_limit_bytes = 15e6;  // per second; <= 0 disables
  double burst_size_bytes = 20e6;
};

struct DistributorLimits {
  double rate_limit_bytes = 15e6;  // per tenant per second; <= 0 disables
  double burst_size_bytes = 20e6;
  // When set, asked for the tenant's limit on every request (the runtime overrides), so a
  // changed limit applies to the next request; the two values above are then unused. Must be
  // cheap and thread-safe.
  std::function<RateLimit(std::string_view tenant)> for_tenant;
};

class RateLimiter;

// Whether push() charges the request to the tenant's rate limit, or admit() already did.
enum class Charge { kCharge, kAdmitted };

class Distributor {
 public:
  // `generator` (optional, must outlive the distributor) is offered the spans of every request
  // the ingester stored; it must not block (generator::SpanConsumer).
  explicit Distributor(ingester::Pusher& pusher, DistributorLimits limits = {},
                       generator::SpanConsumer* generator = nullptr);
  ~Distributor();

  // Stores the valid spans of `req` for `tenant`. Invalid spans (bad trace/span IDs) are
  // rejected individually and reported in `out`; if every span is invalid the call fails
  // with kInvalidArgument. Over the tenant's rate limit the call fails with
  // kResourceExhausted. Storage failures fail the whole call and nothing is acknowledged.
  Status push(std::string_view tenant,
              const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& req,
              size_t request_bytes, std::string_view receiver, std::string_view transport,
              PushResult* out, Charge charge = Charge::kCharge);

  // The same for a request the receiver split itself, on the wire
  // (model::split_by_trace_wire): OTLP protobuf arrives serialized, and splitting its bytes
  // spares decoding and re-encoding every span. `split` is what that split returned.
  Status push(std::string_view tenant, model::SplitResult split, size_t request_bytes,
              std::string_view receiver, std::string_view transport, PushResult* out,
              Charge charge = Charge::kCharge);

  // Admission before work: charges `request_bytes` (the body as received, after
  // Content-Encoding) to the tenant's rate limit before the request is decoded, so a request
  // over the limit costs no decoding. When refused (kResourceExhausted, RATE_LIMITED: ...),
  // `count_spans` is asked how many spans the body holds, as cheaply as it can (0 when it
  // cannot tell), and those are counted as discarded (reason "rate_limited"). An admitted
  // request goes on to push(..., Charge::kAdmitted).
  Status admit(std::string_view tenant, size_t request_bytes, std::string_view receiver,
               std::string_view transport, const std::function<uint64_t()>& count_spans);

 private:
  // Charges the request to the tenant's rate limit; over it, counts `spans` as discarded.
  Status rate_limit(std::string_view tenant, size_t request_bytes, std::string_view receiver,
                    std::string_view transport, uint64_t spans);
  // What both pushes do after the split: count, clamp times, store, offer to the generator.
  Status store(std::string_view tenant, model::SplitResult split, size_t request_bytes,
               std::string_view receiver, std::string_view transport, PushResult* out,
               std::chrono::steady_clock::time_point start);

  ingester::Pusher& pusher_;
  generator::SpanConsumer* generator_;
  std::unique_ptr<RateLimiter> limiter_;
};

// Resolves the tenant of a request: with multitenancy off every request is "single-tenant";
// with it on, `org_id` (the X-Scope-OrgID header) is required and validated.
Status resolve_tenant(bool multitenancy_enabled, std::string_view org_id, std::string* tenant);

inline constexpr std::string_view kSingleTenant = "single-tenant";

}  // namespace tempo::distributor
