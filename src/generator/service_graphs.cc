#include "tempo/generator/service_graphs.h"

#include <algorithm>
#include <cstring>

#include "generator/attributes.h"
#include "tempo/observability/metrics.h"

namespace tempo::generator {
namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::trace::v1::Span;

constexpr std::string_view kVirtualNodeLabel = "virtual_node";

prometheus::Family<prometheus::Counter>& dropped_metric() {
  static auto& f =
      metrics::counter_family("tempo_metrics_generator_processor_service_graphs_dropped_spans",
                              "Number of spans dropped when trying to add edges");
  return f;
}
prometheus::Family<prometheus::Counter>& expired_metric() {
  static auto& f =
      metrics::counter_family("tempo_metrics_generator_processor_service_graphs_expired_edges",
                              "Number of edges that expired before finding its matching span");
  return f;
}
prometheus::Family<prometheus::Counter>& edges_metric() {
  static auto& f = metrics::counter_family("tempo_metrics_generator_processor_service_graphs_edges",
                                           "Total number of unique edges");
  return f;
}

bool all_zero(const std::string& s) {
  for (char c : s)
    if (c) return false;
  return true;
}

double seconds_between(uint64_t start, uint64_t end) {
  return start < end ? static_cast<double>(end - start) / 1e9 : 0.0;
}

}  // namespace

size_t ServiceGraphs::KeyHash::operator()(const std::array<char, 24>& k) const {
  // All 24 bytes, mixed: trace IDs are random in theory, but clients with counters or
  // timestamps in their IDs exist (and benchmarks have them).
  uint64_t w[3];
  std::memcpy(w, k.data(), 24);
  uint64_t h = 0x9E3779B97F4A7C15ULL;
  for (uint64_t x : w) {
    h ^= x;
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 31;
  }
  return static_cast<size_t>(h);
}

ServiceGraphs::ServiceGraphs(const config::ServiceGraphsConfig& cfg, Registry& registry)
    : cfg_(cfg), registry_(registry) {
  std::vector<std::string> labels = {"client", "server", "connection_type"};
  for (const auto& d : cfg_.dimensions) {
    if (cfg_.enable_client_server_prefix) {
      labels.push_back(sanitize_label_name("client_" + d));
      labels.push_back(sanitize_label_name("server_" + d));
    } else {
      labels.push_back(sanitize_label_name(d));
    }
  }
  if (cfg_.enable_virtual_node_label) labels.emplace_back(kVirtualNodeLabel);
  total_ = &registry.counter("traces_service_graph_request_total", labels);
  failed_ = &registry.counter("traces_service_graph_request_failed_total", labels);
  server_seconds_ = &registry.histogram("traces_service_graph_request_server_seconds", labels,
                                        cfg_.histogram_buckets);
  client_seconds_ = &registry.histogram("traces_service_graph_request_client_seconds", labels,
                                        cfg_.histogram_buckets);
  if (cfg_.enable_messaging_system_latency_histogram) {
    messaging_seconds_ = &registry.histogram(
        "traces_service_graph_request_messaging_system_seconds", labels, cfg_.histogram_buckets);
  }
  const std::vector<std::string> half = {"client", "server", "connection_type"};
  unpaired_ = &registry.counter("traces_service_graph_unpaired_spans_total", half);
  dropped_spans_ = &registry.counter("traces_service_graph_dropped_spans_total", half);
  values_.resize(labels.size());
  edges_.reserve(static_cast<size_t>(std::min<int64_t>(cfg_.max_items, 1 << 20)));
  // Looked up once: Family::Add takes a lock and builds a label map.
  const std::string& tenant = registry.options().tenant;
  edges_counter_ = &edges_metric().Add({{"tenant", tenant}});
  dropped_counter_ = &dropped_metric().Add({{"tenant", tenant}});
  expired_counter_ = &expired_metric().Add({{"tenant", tenant}});
}

ServiceGraphs::~ServiceGraphs() = default;

