#include "tempo/generator/exposure.h"

#include <catch2/catch.hpp>

#include "tempo/generator/registry.h"

using namespace tempo;
using namespace tempo::generator;

TEST_CASE("exposure: the last collection per tenant in the text format, families grouped") {
  MetricsExposure e;
  for (const char* tenant : {"t2", "t1"}) {
    Registry r(RegistryOptions{});
    auto& c = r.counter("calls_total", {"svc"});
    auto& h = r.histogram("lat", {"svc"}, {0.5});
    const std::string_view v[] = {"a\"b"};
    c.inc(v, 2);
    h.observe(v, 0.25, "t");
    std::vector<Sample> out;
    r.collect(100, &out);  // a zero and a value per series: the scrape shows the value
    REQUIRE(e.append(tenant, out).is_ok());
  }
  const std::string want =
      "# TYPE calls_total counter\n"
      "calls_total{svc=\"a\\\"b\",tenant=\"t1\"} 2\n"
      "calls_total{svc=\"a\\\"b\",tenant=\"t2\"} 2\n"
      "# TYPE lat histogram\n"
      "lat_bucket{le=\"0.5\",svc=\"a\\\"b\",tenant=\"t1\"} 1\n"
      "lat_bucket{le=\"+Inf\",svc=\"a\\\"b\",tenant=\"t1\"} 1\n"
      "lat_sum{svc=\"a\\\"b\",tenant=\"t1\"} 0.25\n"
      "lat_count{svc=\"a\\\"b\",tenant=\"t1\"} 1\n"
      "lat_bucket{le=\"0.5\",svc=\"a\\\"b\",tenant=\"t2\"} 1\n"
      "lat_bucket{le=\"+Inf\",svc=\"a\\\"b\",tenant=\"t2\"} 1\n"
      "lat_sum{svc=\"a\\\"b\",tenant=\"t2\"} 0.25\n"
      "lat_count{svc=\"a\\\"b\",tenant=\"t2\"} 1\n";
  CHECK(e.text() == want);
  // A newer collection replaces the tenant's series: gone ones disappear.
  REQUIRE(e.append("t2", {}).is_ok());
  CHECK(e.text().find("tenant=\"t2\"") == std::string::npos);
  CHECK(e.text().find("tenant=\"t1\"") != std::string::npos);
}

TEST_CASE("exposure: a tenant label from inject_tenant_id_as is not doubled") {
  MetricsExposure e;
  Sample s;
  s.labels = {{"__name__", "x_total"}, {"tenant", "acme"}};
  s.value = 1;
  REQUIRE(e.append("acme", {s}).is_ok());
  CHECK(e.text() == "# TYPE x_total counter\nx_total{tenant=\"acme\"} 1\n");
}
