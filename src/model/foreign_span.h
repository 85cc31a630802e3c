#pragma once
// The common shape Zipkin and Jaeger spans are decoded into before they become OTLP, so the
// rules for turning another tracer's model into OTLP live in one place (foreign_span.cc):
// resource grouping, and the tags those models use to carry OTLP fields they lack
// (span.kind, error, otel.status_code, otel.scope.name, w3c.tracestate, ...).
//
// Strings are views into the decoded request, which must outlive the assembler's use.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/util/status.h"

namespace tempo::model {

struct ForeignTag {
  enum class Type { kString, kBool, kInt, kDouble, kBytes };
  std::string_view key;
  Type type = Type::kString;
  std::string_view str;  // kString and kBytes
  bool b = false;
  int64_t i = 0;
  double d = 0;

  static ForeignTag string(std::string_view k, std::string_view v) {
    ForeignTag t;
    t.key = k;
    t.str = v;
    return t;
  }
};

struct ForeignEvent {
  uint64_t time_unix_nano = 0;
  std::string_view name;
  std::vector<ForeignTag> attributes;
};

struct ForeignLink {
  std::string trace_id;  // 16 raw bytes
  std::string span_id;   // 8 raw bytes
};

struct ForeignSpan {
  std::string trace_id;        // 16 raw bytes (64-bit IDs left-padded with zeros)
  std::string span_id;         // 8 raw bytes
  std::string parent_span_id;  // 8 raw bytes, or empty for a root span
  std::string_view name;
  // OTLP SpanKind number; a "span.kind" tag overrides it when this is 0 (unspecified).
  int kind = 0;
  uint64_t start_unix_nano = 0;
  uint64_t end_unix_nano = 0;
  std::vector<ForeignTag> tags;
  std::vector<ForeignEvent> events;
  std::vector<ForeignLink> links;
};

struct ForeignResource {
  std::string_view service_name;
  std::vector<ForeignTag> tags;
};

// Builds an ExportTraceServiceRequest from foreign spans: one ResourceSpans per resource
// (consecutive spans of an equal resource share it), one ScopeSpans per instrumentation scope
// within it.
class OtlpAssembler {
 public:
  explicit OtlpAssembler(opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* out)
      : out_(out) {}

  // Starts a new resource; spans added next belong to it.
  void begin_resource(const ForeignResource& resource);
  // Switches to the resource of this service name, starting it the first time (Zipkin's
  // endpoints: a resource is just a service name).
  void use_service(std::string_view service_name);
  void add(const ForeignSpan& span);

 private:
  opentelemetry::proto::trace::v1::ResourceSpans* resource_ = nullptr;
  std::unordered_map<std::string, opentelemetry::proto::trace::v1::ResourceSpans*> by_service_;
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* out_;
};

// Runs `build` to fill *out from scratch, in place (so *out may live on an arena); when it
// fails, *out is left empty, so a rejected request never half-converts.
template <typename Build>
Status build_in_place(opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* out,
                      Build&& build) {
  out->Clear();
  Status s = build();
  if (!s.is_ok()) out->Clear();
  return s;
}

// The largest microsecond time whose nanoseconds fit a signed 64-bit integer (year 2262).
// OTLP times are uint64, but Tempo and most consumers read them as int64 nanoseconds; a time
// past this is a client bug, and storing it wrapped would give its block a time range no
// query or retention pass can handle.
inline constexpr uint64_t kMaxMicros = INT64_MAX / 1000;

// Microseconds (Zipkin, Jaeger Thrift) to nanoseconds. kInvalidArgument naming `what` when
// out of range.
Status micros_to_nanos(uint64_t micros, std::string_view what, uint64_t* nanos);
// Sets the span's start and end from a microsecond timestamp and duration. kInvalidArgument
// naming the field when either end is out of range.
Status set_times_from_micros(uint64_t timestamp, uint64_t duration, ForeignSpan* span);

// Big-endian bytes of a 64-bit ID (Jaeger's thrift IDs are i64).
std::string id_bytes(uint64_t id);

// A binary ID of 1 to `bytes` bytes, left-padded with zeros to exactly `bytes` (64-bit trace
// IDs become 128-bit ones). kInvalidArgument naming `what` when empty, too long or all zeros.
Status padded_id(std::string_view raw, size_t bytes, std::string_view what, std::string* out);

}  // namespace tempo::model