const char* ServiceGraphs::connection_name(Connection c) {
  switch (c) {
    case Connection::kMessaging:
      return "messaging_system";
    case Connection::kDatabase:
      return "database";
    case Connection::kVirtualNode:
      return "virtual_node";
    default:
      return "";
  }
}

void ServiceGraphs::count(Family* f, const Edge& e) {
  const std::string_view v[] = {e.client, e.server, connection_name(e.connection)};
  f->inc(v, 1);
}

void ServiceGraphs::complete(Edge& e) {
  size_t i = 0;
  values_[i++] = e.client;
  values_[i++] = e.server;
  values_[i++] = connection_name(e.connection);
  for (size_t d = 0; d < cfg_.dimensions.size(); ++d) {
    const std::string_view c = d < e.client_dims.size() ? e.client_dims[d] : std::string_view();
    const std::string_view s = d < e.server_dims.size() ? e.server_dims[d] : std::string_view();
    if (cfg_.enable_client_server_prefix) {
      values_[i++] = c;
      values_[i++] = s;
    } else {
      values_[i++] = c.empty() ? s : c;
    }
  }
  if (cfg_.enable_virtual_node_label) values_[i++] = e.virtual_node;
  total_->inc(values_, 1);
  if (e.failed) failed_->inc(values_, 1);
  server_seconds_->observe(values_, e.server_seconds, e.trace_hex);
  client_seconds_->observe(values_, e.client_seconds, e.trace_hex);
  if (messaging_seconds_ && e.connection == Connection::kMessaging &&
      e.client_end_ns < e.server_start_ns) {
    messaging_seconds_->observe(values_, seconds_between(e.client_end_ns, e.server_start_ns),
                                e.trace_hex);
  }
}

