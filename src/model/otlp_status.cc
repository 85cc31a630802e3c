#include "tempo/model/otlp_status.h"

#include <google/protobuf/util/json_util.h>

#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace tempo::model {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (lower(s[i]) != prefix[i]) return false;
  return true;
}

std::string encode(const google::protobuf::Message& msg, OtlpEncoding enc) {
  std::string out;
  if (enc == OtlpEncoding::kJson) {
    (void)google::protobuf::util::MessageToJsonString(msg, &out);
  } else {
    msg.SerializeToString(&out);
  }
  return out;
}

}  // namespace

OtlpEncoding otlp_encoding_for(std::string_view content_type) {
  size_t i = 0;
  while (i < content_type.size() && (content_type[i] == ' ' || content_type[i] == '\t')) ++i;
  content_type.remove_prefix(i);
  constexpr std::string_view kJson = "application/json";
  if (starts_with_nocase(content_type, kJson)) {
    // Exactly the media type, or followed by parameters; not e.g. "application/jsonl".
    if (content_type.size() == kJson.size()) return OtlpEncoding::kJson;
    char next = content_type[kJson.size()];
    if (next == ';' || next == ' ' || next == '\t') return OtlpEncoding::kJson;
  }
  return OtlpEncoding::kProtobuf;
}

std::string_view otlp_content_type(OtlpEncoding enc) {
  return enc == OtlpEncoding::kJson ? "application/json" : "application/x-protobuf";
}

int grpc_code_for(const Status& status) {
  switch (status.code()) {
    case Status::Code::kOk:
      return 0;
    case Status::Code::kInvalidArgument:
      return 3;
    case Status::Code::kNotFound:
      return 5;
    case Status::Code::kResourceExhausted:
      return 8;
    case Status::Code::kUnavailable:
      return 14;
    case Status::Code::kUnauthenticated:
      return 16;
    case Status::Code::kCorruption:
    case Status::Code::kIOError:
    case Status::Code::kInternal:
      break;
  }
  return 13;
}

int http_status_for(const Status& status) {
  switch (status.code()) {
    case Status::Code::kOk:
      return 200;
    case Status::Code::kInvalidArgument:
      return 400;
    case Status::Code::kNotFound:
      return 404;
    case Status::Code::kResourceExhausted:
      return 429;
    case Status::Code::kUnavailable:
      return 503;
    case Status::Code::kUnauthenticated:
      return 401;
    case Status::Code::kCorruption:
    case Status::Code::kIOError:
    case Status::Code::kInternal:
      break;
  }
  return 500;
}

std::string otlp_error_body(int grpc_code, std::string_view message, OtlpEncoding enc) {
  google::rpc::Status st;
  st.set_code(grpc_code);
  st.set_message(std::string(message));
  return encode(st, enc);
}

std::string otlp_export_response_body(int64_t rejected_spans, std::string_view error_message,
                                      OtlpEncoding enc) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse res;
  if (rejected_spans != 0 || !error_message.empty()) {
    auto* ps = res.mutable_partial_success();
    ps->set_rejected_spans(rejected_spans);
    ps->set_error_message(std::string(error_message));
  } else if (enc == OtlpEncoding::kJson) {
    // The proto3 JSON mapping would print {} for an unset field; collectors send an empty
    // partialSuccess object, and some clients look for it.
    return R"({"partialSuccess":{}})";
  }
  return encode(res, enc);
}

}  // namespace tempo::model
