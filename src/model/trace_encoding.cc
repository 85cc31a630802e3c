#include "tempo/model/trace_encoding.h"

#include <google/protobuf/util/json_util.h>

#include "tempopb/tempo.pb.h"

namespace tempo::model {
namespace {

std::string to_json(const google::protobuf::Message& msg) {
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;  // defaults: zero values omitted
  (void)google::protobuf::util::MessageToJsonString(msg, &out, opts);
  return out;
}

tempopb::TraceByIDResponse v2_response(const TracesData* trace, uint64_t inspected_bytes,
                                       std::string_view partial_message) {
  tempopb::TraceByIDResponse res;
  auto* t = res.mutable_trace();
  if (trace) t->mutable_resource_spans()->CopyFrom(trace->resource_spans());
  res.mutable_metrics()->set_inspected_bytes(inspected_bytes);
  if (!partial_message.empty()) {
    res.set_status(tempopb::PARTIAL);
    res.set_message(std::string(partial_message));
  }
  return res;
}

}  // namespace

std::string to_v1_json(const TracesData& trace) {
  tempopb::Trace t;
  t.mutable_batches()->CopyFrom(trace.resource_spans());
  return to_json(t);
}

std::string to_v1_proto(const TracesData& trace) {
  // tempopb.Trace and TracesData share their wire format (field 1, repeated ResourceSpans).
  return trace.SerializeAsString();
}

std::string to_v2_json(const TracesData* trace, uint64_t inspected_bytes,
                       std::string_view partial_message) {
  return to_json(v2_response(trace, inspected_bytes, partial_message));
}

std::string to_v2_proto(const TracesData* trace, uint64_t inspected_bytes,
                        std::string_view partial_message) {
  return v2_response(trace, inspected_bytes, partial_message).SerializeAsString();
}

}  // namespace tempo::model
