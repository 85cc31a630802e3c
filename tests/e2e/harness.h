#pragma once
// Starts the real tempo binary on free loopback ports in a temp directory, and talks to it
// over OTLP gRPC and HTTP the way clients do.

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "tempo/server/http_client.h"
#include "testing/temp_dir.h"

namespace tempo::e2e {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::trace::v1::TracesData;

int free_port();

struct ServerOptions {
  bool multitenancy = false;
  std::string ingester_extra;  // extra YAML lines under `ingester:` (indented by 2)
  bool shared_grpc_port = true;  // server.grpc_listen_port == OTLP gRPC port
  // Per-tenant ingestion limits (overrides.defaults.ingestion); high by default so tests
  // that send fast are not throttled.
  int64_t rate_limit_bytes = 1000000000;
  int64_t burst_size_bytes = 1000000000;
};

class TempoServer {
 public:
  explicit TempoServer(ServerOptions options = {});
  ~TempoServer();  // kills the process if still running

  void start();             // spawns and waits for /ready (REQUIREs it)
  int stop();               // SIGTERM, waits, returns the exit code
  void kill9();             // SIGKILL, waits
  bool running() const { return pid_ > 0; }
  std::string log() const;  // the server's stderr so far

  int http_port() const { return http_port_; }
  int otlp_http_port() const { return otlp_http_port_; }
  int grpc_port() const { return grpc_port_; }
  const std::string& wal_dir() const { return wal_dir_; }
  const std::string& blocks_dir() const { return blocks_dir_; }

  // OTLP gRPC export; returns the gRPC status.
  grpc::Status export_grpc(const ExportTraceServiceRequest& req, const std::string& tenant = "",
                           bool gzip = false,
                           opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse*
                               response = nullptr);
  // POST /v1/traces.
  server::ClientResponse export_http(const std::string& body, const std::string& content_type,
                                     const server::HeaderList& headers = {});
  server::ClientResponse get(const std::string& target, const server::HeaderList& headers = {});

 private:
  ServerOptions options_;
  testing::TempDir dir_;
  std::string config_path_, log_path_, wal_dir_, blocks_dir_;
  int http_port_, otlp_http_port_, grpc_port_;
  pid_t pid_ = -1;
};

// A request with `spans_per_trace` spans for each trace ID, under one resource whose
// service.name is `service`. Span IDs are derived from the trace ID and index.
ExportTraceServiceRequest make_request(const std::vector<std::string>& trace_ids_hex,
                                       int spans_per_trace, const std::string& service = "svc");
std::string random_trace_hex();
std::string hex_to_bytes(const std::string& hex);

// Every span of `trace`, keyed by span ID bytes.
std::map<std::string, opentelemetry::proto::trace::v1::Span> spans_by_id(const TracesData& trace);
// REQUIREs that every span of `sent` for `trace_id_hex` is in `got`, equal field for field and
// under the same service name, and that `got` holds no other span.
void require_same_spans(const ExportTraceServiceRequest& sent, const std::string& trace_id_hex,
                        const TracesData& got);
// Parses a v1 JSON body ({"batches":[...]}) strictly into TracesData.
TracesData parse_v1_json(const std::string& body);
TracesData parse_v2_json(const std::string& body);

}  // namespace tempo::e2e
