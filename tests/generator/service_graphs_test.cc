#include "tempo/generator/service_graphs.h"

#include <catch2/catch.hpp>

#include "generator/generator_testing.h"

using namespace tempo;
using namespace tempo::generator;
using namespace tempo::generator::testing;
using namespace std::chrono_literals;

namespace {

constexpr uint64_t kMs = 1000000ULL;

struct Fixture {
  explicit Fixture(config::ServiceGraphsConfig c = {})
      : cfg(std::move(c)), reg(options()), sg(cfg, reg) {}
  static RegistryOptions options() {
    RegistryOptions o;
    o.tenant = "servicegraphs-test";
    return o;
  }
  void push(const ExportTraceServiceRequest& req, int64_t now_ms) {
    reg.set_now(now_ms);
    sg.push(req);
  }
  std::map<std::string, double> collect(int64_t now_ms) {
    std::vector<Sample> out;
    reg.collect(now_ms, &out);
    return values(out);
  }
  config::ServiceGraphsConfig cfg;
  Registry reg;
  ServiceGraphs sg;
};

ExportTraceServiceRequest client_call(const std::string& client, uint8_t trace, uint8_t span,
                                      uint64_t start_ms, uint64_t end_ms, const Attrs& attrs = {},
                                      Span::SpanKind kind = Span::SPAN_KIND_CLIENT) {
  ExportTraceServiceRequest req;
  add_span(&req, {{"service.name", client}}, "call", kind, start_ms * kMs, end_ms * kMs,
           trace_id(trace), span_id(span), span_id(0x70), attrs);
  return req;
}

ExportTraceServiceRequest server_call(const std::string& server, uint8_t trace, uint8_t parent,
                                      uint64_t start_ms, uint64_t end_ms, bool error = false,
                                      Span::SpanKind kind = Span::SPAN_KIND_SERVER,
                                      const Attrs& attrs = {}) {
  ExportTraceServiceRequest req;
  auto* s = add_span(&req, {{"service.name", server}}, "handle", kind, start_ms * kMs, end_ms * kMs,
                     trace_id(trace), span_id(0x40 + parent),
                     parent ? span_id(parent) : std::string(), attrs);
  if (error)
    s->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  return req;
}

}  // namespace

TEST_CASE("service graphs: a client and a server span pair into one edge with both latencies") {
  Fixture f;
  f.push(client_call("frontend", 1, 1, 0, 2000), 100);
  CHECK(f.sg.pending() == 1);
  f.push(server_call("backend", 1, 1, 500, 1500, /*error=*/true), 200);
  CHECK(f.sg.pending() == 0);
  auto got = f.collect(1000);
  const std::string e = "client=\"frontend\",server=\"backend\"";
  CHECK(got.at("traces_service_graph_request_total{" + e + "}") == 1);
  CHECK(got.at("traces_service_graph_request_failed_total{" + e + "}") == 1);
  // Tempo's default buckets 0.1 * 2^i, i < 8: the server took 1s, the client 2s.
  const std::vector<std::tuple<std::string, double, double>> buckets = {
      {"0.1", 0, 0}, {"0.2", 0, 0}, {"0.4", 0, 0},  {"0.8", 0, 0}, {"1.6", 1, 0},
      {"3.2", 1, 1}, {"6.4", 1, 1}, {"12.8", 1, 1}, {"+Inf", 1, 1}};
  for (const auto& [le, server, client] : buckets) {
    INFO(le);
    // le sorts between client and server
    const std::string labels = "{client=\"frontend\",le=\"" + le + "\",server=\"backend\"}";
    CHECK(got.at("traces_service_graph_request_server_seconds_bucket" + labels) == server);
    CHECK(got.at("traces_service_graph_request_client_seconds_bucket" + labels) == client);
  }
  CHECK(got.at("traces_service_graph_request_server_seconds_sum{" + e + "}") == 1);
  CHECK(got.at("traces_service_graph_request_client_seconds_sum{" + e + "}") == 2);
  CHECK(got.at("traces_service_graph_request_server_seconds_count{" + e + "}") == 1);
  CHECK(got.size() == 2 + 2 * (9 + 2));
}

