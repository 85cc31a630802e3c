#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/schema.h"
#include "tempo/config/config.h"
#include "tempo/util/duration.h"

namespace tempo::config {
namespace {

std::string line_of(const YAML::Node& n) {
  return "line " + std::to_string(n.Mark().line + 1);
}

// Walks `node` against `schema`. The first unknown key is an error; every present key whose
// subtree holds nothing this build acts on gets one warning (its children are still checked
// for unknown keys, but not warned about again).
Status check(const YAML::Node& node, const SchemaNode& schema, const std::string& path,
             bool warn, std::vector<std::string>* warnings) {
  using Kind = SchemaNode::Kind;
  if (warn && !schema.acted && !path.empty()) {
    warnings->push_back("config key \"" + path +
                        "\" is accepted but not yet supported by this build; it has no effect");
    warn = false;
  }
  switch (schema.kind) {
    case Kind::kAny:
    case Kind::kLeaf:
      return Status::ok();
    case Kind::kList: {
      if (node.IsNull()) return Status::ok();
      if (!node.IsSequence()) {
        return Status::invalid_argument(line_of(node) + ": config key \"" + path +
                                        "\" must be a list");
      }
      for (size_t i = 0; i < node.size(); ++i) {
        TEMPO_RETURN_IF_ERROR(check(node[i], *schema.item, path + "[" + std::to_string(i) + "]",
                                    false, warnings));
      }
      return Status::ok();
    }
    case Kind::kMap:
    case Kind::kOpenMap: {
      if (node.IsNull()) return Status::ok();
      if (!node.IsMap()) {
        return Status::invalid_argument(line_of(node) + ": config key \"" +
                                        (path.empty() ? std::string("<root>") : path) +
                                        "\" must be a map of keys");
      }
      for (auto it = node.begin(); it != node.end(); ++it) {
        std::string key = it->first.as<std::string>();
        std::string child_path = path.empty() ? key : path + "." + key;
        auto c = schema.children.find(key);
        if (c == schema.children.end()) {
          if (schema.kind == Kind::kOpenMap) {
            if (warn) {
              warnings->push_back("config key \"" + child_path +
                                  "\" is accepted but not yet supported by this build; it has "
                                  "no effect");
            }
            continue;
          }
          return Status::invalid_argument(line_of(it->first) + ": unknown key \"" + child_path +
                                          "\" in config (not a Tempo setting; check the "
                                          "spelling and indentation)");
        }
        TEMPO_RETURN_IF_ERROR(check(it->second, c->second, child_path, warn, warnings));
      }
      return Status::ok();
    }
  }
  return Status::ok();
}

// Typed reads of acted-on keys. Each names the key and line on a type error.
class Reader {
 public:
  explicit Reader(const YAML::Node& root) : root_(root) {}

