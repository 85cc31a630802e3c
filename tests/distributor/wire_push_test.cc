// The distributor's push of a request split on the wire (what the OTLP protobuf receivers
// use): it must store and report exactly what the push of the decoded request does.

#include <catch2/catch.hpp>

#include "tempo/distributor/distributor.h"

using namespace tempo;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

namespace {

struct RecordingPusher : ingester::Pusher {
  Status push(std::string_view tenant, std::span<const model::TraceSegment> segments,
              ingester::Refused*) override {
    tenants.emplace_back(tenant);
    for (const auto& s : segments) stored.push_back(s);
    return Status::ok();
  }
  std::vector<std::string> tenants;
  std::vector<model::TraceSegment> stored;
};

ExportTraceServiceRequest request() {
  ExportTraceServiceRequest req;
  auto* rs = req.add_resource_spans();
  auto* attr = rs->mutable_resource()->add_attributes();
  attr->set_key("service.name");
  attr->mutable_value()->set_string_value("api");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("lib");
  for (int i = 0; i < 5; ++i) {
    auto* s = ss->add_spans();
    s->set_name("op" + std::to_string(i));
    s->set_trace_id(std::string(16, static_cast<char>(1 + i % 2)));  // two traces
    s->set_span_id(std::string(8, static_cast<char>(10 + i)));
    s->set_start_time_unix_nano(1000 + i);
    s->set_end_time_unix_nano(2000 + i);
  }
  auto* bad = ss->add_spans();
  bad->set_trace_id(std::string(16, '\x05'));
  bad->set_span_id("abc");  // 3 bytes: rejected
  return req;
}

}  // namespace

TEST_CASE("distributor: a wire-split push stores and reports what a decoded push does") {
  const auto req = request();
  const std::string bytes = req.SerializeAsString();

  RecordingPusher decoded_pusher, wire_pusher;
  distributor::Distributor decoded(decoded_pusher), wire(wire_pusher);
  distributor::PushResult decoded_out, wire_out;
  REQUIRE(decoded.push("acme", req, bytes.size(), "otlp", "grpc", &decoded_out).is_ok());
  model::SplitResult split;
  REQUIRE(model::split_by_trace_wire(bytes, &split).is_ok());
  REQUIRE(wire.push("acme", std::move(split), bytes.size(), "otlp", "grpc", &wire_out).is_ok());

  CHECK(wire_out.accepted_spans == 5);
  CHECK(wire_out.rejected_spans == 1);
  CHECK(wire_out.rejection == "span ids must be 64 bit and not all zero, received 24 bits");
  CHECK(wire_out.rejection == decoded_out.rejection);
  CHECK(wire_pusher.tenants == std::vector<std::string>{"acme"});
  REQUIRE(wire_pusher.stored.size() == 2);
  REQUIRE(decoded_pusher.stored.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    INFO("segment " << i);
    CHECK(wire_pusher.stored[i].id.hex() == decoded_pusher.stored[i].id.hex());
    CHECK(wire_pusher.stored[i].spans == decoded_pusher.stored[i].spans);
    CHECK(wire_pusher.stored[i].bytes == decoded_pusher.stored[i].bytes);
  }
  CHECK(wire_pusher.stored[0].spans == 3);
  CHECK(wire_pusher.stored[0].start_unix_nano == 1000);
  CHECK(wire_pusher.stored[0].end_unix_nano == 2004);
}

TEST_CASE("distributor: a wire-split push is charged to the rate limit and refused over it") {
  RecordingPusher pusher;
  distributor::Distributor d(pusher, distributor::DistributorLimits{1, 1});
  const std::string bytes = request().SerializeAsString();
  model::SplitResult split;
  REQUIRE(model::split_by_trace_wire(bytes, &split).is_ok());
  distributor::PushResult out;
  Status s = d.push("acme", std::move(split), bytes.size(), "otlp", "grpc", &out);
  CHECK(s.is(Status::Code::kResourceExhausted));
  CHECK(pusher.stored.empty());
}

TEST_CASE("distributor: a wire-split push with only invalid spans fails with the reason") {
  ExportTraceServiceRequest req;
  auto* s = req.add_resource_spans()->add_scope_spans()->add_spans();
  s->set_trace_id(std::string(8, '\x01'));
  s->set_span_id(std::string(8, '\x01'));
  RecordingPusher pusher;
  distributor::Distributor d(pusher);
  model::SplitResult split;
  REQUIRE(model::split_by_trace_wire(req.SerializeAsString(), &split).is_ok());
  distributor::PushResult out;
  Status st =
      d.push("acme", std::move(split), 40, "otlp", "http", &out, distributor::Charge::kAdmitted);
  CHECK(st.is(Status::Code::kInvalidArgument));
  CHECK(st.message() == "trace ids must be 128 bit, received 64 bits");
  CHECK(out.rejected_spans == 1);
  CHECK(pusher.stored.empty());
}