TEST_CASE("service graphs: the server half may come first, and a successful call is not failed") {
  Fixture f;
  f.push(server_call("backend", 2, 5, 10, 20), 0);
  f.push(client_call("frontend", 2, 5, 0, 30), 0);
  auto got = f.collect(10);
  CHECK(with_prefix(got, "traces_service_graph_request_total") ==
        std::map<std::string, double>{
            {"traces_service_graph_request_total{client=\"frontend\",server=\"backend\"}", 1}});
  CHECK(with_prefix(got, "traces_service_graph_request_failed_total").empty());
}

TEST_CASE("service graphs: producer and consumer pair as messaging_system") {
  config::ServiceGraphsConfig c;
  c.enable_messaging_system_latency_histogram = true;
  c.histogram_buckets = {1};
  Fixture f(c);
  f.push(client_call("orders", 3, 1, 0, 100, {}, Span::SPAN_KIND_PRODUCER), 0);
  f.push(server_call("billing", 3, 1, 600, 700, false, Span::SPAN_KIND_CONSUMER), 0);
  auto got = f.collect(10);
  const std::string e = "client=\"orders\",connection_type=\"messaging_system\",server=\"billing\"";
  CHECK(got.at("traces_service_graph_request_total{" + e + "}") == 1);
  // Time in the queue: from the producer's end to the consumer's start.
  CHECK(got.at("traces_service_graph_request_messaging_system_seconds_sum{" + e + "}") ==
        Approx(0.5));
}

TEST_CASE("service graphs: a database call is an edge at once, named by peer.service or db.name") {
  Fixture f;
  f.push(client_call("api", 4, 1, 0, 50, {{"db.system", "postgresql"}, {"db.name", "users"}}), 0);
  f.push(client_call("api", 4, 2, 0, 50, {{"db.name", "orders"}, {"peer.service", "pg-main"}}), 0);
  f.push(client_call("api", 4, 3, 0, 50,
                     {{"db.system", "redis"},
                      {"network.peer.address", "10.0.0.1"},
                      {"network.peer.port", "6379"}}),
         0);
  CHECK(f.sg.pending() == 0);
  auto got = with_prefix(f.collect(10), "traces_service_graph_request_total");
  CHECK(got ==
        std::map<std::string, double>{
            {"traces_service_graph_request_total{client=\"api\",connection_type=\"database\","
             "server=\"10.0.0.1:6379\"}",
             1},
            {"traces_service_graph_request_total{client=\"api\",connection_type=\"database\","
             "server=\"pg-main\"}",
             1},
            {"traces_service_graph_request_total{client=\"api\",connection_type=\"database\","
             "server=\"users\"}",
             1}});
}

TEST_CASE(
    "service graphs: halves unpaired after wait become virtual-node edges or unpaired counts") {
  config::ServiceGraphsConfig c;
  c.wait = 10s;
  c.enable_virtual_node_label = true;
  Fixture f(c);
  f.push(client_call("web", 5, 1, 0, 10, {{"peer.service", "stripe"}}), 1000);  // external peer
  f.push(client_call("web", 5, 2, 0, 10), 1000);                                // no peer
  f.push(server_call("edge", 5, 0, 0, 10), 2000);                               // a root span
  f.push(server_call("backend", 5, 9, 0, 10), 2000);                            // parent never came
  f.sg.tick(10999);  // the first two are 1ms short of `wait`
  CHECK(f.sg.pending() == 4);
  CHECK(f.collect(10999).empty());
  f.sg.tick(11000);
  CHECK(f.sg.pending() == 2);
  f.sg.tick(12000);
  CHECK(f.sg.pending() == 0);
  CHECK(f.sg.expired() == 4);
  auto got = f.collect(12000);
  CHECK(with_prefix(got, "traces_service_graph_request_total") ==
        std::map<std::string, double>{
            {"traces_service_graph_request_total{client=\"user\",connection_type=\"virtual_node\","
             "server=\"edge\",virtual_node=\"client\"}",
             1},
            {"traces_service_graph_request_total{client=\"web\",connection_type=\"virtual_node\","
             "server=\"stripe\",virtual_node=\"server\"}",
             1}});
  CHECK(with_prefix(got, "traces_service_graph_unpaired_spans_total") ==
        std::map<std::string, double>{
            {"traces_service_graph_unpaired_spans_total{client=\"web\"}", 1},
            {"traces_service_graph_unpaired_spans_total{server=\"backend\"}", 1}});
}

