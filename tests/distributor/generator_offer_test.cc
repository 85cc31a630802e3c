// The distributor's second sink: what it offers the metrics generator, and when.

#include <algorithm>
#include <catch2/catch.hpp>

#include "tempo/distributor/distributor.h"

using namespace tempo;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

namespace {

struct FakePusher : ingester::Pusher {
  Status push(std::string_view, std::span<const model::TraceSegment> segments,
              ingester::Refused*) override {
    for (const auto& seg : segments) stored_at.push_back(seg.bytes.data());
    return result;
  }
  Status result = Status::ok();
  std::vector<const char*> stored_at;  // where each segment's bytes were when pushed
};

struct RecordingConsumer : generator::SpanConsumer {
  void offer(std::string_view tenant, std::vector<model::TraceSegment> segments) override {
    tenants.emplace_back(tenant);
    std::string all;
    for (const auto& seg : segments) {
      // Each segment is one trace's spans: what the generator routes to a shard by.
      ExportTraceServiceRequest one;
      REQUIRE(one.ParseFromString(seg.bytes));
      for (const auto& rs : one.resource_spans())
        for (const auto& ss : rs.scope_spans())
          for (const auto& s : ss.spans()) CHECK(s.trace_id() == std::string(seg.id.view()));
      all.append(seg.bytes);
      spans += seg.spans;
    }
    REQUIRE(last.ParseFromString(all));  // the segments concatenate into one request
    for (auto& seg : segments) {
      offered_at.push_back(seg.bytes.data());
      kept.push_back(std::move(seg.bytes));
    }
  }
  std::vector<std::string> tenants;
  std::vector<const char*> offered_at;  // where each segment's bytes were when offered
  std::vector<std::string> kept;        // the offered bytes, held as a queue would
  ExportTraceServiceRequest last;
  uint64_t spans = 0;
};

ExportTraceServiceRequest request() {
  ExportTraceServiceRequest req;
  auto* ss = req.add_resource_spans()->add_scope_spans();
  for (int i = 0; i < 3; ++i) {
    auto* s = ss->add_spans();
    s->set_name("op" + std::to_string(i));
    s->set_trace_id(std::string(16, static_cast<char>(1 + i % 2)));  // two traces
    s->set_span_id(std::string(8, static_cast<char>(10 + i)));
  }
  auto* bad = ss->add_spans();  // a span ID of 3 bytes: rejected
  bad->set_name("bad");
  bad->set_trace_id(std::string(16, '\x05'));
  bad->set_span_id("abc");
  return req;
}

// Pushes request() for tenant "acme" through a distributor storing into `pusher` and offering
// to `gen`.
distributor::PushResult push_request(FakePusher& pusher, RecordingConsumer& gen) {
  distributor::Distributor d(pusher, {}, &gen);
  distributor::PushResult out;
  auto req = request();
  REQUIRE(d.push("acme", req, req.ByteSizeLong(), "otlp", "grpc", &out).is_ok());
  return out;
}

}  // namespace

TEST_CASE("distributor: stored spans are offered to the generator, valid ones only") {
  FakePusher pusher;
  RecordingConsumer gen;
  const auto out = push_request(pusher, gen);
  CHECK(out.accepted_spans == 3);
  REQUIRE(gen.tenants == std::vector<std::string>{"acme"});
  CHECK(gen.spans == 3);
  std::vector<std::string> names;
  for (const auto& rs : gen.last.resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& s : ss.spans()) names.push_back(s.name());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"op0", "op1", "op2"});
}

TEST_CASE("distributor: the generator is handed the bytes the ingester stored, not a copy") {
  FakePusher pusher;
  RecordingConsumer gen;
  push_request(pusher, gen);
  REQUIRE(pusher.stored_at.size() == 2);  // two traces
  CHECK(gen.offered_at == pusher.stored_at);
  // Longer than an empty string's capacity (its inline buffer): the same address means the
  // same heap buffer moved along, which the generator keeps after the push returns.
  for (const auto& bytes : gen.kept) CHECK(bytes.size() > std::string().capacity());
}

TEST_CASE("distributor: nothing is offered when the ingester fails or no generator is set") {
  FakePusher pusher;
  pusher.result = Status::unavailable("disk full");
  RecordingConsumer gen;
  distributor::Distributor d(pusher, {}, &gen);
  distributor::PushResult out;
  auto req = request();
  CHECK_FALSE(d.push("acme", req, req.ByteSizeLong(), "otlp", "grpc", &out).is_ok());
  CHECK(gen.tenants.empty());
  FakePusher ok;
  distributor::Distributor without(ok);
  CHECK(without.push("acme", req, req.ByteSizeLong(), "otlp", "grpc", &out).is_ok());
}
