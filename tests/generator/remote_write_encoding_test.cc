// Remote write request bodies: decoded back with snappy and the prompb protos, field by field.

#include <snappy.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "generator/remote_write/sender.h"
#include "generator/remote_write/write_request.h"
#include "prometheus/remote.pb.h"

namespace tempo::generator::remote_write {
namespace {

std::vector<Sample> sample_set() {
  std::vector<Sample> s(3);
  s[0].labels = {{"__name__", "traces_spanmetrics_calls_total"},
                 {"service", "api"},
                 {"span_name", "GET /users"}};
  s[0].value = 42;
  s[0].timestamp_ms = 1764380000123;
  s[0].exemplars = {{{{"trace_id", "0af7651916cd43dd8448eb211c80319c"}}, 0.25, 1764380000100},
                    {{{"trace_id", "b7ad6b7169203331"}}, 1.5, 1764380000110}};
  s[1].labels = {
      {"__name__", "traces_spanmetrics_latency_bucket"}, {"le", "+Inf"}, {"service", "db"}};
  s[1].value = 7;
  s[1].timestamp_ms = 1764380000123;
  s[2].labels = {
      {"__name__", "traces_service_graph_request_total"}, {"client", "api"}, {"server", "db"}};
  s[2].value = -0.5;
  s[2].timestamp_ms = 1764380000456;
  return s;
}

prompb::WriteRequest decode(const Batch& b) {
  std::string raw;
  REQUIRE(snappy::Uncompress(b.body.data(), b.body.size(), &raw));
  prompb::WriteRequest req;
  REQUIRE(req.ParseFromString(raw));
  return req;
}

void check_series(const prompb::TimeSeries& ts, const Sample& want, bool exemplars) {
  REQUIRE(ts.labels_size() == static_cast<int>(want.labels.size()));
  for (size_t i = 0; i < want.labels.size(); ++i) {
    CHECK(ts.labels(static_cast<int>(i)).name() == want.labels[i].name);
    CHECK(ts.labels(static_cast<int>(i)).value() == want.labels[i].value);
  }
  REQUIRE(ts.samples_size() == 1);
  CHECK(ts.samples(0).value() == want.value);
  CHECK(ts.samples(0).timestamp() == want.timestamp_ms);
  if (!exemplars) {
    CHECK(ts.exemplars_size() == 0);
    return;
  }
  REQUIRE(ts.exemplars_size() == static_cast<int>(want.exemplars.size()));
  for (size_t i = 0; i < want.exemplars.size(); ++i) {
    const auto& e = ts.exemplars(static_cast<int>(i));
    const auto& w = want.exemplars[i];
    REQUIRE(e.labels_size() == static_cast<int>(w.labels.size()));
    CHECK(e.labels(0).name() == w.labels[0].name);
    CHECK(e.labels(0).value() == w.labels[0].value);
    CHECK(e.value() == w.value);
    CHECK(e.timestamp() == w.timestamp_ms);
  }
}

TEST_CASE("remote write bodies decode to the samples, labels and exemplars given") {
  const auto samples = sample_set();
  for (bool exemplars : {true, false}) {
    INFO("exemplars " << exemplars);
    auto batches = encode_batches(samples, exemplars);
    REQUIRE(batches.size() == 1);
    CHECK(batches[0].samples == 3);
    CHECK(batches[0].exemplars == (exemplars ? 2u : 0u));
    auto req = decode(batches[0]);
    REQUIRE(req.timeseries_size() == 3);
    for (int i = 0; i < 3; ++i) check_series(req.timeseries(i), samples[i], exemplars);
  }
}

TEST_CASE("remote write splits a collection into requests of max_samples_per_send, in order") {
  const auto samples = sample_set();
  auto batches = encode_batches(samples, true, 2);
  REQUIRE(batches.size() == 2);
  CHECK(batches[0].samples == 2);
  CHECK(batches[0].exemplars == 2);
  CHECK(batches[1].samples == 1);
  CHECK(batches[1].exemplars == 0);
  auto first = decode(batches[0]);
  auto second = decode(batches[1]);
  REQUIRE(first.timeseries_size() == 2);
  REQUIRE(second.timeseries_size() == 1);
  check_series(first.timeseries(0), samples[0], true);
  check_series(first.timeseries(1), samples[1], true);
  check_series(second.timeseries(0), samples[2], true);
  CHECK(encode_batches({}, true).empty());
}

TEST_CASE("remote write field numbers are Prometheus's") {
  // Hand-built wire bytes of WriteRequest{timeseries: [{labels: [{name: "a", value: "b"}],
  // samples: [{value: 1.0, timestamp: 5}], exemplars: [{value: 2.0, timestamp: 3}]}]}, with
  // prompb's numbers: WriteRequest.timeseries=1; TimeSeries labels=1 samples=2 exemplars=3;
  // Label name=1 value=2; Sample value=1 (double) timestamp=2; Exemplar value=2 timestamp=3.
  Sample s;
  s.labels = {{"a", "b"}};
  s.value = 1.0;
  s.timestamp_ms = 5;
  s.exemplars = {{{}, 2.0, 3}};
  auto batches = encode_batches(std::vector<Sample>{s}, true);
  REQUIRE(batches.size() == 1);
  std::string raw;
  REQUIRE(snappy::Uncompress(batches[0].body.data(), batches[0].body.size(), &raw));
  const std::string label =
      "\x0a\x01"
      "a"
      "\x12\x01"
      "b";
  const std::string sample = std::string("\x09\x00\x00\x00\x00\x00\x00\xf0\x3f", 9) + "\x10\x05";
  const std::string exemplar = std::string("\x11\x00\x00\x00\x00\x00\x00\x00\x40", 9) + "\x18\x03";
  std::string series = "\x0a" + std::string(1, static_cast<char>(label.size())) + label + "\x12" +
                       std::string(1, static_cast<char>(sample.size())) + sample + "\x1a" +
                       std::string(1, static_cast<char>(exemplar.size())) + exemplar;
  std::string want = "\x0a" + std::string(1, static_cast<char>(series.size())) + series;
  CHECK(raw == want);
}

TEST_CASE("remote write request headers carry the protocol, tenant and credentials") {
  SenderOptions o;
  o.tenant = "team-a";
  o.endpoint.headers = {{"X-Extra", "1"}};
  auto find = [](const server::HeaderList& h, const std::string& name) {
    std::vector<std::string> out;
    for (const auto& [k, v] : h) {
      if (k == name) out.push_back(v);
    }
    return out;
  };
  auto h = request_headers(o);
  CHECK(find(h, "Content-Encoding") == std::vector<std::string>{"snappy"});
  CHECK(find(h, "Content-Type") == std::vector<std::string>{"application/x-protobuf"});
  CHECK(find(h, "X-Prometheus-Remote-Write-Version") == std::vector<std::string>{"0.1.0"});
  CHECK(find(h, "X-Extra") == std::vector<std::string>{"1"});
  CHECK(find(h, "X-Scope-OrgID") == std::vector<std::string>{"team-a"});
  CHECK(find(h, "Authorization").empty());

  SECTION("a configured X-Scope-OrgID wins, in any spelling") {
    o.endpoint.headers = {{"x-scope-orgid", "fixed"}};
    h = request_headers(o);
    CHECK(find(h, "X-Scope-OrgID").empty());
    CHECK(find(h, "x-scope-orgid") == std::vector<std::string>{"fixed"});
  }
  SECTION("no X-Scope-OrgID for the single tenant or when turned off") {
    o.tenant = "single-tenant";
    CHECK(find(request_headers(o), "X-Scope-OrgID").empty());
    o.tenant = "team-a";
    o.add_org_id_header = false;
    CHECK(find(request_headers(o), "X-Scope-OrgID").empty());
  }
  SECTION("basic auth") {
    o.endpoint.basic_auth = true;
    o.endpoint.basic_auth_username = "user";
    o.endpoint.basic_auth_password = "pass";
    CHECK(find(request_headers(o), "Authorization") ==
          std::vector<std::string>{"Basic dXNlcjpwYXNz"});
  }
}

}  // namespace
}  // namespace tempo::generator::remote_write