TEST_CASE("service graphs: beyond max_items a new half is dropped and counted") {
  config::ServiceGraphsConfig c;
  c.max_items = 2;
  Fixture f(c);
  f.push(client_call("a", 6, 1, 0, 10), 0);
  f.push(client_call("a", 6, 2, 0, 10), 0);
  f.push(client_call("a", 6, 3, 0, 10), 0);  // store full
  f.push(server_call("b", 6, 1, 0, 5), 0);   // pairs with a waiting half: still accepted
  CHECK(f.sg.dropped() == 1);
  CHECK(f.sg.pending() == 1);
  auto got = f.collect(10);
  CHECK(
      with_prefix(got, "traces_service_graph_dropped_spans_total") ==
      std::map<std::string, double>{{"traces_service_graph_dropped_spans_total{client=\"a\"}", 1}});
  CHECK(got.at("traces_service_graph_request_total{client=\"a\",server=\"b\"}") == 1);
}

TEST_CASE("service graphs: dimensions, with and without the client_/server_ prefix") {
  config::ServiceGraphsConfig c;
  c.dimensions = {"cloud.region"};
  c.histogram_buckets = {1};
  {
    Fixture f(c);
    f.push(client_call("a", 7, 1, 0, 10, {{"cloud.region", "eu"}}), 0);
    f.push(server_call("b", 7, 1, 0, 5, false, Span::SPAN_KIND_SERVER, {{"cloud.region", "us"}}),
           0);
    CHECK(with_prefix(f.collect(10), "traces_service_graph_request_total") ==
          std::map<std::string, double>{
              {"traces_service_graph_request_total{client=\"a\",cloud_region=\"eu\",server=\"b\"}",
               1}});
  }
  c.enable_client_server_prefix = true;
  Fixture f(c);
  f.push(client_call("a", 7, 1, 0, 10, {{"cloud.region", "eu"}}), 0);
  f.push(server_call("b", 7, 1, 0, 5, false, Span::SPAN_KIND_SERVER, {{"cloud.region", "us"}}), 0);
  CHECK(with_prefix(f.collect(10), "traces_service_graph_request_total") ==
        std::map<std::string, double>{
            {"traces_service_graph_request_total{client=\"a\",client_cloud_region=\"eu\","
             "server=\"b\",server_cloud_region=\"us\"}",
             1}});
}

TEST_CASE("service graphs: internal spans and spans of other traces do not pair") {
  Fixture f;
  f.push(client_call("a", 8, 1, 0, 10), 0);
  f.push(server_call("b", 9, 1, 0, 10), 0);  // other trace, same parent span ID
  ExportTraceServiceRequest internal;
  add_span(&internal, {{"service.name", "c"}}, "work", Span::SPAN_KIND_INTERNAL, 0, 1, trace_id(8),
           span_id(0x50), span_id(1));
  f.push(internal, 0);
  CHECK(f.sg.pending() == 2);
  CHECK(with_prefix(f.collect(10), "traces_service_graph_request_total").empty());
}