void ServiceGraphs::push(const ExportTraceServiceRequest& req) {
  const int64_t now = registry_.now();
  std::string scratch, svc_scratch;
  for (const auto& rs : req.resource_spans()) {
    const auto& res = rs.resource().attributes();
    std::string_view svc;
    if (!find_text("service.name", res, nullptr, &svc_scratch, &svc)) continue;
    for (const auto& ss : rs.scope_spans()) {
      for (const Span& span : ss.spans()) {
        Connection conn = Connection::kUnknown;
        bool client_side;
        switch (span.kind()) {
          case Span::SPAN_KIND_PRODUCER:
            conn = Connection::kMessaging;
            [[fallthrough]];
          case Span::SPAN_KIND_CLIENT:
            client_side = true;
            break;
          case Span::SPAN_KIND_CONSUMER:
            conn = Connection::kMessaging;
            [[fallthrough]];
          case Span::SPAN_KIND_SERVER:
            client_side = false;
            break;
          default:
            continue;  // not half of a request
        }
        if (span.trace_id().size() != 16 || span.span_id().size() != 8) continue;
        const std::string& other = client_side ? span.span_id() : span.parent_span_id();
        std::array<char, 24> key{};
        std::memcpy(key.data(), span.trace_id().data(), 16);
        const bool root = !client_side && (other.empty() || all_zero(other));
        if (other.size() == 8) std::memcpy(key.data() + 16, other.data(), 8);

        auto found = edges_.find(key);
        if (found == edges_.end() && edges_.size() >= static_cast<size_t>(cfg_.max_items) &&
            !(client_side && (find_attribute(res, "db.name") || find_attribute(res, "db.system") ||
                              find_attribute(span.attributes(), "db.name") ||
                              find_attribute(span.attributes(), "db.system")))) {
          // The store is full and this half would wait in it (only a database call pairs at
          // once): dropped before any copy is made.
          ++dropped_;
          dropped_counter_->Increment();
          const std::string_view v[] = {client_side ? svc : std::string_view(),
                                        client_side ? std::string_view() : svc,
                                        connection_name(conn)};
          dropped_spans_->inc(v, 1);
          continue;
        }
        Edge fresh;
        Edge& e = found != edges_.end() ? *found->second : fresh;
        if (found == edges_.end()) {
          e.key = key;
          hex_id(span.trace_id(), &e.trace_hex);
          size_t nz = e.trace_hex.find_first_not_of('0');
          e.trace_hex.erase(0, nz == std::string::npos ? e.trace_hex.size() - 1 : nz);
        }
        e.connection = conn;
        e.failed = e.failed || span.status().code() == 2;  // STATUS_CODE_ERROR
        const double secs = seconds_between(span.start_time_unix_nano(), span.end_time_unix_nano());
        auto& dims = client_side ? e.client_dims : e.server_dims;
        dims.resize(cfg_.dimensions.size());
        for (size_t d = 0; d < cfg_.dimensions.size(); ++d) {
          std::string_view v;
          if (find_text(cfg_.dimensions[d], res, &span.attributes(), &scratch, &v)) dims[d] = v;
        }
        for (const auto& peer : cfg_.peer_attributes) {
          std::string_view v;
          if (find_text(peer, span.attributes(), nullptr, &scratch, &v)) {
            e.peer = v;
            break;
          }
        }
        if (client_side) {
          e.client = svc;
          e.client_seconds = secs;
          e.client_end_ns = span.end_time_unix_nano();
          // A database call: no server span will come, so the edge is complete now. Its
          // server is named by peer.service, server.address, network.peer.address[:port],
          // or db.name, in that order.
          std::string_view any;
          const bool has_db_name = find_text("db.name", res, &span.attributes(), &scratch, &any);
          std::string db_name_s(has_db_name ? any : std::string_view());
          if (has_db_name || find_text("db.system", res, &span.attributes(), &scratch, &any)) {
            e.connection = Connection::kDatabase;
            e.server_seconds = secs;
            std::string_view name;
            std::string port_scratch;
            std::string_view port;
            if (find_text("peer.service", res, &span.attributes(), &scratch, &name) ||
                find_text("server.address", res, &span.attributes(), &scratch, &name)) {
              e.server = name;
            } else if (find_text("network.peer.address", res, &span.attributes(), &scratch,
                                 &name)) {
              e.server = name;
              if (find_text("network.peer.port", res, &span.attributes(), &port_scratch, &port)) {
                e.server.push_back(':');
                e.server.append(port);
              }
            } else if (!db_name_s.empty()) {
              e.server = db_name_s;
            }
          }
        } else {
          e.server = svc;
          e.server_seconds = secs;
          e.server_start_ns = span.start_time_unix_nano();
          e.root = root;
        }
        const bool done = !e.client.empty() && !e.server.empty();
        if (found != edges_.end()) {
          if (done) {
            complete(e);
            order_.erase(found->second);
            edges_.erase(found);
          }
          continue;
        }
        edges_counter_->Increment();
        if (done) {
          complete(e);
          continue;
        }
        if (edges_.size() >= static_cast<size_t>(cfg_.max_items)) {
          ++dropped_;
          dropped_counter_->Increment();
          count(dropped_spans_, e);
          continue;
        }
        e.expires_ms =
            now + std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.wait).count();
        order_.push_back(std::move(e));
        edges_.emplace(key, std::prev(order_.end()));
      }
    }
  }
}

void ServiceGraphs::tick(int64_t now_ms) {
  while (!order_.empty() && order_.front().expires_ms <= now_ms) {
    Edge& e = order_.front();
    ++expired_;
    expired_counter_->Increment();
    // A half nobody answered may be a call to or from something that sends no spans: a
    // root server span was called by a user; a client span naming its peer called that peer.
    bool paired = false;
    const Connection original = e.connection;
    if (e.client.empty() && e.root) {
      e.client = "user";
      e.connection = Connection::kVirtualNode;
      if (cfg_.enable_virtual_node_label) e.virtual_node = "client";
      complete(e);
      paired = true;
    } else if (!e.client.empty() && e.server.empty() && !e.peer.empty()) {
      e.server = e.peer;
      e.connection = Connection::kVirtualNode;
      if (cfg_.enable_virtual_node_label) e.virtual_node = "server";
      complete(e);
      paired = true;
    }
    if (!paired) {
      e.connection = original;
      count(unpaired_, e);
    }
    edges_.erase(e.key);
    order_.pop_front();
  }
}

}  // namespace tempo::generator
