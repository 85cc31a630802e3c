// Multi-tenancy: X-Scope-OrgID is required and tenants never see each other's traces.

#include <catch2/catch.hpp>
#include <filesystem>

#include "harness.h"

using namespace tempo;
using namespace tempo::e2e;

TEST_CASE("multitenancy: 401 without org id, isolation between tenants") {
  ServerOptions o;
  o.multitenancy = true;
  TempoServer s(o);
  s.start();
  std::string a = random_trace_hex(), b = random_trace_hex();
  auto ra = make_request({a}, 2, "tenant-a-svc");
  auto rb = make_request({b}, 2, "tenant-b-svc");

  auto st = s.export_grpc(ra);  // no tenant
  CHECK(st.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(st.error_message() == "no org id");
  CHECK(s.export_http(ra.SerializeAsString(), "application/x-protobuf").status == 401);

  REQUIRE(s.export_grpc(ra, "tenant-a").ok());
  REQUIRE(s.export_http(rb.SerializeAsString(), "application/x-protobuf",
                        {{"X-Scope-OrgID", "tenant-b"}})
              .status == 200);

  auto no_org = s.get("/api/traces/" + a);
  CHECK(no_org.status == 401);
  CHECK(no_org.body.find("no org id") != std::string::npos);

  auto own = s.get("/api/traces/" + a, {{"X-Scope-OrgID", "tenant-a"}});
  REQUIRE(own.status == 200);
  require_same_spans(ra, a, parse_v1_json(own.body));
  CHECK(s.get("/api/traces/" + a, {{"X-Scope-OrgID", "tenant-b"}}).status == 404);
  CHECK(s.get("/api/traces/" + b, {{"X-Scope-OrgID", "tenant-a"}}).status == 404);
  auto cross_v2 = s.get("/api/v2/traces/" + a, {{"X-Scope-OrgID", "tenant-b"}});
  CHECK(cross_v2.status == 200);
  CHECK(parse_v2_json(cross_v2.body).resource_spans_size() == 0);
  CHECK(s.get("/api/v2/traces/" + a).status == 401);
  auto other = s.get("/api/traces/" + b, {{"X-Scope-OrgID", "tenant-b"}});
  REQUIRE(other.status == 200);
  require_same_spans(rb, b, parse_v1_json(other.body));

  // Blocks are per tenant, and isolation holds for them too.
  REQUIRE(s.post("/flush").status == 204);
  CHECK(std::filesystem::exists(s.blocks_dir() + "/tenant-a"));
  CHECK(std::filesystem::exists(s.blocks_dir() + "/tenant-b"));
  CHECK(s.get("/api/traces/" + a, {{"X-Scope-OrgID", "tenant-b"}}).status == 404);
  auto own_block = s.get("/api/traces/" + a, {{"X-Scope-OrgID", "tenant-a"}});
  REQUIRE(own_block.status == 200);
  require_same_spans(ra, a, parse_v1_json(own_block.body));
  CHECK(s.get("/api/traces/" + b, {{"X-Scope-OrgID", "tenant-a"}}).status == 404);

  // A tenant name that is not a safe path segment is refused, not used as a directory.
  CHECK(s.export_grpc(ra, "../evil").error_code() == grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("without multitenancy every span belongs to single-tenant, header ignored") {
  TempoServer s;
  s.start();
  std::string id = random_trace_hex();
  REQUIRE(s.export_grpc(make_request({id}, 1), "someone").ok());
  CHECK(s.get("/api/traces/" + id).status == 200);
  CHECK(s.get("/api/traces/" + id, {{"X-Scope-OrgID", "other"}}).status == 200);
}

TEST_CASE("OTLP gRPC on its own port when the server gRPC port differs") {
  ServerOptions o;
  o.shared_grpc_port = false;
  TempoServer s(o);
  s.start();
  std::string id = random_trace_hex();
  auto req = make_request({id}, 2);
  REQUIRE(s.export_grpc(req).ok());
  require_same_spans(req, id, parse_v1_json(s.get("/api/traces/" + id).body));
}
