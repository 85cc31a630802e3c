#pragma once
// Starts the real tempo binary on free loopback ports in a temp directory, and talks to it
// over OTLP gRPC and HTTP the way clients do.
//
// A TempoServer owns its process: the destructor SIGKILLs it if it is still running, and
// prints the server's stderr when the current test case has failed.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "tempo/server/http_client.h"
#include "testing/temp_dir.h"

namespace tempo::e2e {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;
using opentelemetry::proto::trace::v1::TracesData;

// True once any assertion of the running test case has failed (see failure_listener.cc).
bool current_test_failed();

struct ServerOptions {
  bool multitenancy = false;
  std::string ingester_extra;    // extra YAML lines under `ingester:` (indented by 2)
  bool shared_grpc_port = true;  // server.grpc_listen_port == OTLP gRPC port
  bool zipkin_jaeger = false;     // also run the Zipkin and every Jaeger receiver, on free ports
  // compactor.compaction.block_retention. Test spans are from 2023, so retention is off
  // unless a test asks for it.
  std::string block_retention = "0s";
  std::string blocklist_poll = "5m";  // storage.trace.blocklist_poll: the retention cadence
  // Extra YAML lines under compactor.compaction (indented by 4). Unless they set
  // compaction_cycle, it is 24h: tests that count blocks must not see them merged.
  std::string compaction_extra;
  // When set ("127.0.0.1:port" of an s3rver), blocks go to its bucket "tempo" instead of the
  // local backend, with s3rver's credentials passed through -config.expand-env.
  std::string s3_endpoint;
  // When set, the local backend's directory (storage.trace.local.path), so several servers
  // can share one; otherwise a directory of this server's own.
  std::string blocks_dir;
  // Per-tenant ingestion limits (overrides.defaults.ingestion); high by default so tests
  // that send fast are not throttled.
  int64_t rate_limit_bytes = 1000000000;
  int64_t burst_size_bytes = 1000000000;
  int64_t max_bytes_per_trace = 5000000;  // overrides.defaults.global.max_bytes_per_trace
  int64_t max_traces_per_user = 0;        // overrides.defaults.ingestion.max_traces_per_user
  bool stream_over_http = false;          // stream_over_http_enabled: gRPC also on the HTTP port
  std::string server_extra;  // extra YAML lines under `server:` (indented by 2)
  std::string overrides_extra = {};  // extra YAML lines under `overrides.defaults:` (indented by 4)
  std::string top_extra = {};  // extra top-level YAML blocks (e.g. "query_frontend:\n  ...")
  // Extra YAML lines under the OTLP receiver's grpc / http protocol (indented by 10).
  std::string otlp_grpc_extra = {}, otlp_http_extra = {};
  // True once the server answers as ready; replaces the plaintext GET /ready (a TLS API port
  // needs a TLS client).
  std::function<bool(int http_port)> ready_probe = nullptr;
};

class TempoServer {
 public:
  explicit TempoServer(ServerOptions options = {});
  ~TempoServer();
  TempoServer(const TempoServer&) = delete;
  TempoServer& operator=(const TempoServer&) = delete;

