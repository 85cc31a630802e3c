#include "tempo/model/otlp_status.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

using namespace tempo;
using model::OtlpEncoding;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;

TEST_CASE("OTLP encoding follows the request content type") {
  struct Case {
    std::string content_type;
    OtlpEncoding want;
  };
  const std::vector<Case> cases = {
      {"application/json", OtlpEncoding::kJson},
      {"application/json; charset=utf-8", OtlpEncoding::kJson},
      {"Application/JSON", OtlpEncoding::kJson},
      {" application/json", OtlpEncoding::kJson},
      {"application/x-protobuf", OtlpEncoding::kProtobuf},
      {"application/jsonl", OtlpEncoding::kProtobuf},
      {"", OtlpEncoding::kProtobuf},
  };
  for (const auto& c : cases) {
    INFO(c.content_type);
    CHECK(model::otlp_encoding_for(c.content_type) == c.want);
  }
  CHECK(model::otlp_content_type(OtlpEncoding::kJson) == "application/json");
  CHECK(model::otlp_content_type(OtlpEncoding::kProtobuf) == "application/x-protobuf");
}

TEST_CASE("Status maps to gRPC codes and HTTP statuses") {
  struct Case {
    Status status;
    int grpc, http;
  };
  const std::vector<Case> cases = {
      {Status::ok(), 0, 200},
      {Status::invalid_argument("x"), 3, 400},
      {Status::not_found("x"), 5, 404},
      {Status::resource_exhausted("x"), 8, 429},
      {Status::unavailable("x"), 14, 503},
      {Status::unauthenticated("x"), 16, 401},
      {Status::internal("x"), 13, 500},
      {Status::io_error("x"), 13, 500},
      {Status::corruption("x"), 13, 500},
  };
  for (const auto& c : cases) {
    INFO(c.status.to_string());
    CHECK(model::grpc_code_for(c.status) == c.grpc);
    CHECK(model::http_status_for(c.status) == c.http);
  }
}

TEST_CASE("OTLP error bodies are google.rpc.Status in the request's encoding") {
  const std::string msg = "trace ids must be 128 bit, received 0 bits";
  auto json = nlohmann::json::parse(model::otlp_error_body(3, msg, OtlpEncoding::kJson));
  CHECK(json == nlohmann::json{{"code", 3}, {"message", msg}});

  google::rpc::Status st;
  REQUIRE(st.ParseFromString(
      model::otlp_error_body(Status::resource_exhausted("rate limited"), OtlpEncoding::kProtobuf)));
  CHECK(st.code() == 8);
  CHECK(st.message() == "rate limited");
  CHECK(st.details_size() == 0);
}

TEST_CASE("OTLP export responses carry partial success only when spans were rejected") {
  CHECK(model::otlp_export_response_body(0, "", OtlpEncoding::kJson) == R"({"partialSuccess":{}})");
  CHECK(model::otlp_export_response_body(0, "", OtlpEncoding::kProtobuf).empty());

  auto json = nlohmann::json::parse(
      model::otlp_export_response_body(3, "span ids must be 64 bit", OtlpEncoding::kJson));
  CHECK(json["partialSuccess"]["rejectedSpans"] == "3");
  CHECK(json["partialSuccess"]["errorMessage"] == "span ids must be 64 bit");

  ExportTraceServiceResponse res;
  REQUIRE(res.ParseFromString(model::otlp_export_response_body(7, "bad", OtlpEncoding::kProtobuf)));
  REQUIRE(res.has_partial_success());
  CHECK(res.partial_success().rejected_spans() == 7);
  CHECK(res.partial_success().error_message() == "bad");
}
