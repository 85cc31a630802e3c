#pragma once
// The service-graphs processor (Tempo's `service-graphs`): pairs the client and server halves
// of a request (CLIENT with SERVER, PRODUCER with CONSUMER) by trace ID and span ID within
// `wait`, holding at most `max_items` unpaired halves, and counts each pair in
// traces_service_graph_request_total / _request_failed_total with latency histograms
// _request_server_seconds / _request_client_seconds. A database call (db.name/db.system)
// pairs at once; a half left unpaired after `wait` becomes an edge to a virtual node (a
// root server span: client "user"; a client span with a peer attribute: that peer), or is
// counted in traces_service_graph_unpaired_spans_total. A half that finds the store full is
// counted in traces_service_graph_dropped_spans_total. See docs/metrics_generator.md.

#include <prometheus/counter.h>

#include <array>
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include "tempo/config/config.h"
#include "tempo/generator/processor.h"
#include "tempo/generator/registry.h"

namespace tempo::generator {

class ServiceGraphs : public Processor {
 public:
  ServiceGraphs(const config::ServiceGraphsConfig& cfg, Registry& registry);
  ~ServiceGraphs() override;

  void push(
      const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& req) override;
  // Expires halves older than `wait`: virtual-node edges or unpaired counts.
  void tick(int64_t now_ms) override;

  size_t pending() const { return edges_.size(); }
  uint64_t dropped() const { return dropped_; }
  uint64_t expired() const { return expired_; }

 private:
  enum class Connection { kUnknown, kMessaging, kDatabase, kVirtualNode };
  struct Edge {
    std::array<char, 24> key{};
    bool root = false;  // server half of a span without parent
    std::string trace_hex;
    std::string client, server, peer;
    Connection connection = Connection::kUnknown;
    double client_seconds = 0, server_seconds = 0;
    uint64_t client_end_ns = 0, server_start_ns = 0;
    bool failed = false;
    std::vector<std::string> client_dims, server_dims;  // per configured dimension
    std::string virtual_node;  // "client" | "server" with enable_virtual_node_label
    int64_t expires_ms = 0;
  };
  struct KeyHash {
    size_t operator()(const std::array<char, 24>& k) const;
  };

  void complete(Edge& e);
  void count(Family* f, const Edge& e);
  static const char* connection_name(Connection c);

  config::ServiceGraphsConfig cfg_;
  Registry& registry_;
  Family* total_ = nullptr;
  Family* failed_ = nullptr;
  Family* server_seconds_ = nullptr;
  Family* client_seconds_ = nullptr;
  Family* messaging_seconds_ = nullptr;
  Family* unpaired_ = nullptr;
  Family* dropped_spans_ = nullptr;
  std::list<Edge> order_;  // oldest first
  std::unordered_map<std::array<char, 24>, std::list<Edge>::iterator, KeyHash> edges_;
  std::vector<std::string_view> values_;
  uint64_t dropped_ = 0, expired_ = 0;
  prometheus::Counter* edges_counter_ = nullptr;
  prometheus::Counter* dropped_counter_ = nullptr;
  prometheus::Counter* expired_counter_ = nullptr;
};

}  // namespace tempo::generator
