#pragma once
// What the ingest harnesses share: after a receiver has decoded a request (or, for OTLP
// protobuf, split its bytes by trace) it hands it to the distributor, which validates and
// splits it by trace (model::split_by_trace, ingestion time clamping) before the ingester
// stores it. The harnesses run that same distributor, so a
// decoded request that would trip the next stage is found too; only storage is replaced.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/config/config.h"
#include "tempo/distributor/distributor.h"
#include "tempo/ingester/pusher.h"

namespace tempo::fuzz {

// The server's defaults (config::Config{}): what a listener lets through.
inline const config::Config& server_defaults() {
  static const config::Config c;
  return c;
}
// OTLP/HTTP, Zipkin and Jaeger HTTP bodies (after Content-Encoding, bounded the same).
inline size_t max_http_body() {
  return static_cast<size_t>(
      server_defaults().distributor.receivers.otlp.http.max_request_body_size);
}
// OTLP and Jaeger gRPC requests (the OTLP receiver's max_recv_msg_size_mib).
inline size_t max_grpc_message() {
  return static_cast<size_t>(
             server_defaults().distributor.receivers.otlp.grpc.max_recv_msg_size_mib)
         << 20;
}
// A Jaeger agent datagram: the receiver reads into a 64 KiB buffer.
inline constexpr size_t kMaxDatagram = 65536;

// Accepts every segment and stores nothing.
class DiscardPusher final : public ingester::Pusher {
 public:
  Status push(std::string_view, std::span<const model::TraceSegment> segments,
              ingester::Refused*) override {
    // Reading every byte lets ASan see a segment that points at freed or short memory.
    size_t sum = 0;
    for (const auto& s : segments) sum += s.bytes.size() + s.spans;
    sink_ += sum;
    return Status::ok();
  }

 private:
  size_t sink_ = 0;
};

// The distributor as the app builds it, without rate limits (a fuzzer sends millions of
// requests a minute; over a limit nothing would be decoded).
inline distributor::Distributor& distributor() {
  static DiscardPusher pusher;
  static distributor::Distributor d(pusher, distributor::DistributorLimits{0, 0});
  return d;
}

// The push a receiver makes after decoding (the request was admitted before).
inline void push(const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& req,
                 size_t request_bytes) {
  distributor::PushResult result;
  Status s = distributor().push(distributor::kSingleTenant, req, request_bytes, "fuzz", "fuzz",
                                &result, distributor::Charge::kAdmitted);
  (void)s;
}

// The push the OTLP protobuf receivers make after splitting the request on the wire.
inline void push(model::SplitResult split, size_t request_bytes) {
  distributor::PushResult result;
  Status s = distributor().push(distributor::kSingleTenant, std::move(split), request_bytes, "fuzz",
                                "fuzz", &result, distributor::Charge::kAdmitted);
  (void)s;
}

}  // namespace tempo::fuzz
