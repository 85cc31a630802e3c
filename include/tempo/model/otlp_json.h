#pragma once
// OTLP/JSON (as the OTLP specification defines it) to the protobuf request.

#include <string_view>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/util/status.h"

namespace tempo::model {

// Accepts lowerCamelCase or proto field names, trace/span IDs as hex strings (OTLP/JSON's
// rule, unlike the proto3 JSON mapping's base64), enums as integers or names, 64-bit integers
// as strings or numbers; ignores unknown fields. kInvalidArgument says what is wrong and where.
Status decode_otlp_json(std::string_view body,
                        opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* out);

}  // namespace tempo::model