  // The node at a dotted path, or an undefined node. Walks through const handles: a
  // non-const operator[] would insert keys, and a clone would lose the line marks.
  YAML::Node at(const std::string& path) const {
    YAML::Node n(root_);
    std::stringstream ss(path);
    std::string part;
    while (std::getline(ss, part, '.')) {
      if (!n.IsDefined() || !n.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
      const YAML::Node& cn = n;
      YAML::Node next = cn[part];
      if (!next.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
      n.reset(next);
    }
    return n;
  }
  bool present(const std::string& path) const {
    YAML::Node n = at(path);
    return n.IsDefined();
  }

  Status str(const std::string& path, std::string* out) const {
    YAML::Node n = at(path);
    if (!n.IsDefined() || n.IsNull()) return Status::ok();
    if (!n.IsScalar()) return type_error(n, path, "a string");
    *out = n.Scalar();
    return Status::ok();
  }
  template <typename I>
  Status integer(const std::string& path, I* out) const {
    YAML::Node n = at(path);
    if (!n.IsDefined() || n.IsNull()) return Status::ok();
    if (!n.IsScalar()) return type_error(n, path, "an integer");
    std::string s;
    for (char c : n.Scalar())
      if (c != '_') s += c;  // YAML 1.1 allows 1_000_000
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 0);
    if (s.empty() || *end != '\0' || errno == ERANGE) {
      // Accept integral floats such as 1e6.
      double d = std::strtod(s.c_str(), &end);
      if (s.empty() || *end != '\0' || d != static_cast<double>(static_cast<long long>(d))) {
        return type_error(n, path, "an integer");
      }
      v = static_cast<long long>(d);
    }
    *out = static_cast<I>(v);
    return Status::ok();
  }
  Status number(const std::string& path, double* out) const {
    YAML::Node n = at(path);
    if (!n.IsDefined() || n.IsNull()) return Status::ok();
    if (!n.IsScalar()) return type_error(n, path, "a number");
    char* end = nullptr;
    double v = std::strtod(n.Scalar().c_str(), &end);
    if (n.Scalar().empty() || *end != '\0') return type_error(n, path, "a number");
    *out = v;
    return Status::ok();
  }
  Status boolean(const std::string& path, bool* out) const {
    YAML::Node n = at(path);
    if (!n.IsDefined() || n.IsNull()) return Status::ok();
    const std::string& s = n.IsScalar() ? n.Scalar() : std::string();
    if (s == "true" || s == "True" || s == "TRUE" || s == "yes" || s == "on") *out = true;
    else if (s == "false" || s == "False" || s == "FALSE" || s == "no" || s == "off") *out = false;
    else return type_error(n, path, "true or false");
    return Status::ok();
  }
  Status duration(const std::string& path, Duration* out) const {
    YAML::Node n = at(path);
    if (!n.IsDefined() || n.IsNull()) return Status::ok();
    if (!n.IsScalar()) return type_error(n, path, "a duration such as 30s or 5m");
    Status s = parse_duration(n.Scalar(), out);
    if (!s.is_ok()) {
      return Status::invalid_argument(line_of(n) + ": config key \"" + path + "\": " +
                                      s.message() + " (use Go syntax such as 300ms, 30s, 5m, 1h)");
    }
    return Status::ok();
  }
  Status strings(const std::string& path, std::vector<std::string>* out) const {
    YAML::Node n = at(path);
    if (!n.IsDefined() || n.IsNull()) return Status::ok();
    if (!n.IsSequence()) return type_error(n, path, "a list of strings");
    out->clear();
    for (const auto& v : n) {
      if (!v.IsScalar()) return type_error(v, path, "a list of strings");
      out->push_back(v.Scalar());
    }
    return Status::ok();
  }

 private:
  static Status type_error(const YAML::Node& n, const std::string& path, const char* want) {
    std::string got = n.IsScalar() ? "\"" + n.Scalar() + "\"" : n.IsMap() ? "a map" : "a list";
    return Status::invalid_argument(line_of(n) + ": config key \"" + path + "\" must be " + want +
                                    ", got " + got);
  }
  YAML::Node root_;
};

Status read_receivers(const Reader& r, ReceiversConfig* rc) {
  const std::string otlp = "distributor.receivers.otlp";
  if (r.present(otlp)) {
    rc->otlp.enabled = true;
    // `otlp:` alone, or `protocols:` alone, enables both protocols with defaults.
    bool protocols_given = r.present(otlp + ".protocols") && !r.at(otlp + ".protocols").IsNull();
    rc->otlp.grpc.enabled = !protocols_given || r.present(otlp + ".protocols.grpc");
    rc->otlp.http.enabled = !protocols_given || r.present(otlp + ".protocols.http");
    TEMPO_RETURN_IF_ERROR(r.str(otlp + ".protocols.grpc.endpoint", &rc->otlp.grpc.endpoint));
    TEMPO_RETURN_IF_ERROR(
        r.integer(otlp + ".protocols.grpc.max_recv_msg_size_mib", &rc->otlp.grpc.max_recv_msg_size_mib));
    TEMPO_RETURN_IF_ERROR(r.str(otlp + ".protocols.http.endpoint", &rc->otlp.http.endpoint));
    TEMPO_RETURN_IF_ERROR(
        r.integer(otlp + ".protocols.http.max_request_body_size", &rc->otlp.http.max_request_body_size));
  }
  struct Other {
    const char* path;
    OtherReceiver* out;
    const char* default_endpoint;
  };
  const Other others[] = {
      {"distributor.receivers.zipkin", &rc->zipkin, "localhost:9411"},
      {"distributor.receivers.jaeger.protocols.grpc", &rc->jaeger_grpc, "localhost:14250"},
      {"distributor.receivers.jaeger.protocols.thrift_http", &rc->jaeger_thrift_http, "localhost:14268"},
      {"distributor.receivers.jaeger.protocols.thrift_compact", &rc->jaeger_thrift_compact, "localhost:6831"},
      {"distributor.receivers.jaeger.protocols.thrift_binary", &rc->jaeger_thrift_binary, "localhost:6832"},
      {"distributor.receivers.opencensus", &rc->opencensus, "localhost:55678"},
      {"distributor.receivers.kafka", &rc->kafka, ""},
  };
  for (const auto& o : others) {
    if (!r.present(o.path)) continue;
    o.out->enabled = true;
    o.out->endpoint = o.default_endpoint;
    YAML::Node n = r.at(o.path);
    if (n.IsMap() && n["endpoint"] && n["endpoint"].IsScalar()) o.out->endpoint = n["endpoint"].Scalar();
  }
  return Status::ok();
}

// Tempo 3.x dialect: a key of the 3.x section sets the module setting its 2.x twin sets. Giving
// both with different values is an error, since one of them would silently lose.
struct DialectMapping {
  const char* from;  // 3.x key
  const char* to;    // 2.x key this build reads
};
constexpr DialectMapping kDialect3[] = {
    {"live_store.max_trace_idle", "ingester.trace_idle_period"},
    {"live_store.flush_check_period", "ingester.flush_check_period"},
    {"live_store.max_block_bytes", "ingester.max_block_bytes"},
    {"live_store.max_block_duration", "ingester.max_block_duration"},
    {"live_store.complete_block_timeout", "ingester.complete_block_timeout"},
    {"live_store.complete_block_concurrency", "ingester.concurrent_flushes"},
    {"live_store.wal.path", "storage.trace.wal.path"},
    {"backend_worker.compaction.block_retention", "compactor.compaction.block_retention"},
    {"backend_scheduler.provider.compaction.compaction.block_retention",
     "compactor.compaction.block_retention"},
};

// Rewrites `root` so every 3.x key also appears under its 2.x name.
Status map_dialect(YAML::Node root, std::vector<std::string>* mapped) {
  for (const auto& m : kDialect3) {
    Reader r(root);
    YAML::Node from = r.at(m.from);
    if (!from.IsDefined() || from.IsNull()) continue;
    YAML::Node to = r.at(m.to);
    if (to.IsDefined() && !to.IsNull()) {
      if (to.IsScalar() && from.IsScalar() && to.Scalar() == from.Scalar()) continue;
      return Status::invalid_argument(line_of(from) + ": config key \"" + std::string(m.from) +
                                      "\" conflicts with \"" + m.to + "\" (" + line_of(to) +
                                      "); they are the same setting in Tempo 3.x and 2.x, so "
                                      "keep only one");
    }
    // Create the 2.x path and copy the value there.
    YAML::Node node = root;
    std::string path = m.to;
    size_t start = 0;
    for (;;) {
      size_t dot = path.find('.', start);
      std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (dot == std::string::npos) {
        node[part] = from;
        break;
      }
      if (!node[part] || node[part].IsNull()) node[part] = YAML::Node(YAML::NodeType::Map);
      node.reset(node[part]);
      start = dot + 1;
    }
    mapped->push_back(std::string(m.from) + " -> " + m.to);
  }
  return Status::ok();
}

Status read_config(const YAML::Node& root, Config* c) {
  Reader r(root);
  TEMPO_RETURN_IF_ERROR(r.str("target", &c->target));
  TEMPO_RETURN_IF_ERROR(r.boolean("auth_enabled", &c->multitenancy_enabled));
  TEMPO_RETURN_IF_ERROR(r.boolean("multitenancy_enabled", &c->multitenancy_enabled));
  TEMPO_RETURN_IF_ERROR(r.str("http_api_prefix", &c->http_api_prefix));
  TEMPO_RETURN_IF_ERROR(r.boolean("stream_over_http_enabled", &c->stream_over_http_enabled));

  auto& s = c->server;
  TEMPO_RETURN_IF_ERROR(r.str("server.http_listen_address", &s.http_listen_address));
  TEMPO_RETURN_IF_ERROR(r.integer("server.http_listen_port", &s.http_listen_port));
  TEMPO_RETURN_IF_ERROR(r.str("server.grpc_listen_address", &s.grpc_listen_address));
  TEMPO_RETURN_IF_ERROR(r.integer("server.grpc_listen_port", &s.grpc_listen_port));
  TEMPO_RETURN_IF_ERROR(r.str("server.log_level", &s.log_level));
  TEMPO_RETURN_IF_ERROR(r.str("server.log_format", &s.log_format));
  TEMPO_RETURN_IF_ERROR(r.integer("server.grpc_server_max_recv_msg_size", &s.grpc_server_max_recv_msg_size));
  TEMPO_RETURN_IF_ERROR(r.integer("server.grpc_server_max_send_msg_size", &s.grpc_server_max_send_msg_size));
  TEMPO_RETURN_IF_ERROR(r.duration("server.http_server_read_timeout", &s.http_server_read_timeout));
  TEMPO_RETURN_IF_ERROR(r.duration("server.http_server_write_timeout", &s.http_server_write_timeout));
  TEMPO_RETURN_IF_ERROR(r.duration("server.http_server_idle_timeout", &s.http_server_idle_timeout));
  TEMPO_RETURN_IF_ERROR(r.duration("server.graceful_shutdown_timeout", &s.graceful_shutdown_timeout));

  TEMPO_RETURN_IF_ERROR(read_receivers(r, &c->distributor.receivers));
  TEMPO_RETURN_IF_ERROR(r.integer("distributor.max_attribute_bytes", &c->distributor.max_attribute_bytes));

  auto& i = c->ingester;
  TEMPO_RETURN_IF_ERROR(r.duration("ingester.trace_idle_period", &i.trace_idle_period));
  TEMPO_RETURN_IF_ERROR(r.duration("ingester.trace_live_period", &i.trace_live_period));
  TEMPO_RETURN_IF_ERROR(r.duration("ingester.flush_check_period", &i.flush_check_period));
  TEMPO_RETURN_IF_ERROR(r.integer("ingester.max_block_bytes", &i.max_block_bytes));
  TEMPO_RETURN_IF_ERROR(r.duration("ingester.max_block_duration", &i.max_block_duration));
  TEMPO_RETURN_IF_ERROR(r.duration("ingester.complete_block_timeout", &i.complete_block_timeout));
  TEMPO_RETURN_IF_ERROR(r.integer("ingester.concurrent_flushes", &i.concurrent_flushes));
  TEMPO_RETURN_IF_ERROR(r.boolean("ingester.flush_all_on_shutdown", &i.flush_all_on_shutdown));

  auto& cp = c->compactor;
  TEMPO_RETURN_IF_ERROR(r.duration("compactor.compaction.block_retention", &cp.block_retention));
  TEMPO_RETURN_IF_ERROR(r.duration("compactor.compaction.compacted_block_retention", &cp.compacted_block_retention));
  TEMPO_RETURN_IF_ERROR(r.duration("compactor.compaction.compaction_window", &cp.compaction_window));
  TEMPO_RETURN_IF_ERROR(r.integer("compactor.compaction.max_block_bytes", &cp.max_block_bytes));

  auto& t = c->storage.trace;
  TEMPO_RETURN_IF_ERROR(r.str("storage.trace.backend", &t.backend));
  TEMPO_RETURN_IF_ERROR(r.str("storage.trace.local.path", &t.local.path));
  TEMPO_RETURN_IF_ERROR(r.str("storage.trace.wal.path", &t.wal.path));
  TEMPO_RETURN_IF_ERROR(r.number("storage.trace.block.bloom_filter_false_positive", &t.block.bloom_filter_false_positive));
  TEMPO_RETURN_IF_ERROR(r.integer("storage.trace.block.bloom_filter_shard_size_bytes", &t.block.bloom_filter_shard_size_bytes));
  TEMPO_RETURN_IF_ERROR(r.str("storage.trace.block.version", &t.block.version));
  TEMPO_RETURN_IF_ERROR(r.duration("storage.trace.blocklist_poll", &t.blocklist_poll));
  TEMPO_RETURN_IF_ERROR(r.str("storage.trace.s3.bucket", &t.s3.bucket));
  TEMPO_RETURN_IF_ERROR(r.str("storage.trace.s3.prefix", &t.s3.prefix));
  TEMPO_RETURN_IF_ERROR(r.str("storage.trace.s3.endpoint", &t.s3.endpoint));
  TEMPO_RETURN_IF_ERROR(r.str("storage.trace.s3.region", &t.s3.region));
  TEMPO_RETURN_IF_ERROR(r.str("storage.trace.s3.access_key", &t.s3.access_key));
  TEMPO_RETURN_IF_ERROR(r.str("storage.trace.s3.secret_key", &t.s3.secret_key));
  TEMPO_RETURN_IF_ERROR(r.str("storage.trace.s3.session_token", &t.s3.session_token));
  TEMPO_RETURN_IF_ERROR(r.boolean("storage.trace.s3.insecure", &t.s3.insecure));
  TEMPO_RETURN_IF_ERROR(r.boolean("storage.trace.s3.forcepathstyle", &t.s3.forcepathstyle));
  TEMPO_RETURN_IF_ERROR(r.integer("storage.trace.s3.part_size", &t.s3.part_size));

  auto& o = c->overrides;
  // Legacy flat keys first, then the scoped form (which wins when both are given).
  TEMPO_RETURN_IF_ERROR(r.integer("overrides.ingestion_rate_limit_bytes", &o.ingestion_rate_limit_bytes));
  TEMPO_RETURN_IF_ERROR(r.integer("overrides.ingestion_burst_size_bytes", &o.ingestion_burst_size_bytes));
  TEMPO_RETURN_IF_ERROR(r.integer("overrides.max_traces_per_user", &o.max_traces_per_user));
  TEMPO_RETURN_IF_ERROR(r.integer("overrides.max_bytes_per_trace", &o.max_bytes_per_trace));
  TEMPO_RETURN_IF_ERROR(r.duration("overrides.block_retention", &o.block_retention));
  TEMPO_RETURN_IF_ERROR(r.strings("overrides.metrics_generator_processors", &o.metrics_generator_processors));
  TEMPO_RETURN_IF_ERROR(r.integer("overrides.defaults.ingestion.rate_limit_bytes", &o.ingestion_rate_limit_bytes));
  TEMPO_RETURN_IF_ERROR(r.integer("overrides.defaults.ingestion.burst_size_bytes", &o.ingestion_burst_size_bytes));
  TEMPO_RETURN_IF_ERROR(r.integer("overrides.defaults.ingestion.max_traces_per_user", &o.max_traces_per_user));
  TEMPO_RETURN_IF_ERROR(r.integer("overrides.defaults.global.max_bytes_per_trace", &o.max_bytes_per_trace));
  TEMPO_RETURN_IF_ERROR(r.strings("overrides.defaults.metrics_generator.processors", &o.metrics_generator_processors));

  TEMPO_RETURN_IF_ERROR(r.boolean("usage_report.reporting_enabled", &c->usage_report.reporting_enabled));
  return Status::ok();
}

}  // namespace

std::string expand_env(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out += text[i];
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (text[i + 1] != '{') {
      out += '$';
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      out += text.substr(i);
      break;
    }
    std::string_view inner = text.substr(i + 2, close - i - 2);
    std::string_view name = inner, fallback;
    bool has_default = false;
    if (auto d = inner.find(":-"); d != std::string_view::npos) {
      name = inner.substr(0, d);
      fallback = inner.substr(d + 2);
      has_default = true;
    }
    const char* v = std::getenv(std::string(name).c_str());
    if (v && *v) out += v;
    else if (has_default) out += fallback;
    i = close;
  }
  return out;
}

Status load_string(std::string_view yaml, const LoadOptions& options, Config* out) {
  std::string text = options.expand_env ? expand_env(yaml) : std::string(yaml);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Status::invalid_argument("line " + std::to_string(e.mark.line + 1) +
                                    ": invalid YAML: " + e.msg);
  }
  Config c;
  if (root.IsDefined() && !root.IsNull()) {
    try {
      TEMPO_RETURN_IF_ERROR(check(root, tempo_schema(), "", true, &c.warnings));
      TEMPO_RETURN_IF_ERROR(map_dialect(root, &c.mapped));
      TEMPO_RETURN_IF_ERROR(read_config(root, &c));
    } catch (const YAML::Exception& e) {
      return Status::invalid_argument("line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
  }
  *out = std::move(c);
  return Status::ok();
}

Status load_file(const std::string& path, const LoadOptions& options, Config* out) {
  std::ifstream f(path);
  if (!f) return Status::invalid_argument("cannot read config file " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return load_string(ss.str(), options, out);
}

Status validate(const Config& c) {
  const auto& t = c.storage.trace;
  if (t.backend.empty()) {
    return Status::invalid_argument("storage.trace.backend must be set (local, s3, gcs or azure)");
  }
  if (t.backend != "local" && t.backend != "s3" && t.backend != "gcs" && t.backend != "azure") {
    return Status::invalid_argument("storage.trace.backend \"" + t.backend +
                                    "\" is unknown; use local, s3, gcs or azure");
  }
  if (t.backend == "local" && t.local.path.empty()) {
    return Status::invalid_argument("storage.trace.local.path must be set for the local backend");
  }
  if (t.wal.path.empty()) return Status::invalid_argument("storage.trace.wal.path must be set");
  for (auto [name, port] : {std::pair{"server.http_listen_port", c.server.http_listen_port},
                            std::pair{"server.grpc_listen_port", c.server.grpc_listen_port}}) {
    if (port < 0 || port > 65535) {
      return Status::invalid_argument(std::string(name) + " " + std::to_string(port) +
                                      " is not a valid port");
    }
  }
  if (c.server.log_level != "debug" && c.server.log_level != "info" &&
      c.server.log_level != "warn" && c.server.log_level != "error") {
    return Status::invalid_argument("server.log_level \"" + c.server.log_level +
                                    "\" is not one of debug, info, warn, error");
  }
  if (c.server.log_format != "logfmt" && c.server.log_format != "json") {
    return Status::invalid_argument("server.log_format \"" + c.server.log_format +
                                    "\" is not logfmt or json");
  }
  if (c.storage.trace.block.bloom_filter_false_positive <= 0 ||
      c.storage.trace.block.bloom_filter_false_positive >= 1) {
    return Status::invalid_argument("storage.trace.block.bloom_filter_false_positive must be between 0 and 1");
  }
  return Status::ok();
}

}  // namespace tempo::config
