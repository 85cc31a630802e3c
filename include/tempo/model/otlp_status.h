#pragma once
// OTLP/HTTP response bodies. The OTLP/HTTP spec answers in the encoding of the request: a
// protobuf request gets protobuf bodies, a JSON request gets JSON bodies. Errors are a
// google.rpc.Status; success is an ExportTraceServiceResponse.

#include <cstdint>
#include <string>
#include <string_view>

#include "tempo/util/status.h"

namespace tempo::model {

enum class OtlpEncoding { kProtobuf, kJson };

// The encoding a request body uses, from its Content-Type header value ("application/json",
// "application/json; charset=utf-8" -> kJson; anything else -> kProtobuf). Case-insensitive.
OtlpEncoding otlp_encoding_for(std::string_view content_type);

// The Content-Type header value for a body in `enc`.
std::string_view otlp_content_type(OtlpEncoding enc);

// gRPC status code number (google.rpc.Code) for a Status: kInvalidArgument -> 3, kNotFound -> 5,
// kResourceExhausted -> 8, kUnavailable -> 14, kUnauthenticated -> 16, kOk -> 0, else 13.
int grpc_code_for(const Status& status);

// HTTP status an OTLP/HTTP server answers with for a Status: 400, 404, 429, 503, 401, 200, 500.
int http_status_for(const Status& status);

// google.rpc.Status{code, message} serialized in `enc`; JSON is {"code":3,"message":"..."}.
std::string otlp_error_body(int grpc_code, std::string_view message, OtlpEncoding enc);
inline std::string otlp_error_body(const Status& status, OtlpEncoding enc) {
  return otlp_error_body(grpc_code_for(status), status.message(), enc);
}

// ExportTraceServiceResponse serialized in `enc`. With rejected_spans == 0 and no message the
// protobuf body is empty and the JSON body is {"partialSuccess":{}} (what the OpenTelemetry
// Collector's receiver sends); otherwise partial_success carries both (rejectedSpans is an
// int64, so a JSON string).
std::string otlp_export_response_body(int64_t rejected_spans, std::string_view error_message,
                                      OtlpEncoding enc);

}  // namespace tempo::model
