#include "tempo/model/trace_encoding.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "model/testing.h"
#include "tempo/model/trace_combine.h"
#include "tempo/model/trace_split.h"
#include "tempopb/tempo.pb.h"

using namespace tempo;
using namespace tempo::model_testing;
using opentelemetry::proto::trace::v1::TracesData;

namespace {

TracesData sample_trace() {
  ExportTraceServiceRequest req;
  auto* sp = add_span(req, 0, bytes_of({0xab}, 16), 1, "GET /x");
  sp->set_kind(Span::SPAN_KIND_SERVER);
  sp->set_start_time_unix_nano(1700000000000000001ULL);
  sp->set_end_time_unix_nano(1700000000500000000ULL);
  sp->set_parent_span_id(bytes_of({0xff, 0xfe}, 8));
  sp->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  auto* attr = sp->add_attributes();
  attr->set_key("http.status_code");
  attr->mutable_value()->set_int_value(500);
  auto* ev = sp->add_events();
  ev->set_name("exception");
  ev->set_time_unix_nano(1700000000100000000ULL);
  auto* child = add_span(req, 0, bytes_of({0xab}, 16), 2, "db");
  child->set_kind(Span::SPAN_KIND_CLIENT);
  model::SplitResult r;
  REQUIRE(model::split_by_trace(req, &r).is_ok());
  TracesData td;
  REQUIRE(model::combine_segments(r.segments.at(0).bytes, &td).is_ok());
  return td;
}

}  // namespace

TEST_CASE("v1 JSON is the proto3 JSON mapping under batches") {
  const TracesData td = sample_trace();
  auto v1 = nlohmann::json::parse(model::to_v1_json(td));
  REQUIRE(v1.contains("batches"));
  CHECK_FALSE(v1.contains("resourceSpans"));
  const auto& batch = v1["batches"][0];
  CHECK(batch["resource"]["attributes"][0]["key"] == "service.name");
  CHECK(batch["resource"]["attributes"][0]["value"]["stringValue"] == "svc1");
  CHECK(batch["scopeSpans"][0]["scope"]["name"] == "lib");
  const auto& span = batch["scopeSpans"][0]["spans"][0];
  CHECK(span["traceId"] == "AAAAAAAAAAAAAAAAAAAAqw==");
  CHECK(span["spanId"] == "AAAAAAAAAAE=");
  CHECK(span["parentSpanId"] == "AAAAAAAA//4=");
  CHECK(span["name"] == "GET /x");
  CHECK(span["kind"] == "SPAN_KIND_SERVER");
  CHECK(span["startTimeUnixNano"] == "1700000000000000001");
  CHECK(span["endTimeUnixNano"] == "1700000000500000000");
  CHECK(span["status"]["code"] == "STATUS_CODE_ERROR");
  CHECK_FALSE(span["status"].contains("message"));
  CHECK(span["attributes"][0]["value"]["intValue"] == "500");
  CHECK(span["events"][0]["name"] == "exception");
  CHECK(span["events"][0]["timeUnixNano"] == "1700000000100000000");
  // Zero values are omitted.
  CHECK_FALSE(span.contains("droppedAttributesCount"));
  CHECK_FALSE(span.contains("traceState"));
  CHECK_FALSE(span.contains("flags"));
  const auto& child = batch["scopeSpans"][0]["spans"][1];
  CHECK(child["kind"] == "SPAN_KIND_CLIENT");
  CHECK_FALSE(child.contains("parentSpanId"));
  CHECK_FALSE(child.contains("status"));
  CHECK_FALSE(child.contains("events"));
}

TEST_CASE("v2 JSON wraps the trace and metrics, and marks partial traces") {
  const TracesData td = sample_trace();
  auto v2 = nlohmann::json::parse(model::to_v2_json(&td, 1234));
  CHECK(v2["trace"]["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["name"] == "GET /x");
  CHECK(v2["trace"]["resourceSpans"][0]["scopeSpans"][0]["spans"][1]["name"] == "db");
  CHECK(v2["metrics"]["inspectedBytes"] == "1234");
  CHECK_FALSE(v2.contains("status"));
  CHECK_FALSE(v2.contains("message"));

  auto partial = nlohmann::json::parse(model::to_v2_json(&td, 5, "trace too big"));
  CHECK(partial["status"] == "PARTIAL");
  CHECK(partial["message"] == "trace too big");

  CHECK(model::to_v2_json(nullptr, 0) == R"({"trace":{},"metrics":{}})");
  auto empty = nlohmann::json::parse(model::to_v2_json(nullptr, 77));
  CHECK(empty["trace"] == nlohmann::json::object());
  CHECK(empty["metrics"]["inspectedBytes"] == "77");
}

TEST_CASE("proto bodies parse as tempopb messages with the same spans") {
  const TracesData td = sample_trace();
  tempopb::Trace t1;
  REQUIRE(t1.ParseFromString(model::to_v1_proto(td)));
  REQUIRE(t1.batches_size() == 1);
  CHECK(t1.batches(0).scope_spans(0).spans(0).name() == "GET /x");
  CHECK(t1.batches(0).scope_spans(0).spans(1).name() == "db");

  tempopb::TraceByIDResponse t2;
  REQUIRE(t2.ParseFromString(model::to_v2_proto(&td, 99)));
  CHECK(t2.trace().resource_spans(0).scope_spans(0).spans(0).kind() == Span::SPAN_KIND_SERVER);
  CHECK(t2.trace().resource_spans(0).scope_spans(0).spans(0).start_time_unix_nano() ==
        1700000000000000001ULL);
  CHECK(t2.metrics().inspected_bytes() == 99);
  CHECK(t2.status() == tempopb::COMPLETE);

  tempopb::TraceByIDResponse partial;
  REQUIRE(partial.ParseFromString(model::to_v2_proto(nullptr, 1, "cut")));
  CHECK(partial.trace().resource_spans_size() == 0);
  CHECK(partial.status() == tempopb::PARTIAL);
  CHECK(partial.message() == "cut");
}
