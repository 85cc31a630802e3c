#include "tempo/distributor/distributor.h"

#include "distributor/rate_limiter.h"
#include "tempo/model/trace_split.h"
#include "tempo/observability/log.h"
#include "tempo/observability/metrics.h"

namespace tempo::distributor {
namespace {

prometheus::Family<prometheus::Counter>& spans_received() {
  static auto& f = metrics::counter_family("tempo_distributor_spans_received_total",
                                           "The total number of spans received per tenant.");
  return f;
}
prometheus::Family<prometheus::Counter>& bytes_received() {
  static auto& f = metrics::counter_family("tempo_distributor_bytes_received_total",
                                           "The total number of proto bytes received per tenant.");
  return f;
}
prometheus::Family<prometheus::Counter>& ingress_bytes() {
  static auto& f = metrics::counter_family("tempo_distributor_ingress_bytes_total",
                                           "The total number of request bytes received per tenant.");
  return f;
}
prometheus::Family<prometheus::Counter>& accepted_spans() {
  static auto& f = metrics::counter_family("tempo_receiver_accepted_spans",
                                           "Number of spans successfully pushed into the pipeline.");
  return f;
}
prometheus::Family<prometheus::Counter>& refused_spans() {
  static auto& f = metrics::counter_family("tempo_receiver_refused_spans",
                                           "Number of spans that could not be pushed into the pipeline.");
  return f;
}
prometheus::Family<prometheus::Counter>& discarded_spans() {
  static auto& f = metrics::counter_family("tempo_discarded_spans_total",
                                           "The total number of samples that were discarded.");
  return f;
}
// Tempo's data-quality warning for a trace whose time range was clamped to ingestion time.
prometheus::Family<prometheus::Counter>& outside_slack() {
  static auto& f = metrics::counter_family("tempo_warnings_total",
                                           "The total number of warnings per tenant with reason.");
  return f;
}
prometheus::Histogram& push_duration() {
  static auto& h = metrics::histogram_family("tempo_distributor_push_duration_seconds",
                                             "Records the amount of time to push a batch to the ingester.")
                       .Add({}, metrics::request_duration_buckets());
  return h;
}

}  // namespace

Status resolve_tenant(bool multitenancy_enabled, std::string_view org_id, std::string* tenant) {
  if (!multitenancy_enabled) {
    *tenant = kSingleTenant;
    return Status::ok();
  }
  if (org_id.empty()) return Status::unauthenticated("no org id");
  // The tenant names a directory in the WAL and the backend, so it must be a safe path segment.
  if (org_id.size() > 150) return Status::invalid_argument("tenant ID is too long: max 150 characters");
  if (org_id == "." || org_id == "..") return Status::invalid_argument("tenant ID is '.' or '..'");
  for (char c : org_id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '!' || c == '-' || c == '_' || c == '.' || c == '*' || c == '\'' || c == '(' ||
              c == ')';
    if (!ok) {
      return Status::invalid_argument(std::string("tenant ID contains unsupported character '") + c +
                                      "'");
    }
  }
  *tenant = org_id;
  return Status::ok();
}

namespace {

// True for the first caller in each second on `last`: a client stuck over a limit, or an
// ingester refusing while it catches up, would otherwise flood the log with one line a request.
bool first_this_second(std::atomic<int64_t>& last) {
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  int64_t prev = last.load();
  return now != prev && last.compare_exchange_strong(prev, now);
}

void log_discard(const std::string& tenant, const ingester::Refused& refused) {
  static std::atomic<int64_t> last{0};
  if (!first_this_second(last)) return;
  log::warn("spans discarded by a per-tenant limit",
            {{"tenant", tenant},
             {"trace_too_large", refused.trace_too_large},
             {"live_traces_exceeded", refused.live_traces_exceeded},
             {"err", refused.message}});
}

}  // namespace

Distributor::Distributor(ingester::Pusher& pusher, DistributorLimits limits,
                         generator::SpanConsumer* generator)
    : pusher_(pusher),
      generator_(generator),
      limiter_(limits.for_tenant ? std::make_unique<RateLimiter>(std::move(limits.for_tenant))
                                 : std::make_unique<RateLimiter>(limits.rate_limit_bytes,
                                                                 limits.burst_size_bytes)) {}

Distributor::~Distributor() = default;

Status Distributor::push(
    std::string_view tenant,
    const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& req,
    size_t request_bytes, std::string_view receiver, std::string_view transport,
    PushResult* out, Charge charge) {
  const auto start = std::chrono::steady_clock::now();
  if (charge == Charge::kCharge) {
    uint64_t spans = 0;
    for (const auto& rs : req.resource_spans())
      for (const auto& ss : rs.scope_spans()) spans += static_cast<uint64_t>(ss.spans_size());
    Status limited = rate_limit(tenant, request_bytes, receiver, transport, spans);
    if (!limited.is_ok()) return limited;
  }
  model::SplitResult split;
  Status s = model::split_by_trace(req, &split);
  if (!s.is_ok()) return s;
  return store(tenant, std::move(split), request_bytes, receiver, transport, out, start);
}

Status Distributor::push(std::string_view tenant, model::SplitResult split,
                         size_t request_bytes, std::string_view receiver,
                         std::string_view transport, PushResult* out, Charge charge) {
  const auto start = std::chrono::steady_clock::now();
  if (charge == Charge::kCharge) {
    Status limited = rate_limit(tenant, request_bytes, receiver, transport,
                                split.spans_accepted + split.spans_rejected);
    if (!limited.is_ok()) return limited;
  }
  return store(tenant, std::move(split), request_bytes, receiver, transport, out, start);
}

Status Distributor::rate_limit(std::string_view tenant, size_t request_bytes,
                               std::string_view receiver, std::string_view transport,
                               uint64_t spans) {
  Status limited = limiter_->admit(tenant, request_bytes);
  if (limited.is_ok()) return limited;
  discarded_spans().Add({{"reason", "rate_limited"}, {"tenant", std::string(tenant)}})
      .Increment(static_cast<double>(spans));
  refused_spans().Add({{"receiver", std::string(receiver)}, {"transport", std::string(transport)}})
      .Increment(static_cast<double>(spans));
  return limited;
}

Status Distributor::store(std::string_view tenant, model::SplitResult split,
                          size_t request_bytes, std::string_view receiver,
                          std::string_view transport, PushResult* out,
                          std::chrono::steady_clock::time_point start) {
  const std::string tenant_s(tenant);
  const prometheus::Labels rl{{"receiver", std::string(receiver)},
                              {"transport", std::string(transport)}};
  uint64_t total = split.spans_accepted + split.spans_rejected;
  spans_received().Add({{"tenant", tenant_s}}).Increment(static_cast<double>(total));
  ingress_bytes().Add({{"tenant", tenant_s}}).Increment(static_cast<double>(request_bytes));

  out->accepted_spans = split.spans_accepted;
  out->rejected_spans = split.spans_rejected;
  out->rejection = split.first_error;
  if (split.spans_rejected) {
    std::string reason = split.first_error.rfind("trace", 0) == 0 ? "invalid_trace_id"
                                                                    : "invalid_span_id";
    discarded_spans().Add({{"reason", reason}, {"tenant", tenant_s}})
        .Increment(static_cast<double>(split.spans_rejected));
    refused_spans().Add(rl).Increment(static_cast<double>(split.spans_rejected));
  }
  if (split.segments.empty()) {
    if (split.spans_rejected) return Status::invalid_argument(split.first_error);
    return Status::ok();  // an empty request is valid and stores nothing
  }
  const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  if (size_t n = model::clamp_to_ingestion_time(static_cast<uint64_t>(now),
                                                model::kIngestionTimeSlackNanos, &split)) {
    outside_slack().Add({{"reason", "outside_ingestion_time_slack"}, {"tenant", tenant_s}})
        .Increment(static_cast<double>(n));
  }
  uint64_t bytes = 0;
  for (const auto& s : split.segments) bytes += s.bytes.size();

  ingester::Refused refused;
  Status s = pusher_.push(tenant, split.segments, &refused);
  push_duration().Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (!s.is_ok()) {
    refused_spans().Add(rl).Increment(static_cast<double>(split.spans_accepted));
    // Tempo has no reason for an ingester that is behind on its flushes; "flush_backlog" is
    // this build's own (docs/configuration.md, ingester.max_unflushed_blocks).
    const char* reason = refused.flush_backlog ? "flush_backlog" : "unknown_error";
    discarded_spans().Add({{"reason", reason}, {"tenant", tenant_s}})
        .Increment(static_cast<double>(split.spans_accepted));
    static std::atomic<int64_t> last_failure_log{0};
    if (first_this_second(last_failure_log)) {
      log::error("push to ingester failed", {{"tenant", tenant_s}, {"err", s.to_string()}});
    }
    out->accepted_spans = 0;
    return s.is(Status::Code::kResourceExhausted) ? s : Status::unavailable(s.message());
  }
  if (refused.total()) {
    // Tempo's limits: the push succeeds for what was stored; the client learns what was not
    // through OTLP partial success (Tempo only logs it), and the discard is counted.
    if (refused.trace_too_large) {
      discarded_spans().Add({{"reason", "trace_too_large"}, {"tenant", tenant_s}})
          .Increment(static_cast<double>(refused.trace_too_large));
    }
    if (refused.live_traces_exceeded) {
      discarded_spans().Add({{"reason", "live_traces_exceeded"}, {"tenant", tenant_s}})
          .Increment(static_cast<double>(refused.live_traces_exceeded));
    }
    refused_spans().Add(rl).Increment(static_cast<double>(refused.total()));
    out->accepted_spans -= refused.total();
    out->rejected_spans += refused.total();
    if (out->rejection.empty()) out->rejection = refused.message;
    log_discard(tenant_s, refused);
  }
  bytes_received().Add({{"tenant", tenant_s}}).Increment(static_cast<double>(bytes));
  accepted_spans().Add(rl).Increment(static_cast<double>(out->accepted_spans));
  // Second sink: the metrics generator gets the valid spans as the segments already
  // serialized for the ingester, with their trace IDs to route them by (no protobuf work and
  // no copy on this thread). It queues and returns; it never holds up the acknowledgement.
  // The ingester is done with the segments (its push returned: what it keeps, it copied), and
  // this is their last use here, so their bytes move to the generator.
  if (generator_) generator_->offer(tenant, std::move(split.segments));
  return Status::ok();
}

Status Distributor::admit(std::string_view tenant, size_t request_bytes,
                          std::string_view receiver, std::string_view transport,
                          const std::function<uint64_t()>& count_spans) {
  Status limited = limiter_->admit(tenant, request_bytes);
  if (limited.is_ok()) return limited;
  const double spans = count_spans ? static_cast<double>(count_spans()) : 0;
  discarded_spans().Add({{"reason", "rate_limited"}, {"tenant", std::string(tenant)}})
      .Increment(spans);
  refused_spans().Add({{"receiver", std::string(receiver)}, {"transport", std::string(transport)}})
      .Increment(spans);
  return limited;
}

}  // namespace tempo::distributor