  // Spawns the binary and waits for GET /ready == 200 "ready" (REQUIREs it). Keeps the WAL
  // and block directories of any earlier run, so a second start() is a restart. When a port
  // was taken by someone else in the meantime, picks fresh ports and tries again.
  void start();
  // New compactor.compaction extra lines (ServerOptions::compaction_extra) for the next start().
  void set_compaction_extra(std::string yaml) {
    options_.compaction_extra = std::move(yaml);
    write_config();
  }
  int stop();    // SIGTERM, waits (bounded), returns the exit code (128+signal if killed)
  void kill9();  // SIGKILL, waits
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }  // of the running server, for /proc/<pid>/status
  std::string log() const;  // the server's stderr so far, over every run
  // The log once it contains `needle`, or as it stands after `timeout`. For lines written by
  // work that finishes asynchronously (a worker pool handles UDP datagrams in any order).
  std::string await_log(const std::string& needle,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  int http_port() const { return http_port_; }
  int otlp_http_port() const { return otlp_http_port_; }
  int grpc_port() const { return grpc_port_; }
  int server_grpc_port() const { return server_grpc_port_; }  // server.grpc_listen_port
  // With ServerOptions::zipkin_jaeger.
  int zipkin_port() const { return zipkin_port_; }
  int jaeger_grpc_port() const { return jaeger_grpc_port_; }
  int jaeger_http_port() const { return jaeger_http_port_; }
  int jaeger_compact_port() const { return jaeger_compact_port_; }  // UDP
  int jaeger_binary_port() const { return jaeger_binary_port_; }    // UDP
  const std::string& wal_dir() const { return wal_dir_; }
  const std::string& blocks_dir() const { return blocks_dir_; }

  // OTLP gRPC export; returns the gRPC status. Safe to call from several threads.
  grpc::Status export_grpc(const ExportTraceServiceRequest& req, const std::string& tenant = "",
                           bool gzip = false, ExportTraceServiceResponse* response = nullptr);
  // POST /v1/traces on the OTLP HTTP port; REQUIREs a transport success (any status is fine).
  server::ClientResponse export_http(const std::string& body, const std::string& content_type,
                                     const server::HeaderList& headers = {});
  // GET on the HTTP API port; REQUIREs a transport success.
  server::ClientResponse get(const std::string& target, const server::HeaderList& headers = {});
  // POST with an empty body on the HTTP API port (/flush, /shutdown); REQUIREs a transport
  // success.
  server::ClientResponse post(const std::string& target, const server::HeaderList& headers = {});

 private:
  void pick_ports();
  void write_config();

  ServerOptions options_;
  testing::TempDir dir_;
  std::string config_path_, log_path_, wal_dir_, blocks_dir_;
  int http_port_ = 0, otlp_http_port_ = 0, grpc_port_ = 0, server_grpc_port_ = 0;
  int zipkin_port_ = 0, jaeger_grpc_port_ = 0, jaeger_http_port_ = 0, jaeger_compact_port_ = 0,
      jaeger_binary_port_ = 0;
  pid_t pid_ = -1;
};

// A request with `spans_per_trace` spans for each trace ID, under one resource whose
// service.name is `service` (plus attributes of every other type) and one scope "e2e" 1.0.
// Span i of a trace has span ID = trace ID bytes [8,15) + byte (i+1); spans after the first
// are its children. Every span carries attributes of each AnyValue type, an event with
// attributes and a link; span 0 is SERVER with status OK (when there is more than one span),
// the last span has status ERROR "boom".
ExportTraceServiceRequest make_request(const std::vector<std::string>& trace_ids_hex,
                                       int spans_per_trace, const std::string& service = "svc");
// make_request of `traces` fresh trace IDs (written to *ids), each span carrying an attribute
// "padding" of `padding_bytes`: requests heavy enough to move many bytes in a few calls.
ExportTraceServiceRequest padded_request(int traces, int spans_per_trace, size_t padding_bytes,
                                         std::vector<std::string>* ids);
std::string random_trace_hex();

// Paths of the regular files under `dir` whose name is `name` (every file when empty). Safe
// while the server deletes files underneath: vanished entries are skipped, never thrown.
std::vector<std::string> files_under(const std::string& dir, const std::string& name = "");

// A size line of /proc/<pid>/status in KiB (VmRSS, VmHWM: the peak, RssAnon: heap and other
// anonymous memory), or -1 when the process or the line is missing.
long proc_status_kib(pid_t pid, const std::string& field);
// The value of one series on the server's own GET /metrics, given exactly as the exposition
// writes it (`name` or `name{a="x",b="y"}`, labels in name order); -1 when absent.
double metric_value(TempoServer& s, const std::string& series);

// Whether memory bounds read from /proc hold in this build. In the sanitizer build
// (scripts/sanitize.sh, TEMPO_SANITIZER_BUILD) they do not: ASan's shadow memory, redzones and
// its quarantine of freed blocks (256 MB by default) add to every figure. There a test skips
// its RSS checks, and says so (a Catch2 WARN); everything else in it still runs.
bool memory_bounds_apply();

// Runs the binary to completion with `args` (shell words); stdout and stderr together.
struct RunResult {
  int code = -1;
  std::string output;
};
RunResult run_tempo(const std::string& args);
std::string hex_to_bytes(const std::string& hex);
std::string bytes_to_hex(const std::string& bytes);

// The request as OTLP/JSON (what SDKs send): hex trace/span IDs, enums as integers.
std::string otlp_json(const ExportTraceServiceRequest& req);

// Every span of `trace`, keyed by span ID bytes.
std::map<std::string, opentelemetry::proto::trace::v1::Span> spans_by_id(const TracesData& trace);
// REQUIREs that every span of `sent` for `trace_id_hex` is in `got` exactly once, equal field
// for field, under an equal resource and scope, and that `got` holds no other span.
void require_same_spans(const ExportTraceServiceRequest& sent, const std::string& trace_id_hex,
                        const TracesData& got);
// Parses a v1 JSON body ({"batches":[...]}) strictly into TracesData, and checks it is
// encoded the way Tempo encodes it (base64 IDs, int64 as strings, enum names, no zero values).
TracesData parse_v1_json(const std::string& body);
// Same for a v2 body ({"trace":{"resourceSpans":[...]},"metrics":{...}}).
TracesData parse_v2_json(const std::string& body);

}  // namespace tempo::e2e
