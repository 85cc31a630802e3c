#pragma once
// Pieces shared by the Zipkin v2 (zipkin.cc) and v1 (zipkin_v1.cc) decoders. Field errors are
// reported relative to the span; callers prefix which span.

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "model/foreign_span.h"
#include "tempo/util/status.h"

namespace tempo::model::zipkin_detail {

// A Zipkin endpoint as tags: localEndpoint gives net.host.*, remoteEndpoint peer.service and
// net.peer.*.
struct EndpointTags {
  std::string ip;  // owns the text of a binary (protobuf) address
  std::string_view service;
  int64_t port = 0;
};

// A hex ID of at most `bytes` bytes, left-padded with zeros to exactly `bytes`.
Status parse_hex_id(std::string_view text, std::string_view what, size_t bytes, std::string* out);
Status prefixed(const Status& s, std::string_view prefix);
bool member(const simdjson::dom::object& obj, std::string_view key, simdjson::dom::element* out);
Status json_string(const simdjson::dom::object& obj, std::string_view key, std::string_view* out,
                   bool required);
Status json_micros(const simdjson::dom::object& obj, std::string_view key, uint64_t* out);
// The fields v1 and v2 spans share: traceId, id, parentId (all-zero: none), name, and
// timestamp/duration in microseconds.
Status json_common_fields(const simdjson::dom::object& s, ForeignSpan* span, uint64_t* timestamp,
                          uint64_t* duration);
Status json_endpoint(const simdjson::dom::object& span, std::string_view key, EndpointTags* ep);
// Adds the endpoints as tags, then the span under the service's resource.
void emit(OtlpAssembler& out, std::string_view service, ForeignSpan& span,
          const EndpointTags& local, const EndpointTags& remote);

}  // namespace tempo::model::zipkin_detail
