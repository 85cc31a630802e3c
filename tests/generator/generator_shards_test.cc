// The generator's shards: traces routed by ID to several threads' processors, merged into one
// exact set of series per tenant at collection.

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "generator/generator_testing.h"
#include "tempo/generator/generator.h"

using namespace tempo;
using namespace tempo::generator;
using namespace tempo::generator::testing;

namespace {

// A 16-byte trace ID from a number, so traces spread over the shards.
std::string numbered_trace(uint32_t n) {
  std::string s(16, '\0');
  for (int i = 0; i < 4; ++i) s[static_cast<size_t>(12 + i)] = static_cast<char>(n >> (8 * i));
  s[0] = '\x7f';
  return s;
}
std::string numbered_span(uint32_t trace, uint8_t n) {
  std::string s(8, static_cast<char>(n));
  s[0] = static_cast<char>(trace);
  s[1] = static_cast<char>(trace >> 8);
  return s;
}

constexpr uint64_t kMs = 1000000;

// Trace `n`: web (root SERVER) -> CLIENT -> api SERVER -> CLIENT -> db (a database call).
// Every 4th call from web to api fails. Durations are binary fractions of a second, so sums
// are exact in any order. The client halves go in `first`, the server halves in `second`:
// halves of an edge arrive in different offers.
void add_trace(uint32_t n, ExportTraceServiceRequest* first, ExportTraceServiceRequest* second) {
  const std::string t = numbered_trace(n);
  const uint64_t ms = (n % 3 + 1) * 250;  // 250, 500 or 750 ms
  add_span(second, {{"service.name", "web"}}, "GET /", Span::SPAN_KIND_SERVER, 0, 4000 * kMs, t,
           numbered_span(n, 1));
  auto* call = add_span(first, {{"service.name", "web"}}, "call api", Span::SPAN_KIND_CLIENT, 0,
                        2 * ms * kMs, t, numbered_span(n, 2), numbered_span(n, 1));
  auto* served = add_span(second, {{"service.name", "api"}}, "handle", Span::SPAN_KIND_SERVER, 0,
                          ms * kMs, t, numbered_span(n, 3), numbered_span(n, 2));
  if (n % 4 == 0) {
    call->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
    served->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
    served->mutable_status()->set_message("boom");
  }
  add_span(first, {{"service.name", "api"}}, "SELECT", Span::SPAN_KIND_CLIENT, 0, 125 * kMs, t,
           numbered_span(n, 4), numbered_span(n, 3),
           {{"db.system", "postgresql"}, {"db.name", "orders"}});
}

using Collected = std::vector<std::tuple<std::string, int64_t, double>>;

// Every sample of every collection, in a canonical order, and the exemplar trace IDs.
Collected canonical(const std::vector<Sample>& samples, std::set<std::string>* exemplars) {
  Collected out;
  for (const auto& s : samples) {
    out.emplace_back(series_text(s), s.timestamp_ms, s.value);
    for (const auto& e : s.exemplars) exemplars->insert(e.labels.at(0).value);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// 40 traces in 4 rounds of offers (each offer mixing 10 traces, halves of an edge in different
// offers), collected after rounds 2 and 4 and after every unpaired root has expired.
std::vector<Sample> run_traces(int shards, size_t* used_shards) {
  GeneratorOptions o;
  o.default_processors = {"span-metrics", "service-graphs"};
  o.config.processing_threads = shards;
  o.instance = "gen";
  CaptureSink sink;
  Generator g(o, sink);
  *used_shards = g.shards();
  int64_t now = 1000000;
  for (uint32_t round = 0; round < 4; ++round) {
    ExportTraceServiceRequest first, second;
    for (uint32_t n = round * 10; n < round * 10 + 10; ++n) add_trace(n, &first, &second);
    g.offer_request("acme", first);
    g.offer_request("acme", second);
    now += 1000;
    g.run_once(now, /*collect=*/round % 2 == 1);
  }
  g.run_once(now + 20000, true);  // past `wait`: the web roots become user -> web
  CHECK(g.dropped_spans() == 0);
  return sink.by_tenant["acme"];
}

}  // namespace

TEST_CASE("generator shards: four shards collect exactly the series and values of one") {
  size_t one_shard = 0, four_shards = 0;
  const auto one = run_traces(1, &one_shard);
  const auto four = run_traces(4, &four_shards);
  CHECK(one_shard == 1);
  CHECK(four_shards == 4);
  std::set<std::string> one_ex, four_ex;
  const Collected a = canonical(one, &one_ex), b = canonical(four, &four_ex);
  REQUIRE(!a.empty());
  CHECK(a == b);
  // Exemplars: the same histograms carry one per collection, each naming one of the traces
  // offered. Which observation (and so which bucket) a histogram keeps may differ: the latest
  // update wins, and updates of one batch tie, broken by the order of the merge.
  CHECK(!four_ex.empty());
  for (const auto& e : four_ex) CHECK(e.rfind("7f", 0) == 0);
  auto with_exemplar = [](const std::vector<Sample>& samples) {
    std::multiset<std::pair<std::string, int64_t>> out;
    for (const auto& s : samples) {
      if (s.exemplars.empty()) continue;
      Sample no_le = s;
      std::erase_if(no_le.labels, [](const Label& l) { return l.name == "le"; });
      out.insert({series_text(no_le), s.timestamp_ms});
    }
    return out;
  };
  CHECK(with_exemplar(one) == with_exemplar(four));

  // And the values are the right ones, not just the same ones.
  auto got = values(four);
  const std::string edge = "client=\"web\",server=\"api\"";  // no connection_type: a plain call
  CHECK(got.at("traces_service_graph_request_total{" + edge + "}") == 40);
  CHECK(got.at("traces_service_graph_request_failed_total{" + edge + "}") == 10);
  CHECK(got.at("traces_service_graph_request_server_seconds_count{" + edge + "}") == 40);
  // 14 traces of 250ms, 13 of 500ms, 13 of 750ms at the server; twice that at the client.
  CHECK(got.at("traces_service_graph_request_server_seconds_sum{" + edge + "}") ==
        14 * 0.25 + 13 * 0.5 + 13 * 0.75);
  CHECK(got.at("traces_service_graph_request_client_seconds_sum{" + edge + "}") ==
        2 * (14 * 0.25 + 13 * 0.5 + 13 * 0.75));
  CHECK(got.at("traces_service_graph_request_total{client=\"api\",connection_type=\"database\","
               "server=\"orders\"}") == 40);
  CHECK(got.at("traces_service_graph_request_total{client=\"user\","
               "connection_type=\"virtual_node\",server=\"web\"}") == 40);
  CHECK(got.at("traces_spanmetrics_calls_total{service=\"api\",span_kind=\"SPAN_KIND_SERVER\","
               "span_name=\"handle\",status_code=\"STATUS_CODE_ERROR\"}") == 10);
  CHECK(got.at("traces_spanmetrics_calls_total{service=\"api\",span_kind=\"SPAN_KIND_SERVER\","
               "span_name=\"handle\",status_code=\"STATUS_CODE_UNSET\"}") == 30);
  CHECK(got.at("traces_spanmetrics_latency_count{service=\"web\",span_kind=\"SPAN_KIND_SERVER\","
               "span_name=\"GET /\",status_code=\"STATUS_CODE_UNSET\"}") == 40);
}

TEST_CASE("generator shards: offers from several threads lose nothing while collections run") {
  GeneratorOptions o;
  o.default_processors = {"span-metrics", "service-graphs"};
  o.config.processing_threads = 4;
  // Collections (merges) every few ms, racing the shards' processing.
  o.config.registry.collection_interval = std::chrono::milliseconds(3);
  o.queue_spans = 1u << 30;  // big enough for everything
  CaptureSink sink;
  Generator g(o, sink);
  REQUIRE(g.start().is_ok());
  constexpr uint32_t kThreads = 4, kRounds = 50, kTracesPerOffer = 5;
  std::vector<std::thread> offerers;
  for (uint32_t t = 0; t < kThreads; ++t) {
    offerers.emplace_back([&g, t] {
      for (uint32_t r = 0; r < kRounds; ++r) {
        // Client and server halves in one offer here: pairing needs no wait.
        ExportTraceServiceRequest req;
        for (uint32_t i = 0; i < kTracesPerOffer; ++i) {
          add_trace((t * kRounds + r) * kTracesPerOffer + i, &req, &req);
        }
        g.offer_request("acme", req);
      }
    });
  }
  for (auto& th : offerers) th.join();
  g.stop();
  CHECK(g.dropped_spans() == 0);
  const double traces = kThreads * kRounds * kTracesPerOffer;
  auto got = values(sink.by_tenant["acme"]);
  double calls = 0;
  for (const auto& [k, v] : with_prefix(got, "traces_spanmetrics_calls_total")) calls += v;
  CHECK(calls == 4 * traces);  // every span of every trace
  CHECK(got.at("traces_service_graph_request_total{client=\"web\",server=\"api\"}") == traces);
  CHECK(got.at("traces_service_graph_request_total{client=\"api\",connection_type=\"database\","
               "server=\"orders\"}") == traces);
}

TEST_CASE("generator shards: max_active_series holds for the tenant over all shards") {
  for (int shards : {1, 4}) {
    GeneratorOptions o;
    o.default_processors = {"span-metrics-count"};  // one series per distinct span name
    o.config.processing_threads = shards;
    o.max_active_series = 5;
    CaptureSink sink;
    Generator g(o, sink);
    ExportTraceServiceRequest req;
    for (uint32_t n = 0; n < 40; ++n) {
      add_span(&req, {{"service.name", "svc"}}, "op" + std::to_string(n % 20),
               Span::SPAN_KIND_INTERNAL, 0, kMs, numbered_trace(n), numbered_span(n, 1));
    }
    g.offer_request("acme", req);
    g.run_once(1000, true);
    auto got = with_prefix(values(sink.by_tenant["acme"]), "traces_spanmetrics_calls_total");
    INFO("shards=" << shards);
    CHECK(got.size() == 5);                        // not 5 per shard
    for (const auto& [k, v] : got) CHECK(v == 2);  // each name is in two traces: both counted
  }
}
