#include "harness.h"

#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "tempopb/tempo.pb.h"

extern char** environ;

namespace tempo::e2e {
namespace {

using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::Span;

constexpr auto kReadyTimeout = std::chrono::seconds(20);
// Tempo's contract is "exits within a few seconds"; leave room for a loaded CI machine.
constexpr auto kStopTimeout = std::chrono::seconds(15);

// `n` distinct free loopback ports. All sockets stay bound until every port is chosen, so
// the kernel cannot hand out the same port twice; someone else may still take one before
// tempo binds it, which start() handles by retrying.
std::vector<int> free_ports(size_t n) {
  std::vector<int> fds, ports;
  for (size_t i = 0; i < n; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    fds.push_back(fd);
    ports.push_back(ntohs(addr.sin_port));
  }
  for (int fd : fds) ::close(fd);
  return ports;
}

std::string read_file(const std::string& path, size_t from = 0) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  return from < s.size() ? s.substr(from) : "";
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string base64(const std::string& in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

KeyValue* add_attr(google::protobuf::RepeatedPtrField<KeyValue>* attrs, const std::string& key) {
  KeyValue* kv = attrs->Add();
  kv->set_key(key);
  return kv;
}

std::string service_of(const opentelemetry::proto::trace::v1::ResourceSpans& rs) {
  for (const auto& a : rs.resource().attributes())
    if (a.key() == "service.name") return a.value().string_value();
  return "";
}

// Tempo's JSON (gogo jsonpb): zero values are omitted. AnyValue members are a oneof, which
// proto3 JSON prints even when zero, so `*Value` keys are skipped.
void check_no_zero_values(const nlohmann::json& j, const std::string& path) {
  if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i)
      check_no_zero_values(j[i], path + "[" + std::to_string(i) + "]");
    return;
  }
  if (!j.is_object()) return;
  for (const auto& [key, v] : j.items()) {
    if (key.size() > 5 && key.compare(key.size() - 5, 5, "Value") == 0) continue;
    std::string where = path + "." + key;
    INFO("zero value printed at " << where);
    CHECK_FALSE(v.is_null());
    CHECK_FALSE((v.is_number() && v.get<double>() == 0));
    CHECK_FALSE((v.is_boolean() && !v.get<bool>()));
    CHECK_FALSE((v.is_string() && (v.get<std::string>().empty() || v.get<std::string>() == "0")));
    CHECK_FALSE((v.is_array() && v.empty()));
    check_no_zero_values(v, where);
  }
}

// Checks the Tempo/proto3 JSON conventions on each span of a parsed body against the
// decoded message: IDs in base64, fixed64 times as strings, kind as its enum name.
void check_span_encoding(const nlohmann::json& resource_spans, const TracesData& decoded) {
  REQUIRE(resource_spans.is_array());
  REQUIRE(resource_spans.size() == static_cast<size_t>(decoded.resource_spans_size()));
  for (size_t r = 0; r < resource_spans.size(); ++r) {
    const auto& scopes = resource_spans[r].at("scopeSpans");
    for (size_t s = 0; s < scopes.size(); ++s) {
      const auto& spans = scopes[s].at("spans");
      for (size_t k = 0; k < spans.size(); ++k) {
        const auto& js = spans[k];
        const Span& sp = decoded.resource_spans(r).scope_spans(s).spans(k);
        INFO("span JSON " << js.dump());
        CHECK(js.at("traceId") == base64(sp.trace_id()));
        CHECK(js.at("spanId") == base64(sp.span_id()));
        if (!sp.parent_span_id().empty())
          CHECK(js.at("parentSpanId") == base64(sp.parent_span_id()));
        CHECK(js.at("startTimeUnixNano").is_string());
        CHECK(js.at("endTimeUnixNano").is_string());
        if (sp.kind() != Span::SPAN_KIND_UNSPECIFIED) {
          CHECK(js.at("kind") == Span::SpanKind_Name(sp.kind()));
        }
      }
    }
  }
}

}  // namespace

TempoServer::TempoServer(ServerOptions options) : options_(std::move(options)) {
  config_path_ = dir_.sub("tempo.yaml");
  log_path_ = dir_.sub("tempo.log");
  wal_dir_ = dir_.sub("wal");
  blocks_dir_ = options_.blocks_dir.empty() ? dir_.sub("blocks") : options_.blocks_dir;
  pick_ports();
}

TempoServer::~TempoServer() {
  kill9();
  // A sanitizer report in the server (build-asan/tempo) fails the test that started it, even
  // when the report came from a thread the test's own checks did not notice.
  const std::string out = log();
  for (const char* report : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"}) {
    if (out.find(report) != std::string::npos) FAIL_CHECK("tempo printed a sanitizer report: " << report);
  }
  if (current_test_failed()) {
    std::cerr << "==== tempo stderr (" << dir_.path() << ") ====\n"
              << log() << "==== end of tempo stderr ====\n";
  }
}

void TempoServer::pick_ports() {
  auto ports = free_ports(9);
  http_port_ = ports[0];
  otlp_http_port_ = ports[1];
  grpc_port_ = ports[2];
  server_grpc_port_ = options_.shared_grpc_port ? grpc_port_ : ports[3];
  zipkin_port_ = ports[4];
  jaeger_grpc_port_ = ports[5];
  jaeger_http_port_ = ports[6];
  // Free TCP port numbers, used for UDP: a clash shows as "address already in use" and
  // start() picks again.
  jaeger_compact_port_ = ports[7];
  jaeger_binary_port_ = ports[8];
  write_config();
}

void TempoServer::write_config() {
  std::ofstream f(config_path_, std::ios::trunc);
  f << "multitenancy_enabled: " << (options_.multitenancy ? "true" : "false") << "\n"
    << "usage_report:\n  reporting_enabled: false\n"
    << "stream_over_http_enabled: " << (options_.stream_over_http ? "true" : "false") << "\n"
    << "server:\n  http_listen_port: " << http_port_
    << "\n  grpc_listen_port: " << server_grpc_port_ << "\n  log_level: info\n"
    << options_.server_extra
    << "distributor:\n  receivers:\n    otlp:\n      protocols:\n"
    << "        grpc:\n          endpoint: 127.0.0.1:" << grpc_port_ << "\n"
    << options_.otlp_grpc_extra
    << "        http:\n          endpoint: 127.0.0.1:" << otlp_http_port_ << "\n"
    << options_.otlp_http_extra;
  if (options_.zipkin_jaeger) {
    f << "    zipkin:\n      endpoint: 127.0.0.1:" << zipkin_port_ << "\n"
      << "    jaeger:\n      protocols:\n"
      << "        grpc:\n          endpoint: 127.0.0.1:" << jaeger_grpc_port_ << "\n"
      << "        thrift_http:\n          endpoint: 127.0.0.1:" << jaeger_http_port_ << "\n"
      << "        thrift_compact:\n          endpoint: 127.0.0.1:" << jaeger_compact_port_ << "\n"
      << "        thrift_binary:\n          endpoint: 127.0.0.1:" << jaeger_binary_port_ << "\n";
  }
  f
    << "ingester:\n  trace_idle_period: 2s\n"
    << options_.ingester_extra
    << "overrides:\n  defaults:\n    ingestion:\n      rate_limit_bytes: "
    << options_.rate_limit_bytes << "\n      burst_size_bytes: " << options_.burst_size_bytes
    << "\n      max_traces_per_user: " << options_.max_traces_per_user
    << "\n    global:\n      max_bytes_per_trace: " << options_.max_bytes_per_trace << "\n"
    << options_.overrides_extra
    << "compactor:\n  compaction:\n    block_retention: " << options_.block_retention << "\n"
    << (options_.compaction_extra.find("compaction_cycle:") == std::string::npos
            ? "    compaction_cycle: 24h\n"
            : "")
    << options_.compaction_extra
    << "storage:\n  trace:\n    blocklist_poll: " << options_.blocklist_poll << "\n";
  if (options_.s3_endpoint.empty()) {
    f << "    backend: local\n    local:\n      path: " << blocks_dir_ << "\n";
  } else {
    f << "    backend: s3\n    s3:\n      bucket: tempo\n      endpoint: " << options_.s3_endpoint
      << "\n      insecure: true\n      access_key: ${TEST_S3_KEY}\n      secret_key: ${TEST_S3_KEY}\n";
  }
  f << "    wal:\n      path: " << wal_dir_ << "\n";
  f << options_.top_extra;
}

void TempoServer::start() {
  REQUIRE(pid_ <= 0);
  for (int attempt = 0; attempt < 3; ++attempt) {
    size_t log_offset = read_file(log_path_).size();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0644);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    std::string binary = TEMPO_BINARY;
    std::string flag = "-config.file=" + config_path_;
    std::string expand = "-config.expand-env=true";
    char* argv[] = {binary.data(), flag.data(), expand.data(), nullptr};
    int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(rc == 0);

    auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
    server::HttpClient c("127.0.0.1", static_cast<uint16_t>(http_port_), std::chrono::seconds(2));
    bool exited = false;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      server::ClientResponse res;
      if (options_.ready_probe) {
        if (options_.ready_probe(http_port_)) return;
      } else if (c.get("/ready", &res).is_ok() && res.status == 200 && res.body == "ready") {
        return;
      }
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!exited) {
      kill9();
      FAIL("tempo did not become ready within 20s:\n" << log());
    }
    pid_ = -1;
    // A port grabbed by another process between pick_ports() and bind: not tempo's fault.
    if (lower(read_file(log_path_, log_offset)).find("address already in use") !=
        std::string::npos) {
      pick_ports();
      continue;
    }
    FAIL("tempo exited during start-up (wait status " << status << "):\n" << log());
  }
  FAIL("tempo could not bind free ports in 3 attempts:\n" << log());
}

int TempoServer::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill9();
      FAIL("tempo did not stop within 15s of SIGTERM:\n" << log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void TempoServer::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string TempoServer::log() const { return read_file(log_path_); }

std::string TempoServer::await_log(const std::string& needle,
                                   std::chrono::milliseconds timeout) const {
  auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::string text = log();
    if (text.find(needle) != std::string::npos || std::chrono::steady_clock::now() > until) {
      return text;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool memory_bounds_apply() {
#ifdef TEMPO_SANITIZER_BUILD
  WARN("sanitizer build: RSS bounds not checked (ASan's shadow memory and quarantine inflate "
       "every /proc figure)");
  return false;
#else
  return true;
#endif
}

grpc::Status TempoServer::export_grpc(const ExportTraceServiceRequest& req,
                                      const std::string& tenant, bool gzip,
                                      ExportTraceServiceResponse* response) {
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port_),
                                     grpc::InsecureChannelCredentials());
  auto stub = opentelemetry::proto::collector::trace::v1::TraceService::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!tenant.empty()) ctx.AddMetadata("x-scope-orgid", tenant);
  if (gzip) ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  ExportTraceServiceResponse local;
  return stub->Export(&ctx, req, response ? response : &local);
}

server::ClientResponse TempoServer::export_http(const std::string& body,
                                                const std::string& content_type,
                                                const server::HeaderList& headers) {
  server::HttpClient c("127.0.0.1", static_cast<uint16_t>(otlp_http_port_));
  server::ClientResponse res;
  Status s = c.post("/v1/traces", body, content_type, &res, headers);
  INFO(s.to_string());
  REQUIRE(s.is_ok());
  return res;
}

server::ClientResponse TempoServer::get(const std::string& target,
                                        const server::HeaderList& headers) {
  server::HttpClient c("127.0.0.1", static_cast<uint16_t>(http_port_));
  server::ClientResponse res;
  Status s = c.get(target, &res, headers);
  INFO("GET " << target << ": " << s.to_string());
  REQUIRE(s.is_ok());
  return res;
}

server::ClientResponse TempoServer::post(const std::string& target,
                                         const server::HeaderList& headers) {
  server::HttpClient c("127.0.0.1", static_cast<uint16_t>(http_port_));
  server::ClientResponse res;
  Status s = c.request("POST", target, "", headers, &res);
  INFO("POST " << target << ": " << s.to_string());
  REQUIRE(s.is_ok());
  return res;
}

std::vector<std::string> files_under(const std::string& dir, const std::string& name) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec), end;
  while (!ec && it != end) {
    std::error_code fec;
    if (it->is_regular_file(fec) && (name.empty() || it->path().filename() == name)) {
      out.push_back(it->path().string());
    }
    it.increment(ec);
    if (ec) {
      // A directory vanished between listing and descending: start again from the top.
      if (ec == std::errc::no_such_file_or_directory) return files_under(dir, name);
    }
  }
  return out;
}

RunResult run_tempo(const std::string& args) {
  std::string cmd = std::string(TEMPO_BINARY) + " " + args + " 2>&1";
  RunResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

long proc_status_kib(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

double metric_value(TempoServer& s, const std::string& series) {
  std::istringstream in(s.get("/metrics").body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

std::string random_trace_hex() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return buf;
}

std::string hex_to_bytes(const std::string& hex) {
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return out;
}

std::string bytes_to_hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  return hex;
}

ExportTraceServiceRequest padded_request(int traces, int spans_per_trace, size_t padding_bytes,
                                         std::vector<std::string>* ids) {
  ids->clear();
  for (int i = 0; i < traces; ++i) ids->push_back(random_trace_hex());
  auto req = make_request(*ids, spans_per_trace);
  const std::string padding(padding_bytes, 'x');
  for (auto& ss : *req.mutable_resource_spans(0)->mutable_scope_spans()) {
    for (auto& sp : *ss.mutable_spans()) {
      auto* a = sp.add_attributes();
      a->set_key("padding");
      a->mutable_value()->set_string_value(padding);
    }
  }
  return req;
}

ExportTraceServiceRequest make_request(const std::vector<std::string>& trace_ids_hex,
                                       int spans_per_trace, const std::string& service) {
  static const Span::SpanKind kKinds[] = {Span::SPAN_KIND_SERVER, Span::SPAN_KIND_CLIENT,
                                          Span::SPAN_KIND_INTERNAL, Span::SPAN_KIND_PRODUCER,
                                          Span::SPAN_KIND_CONSUMER};
  ExportTraceServiceRequest req;
  auto* rs = req.add_resource_spans();
  auto* rattrs = rs->mutable_resource()->mutable_attributes();
  add_attr(rattrs, "service.name")->mutable_value()->set_string_value(service);
  add_attr(rattrs, "host.name")->mutable_value()->set_string_value("e2e-host-" + service);
  add_attr(rattrs, "process.pid")->mutable_value()->set_int_value(4242);
  add_attr(rattrs, "e2e.resource.flag")->mutable_value()->set_bool_value(true);
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("e2e");
  ss->mutable_scope()->set_version("1.0");
  for (const auto& hex : trace_ids_hex) {
    const std::string tid = hex_to_bytes(hex);
    for (int i = 0; i < spans_per_trace; ++i) {
      auto* sp = ss->add_spans();
      sp->set_trace_id(tid);
      sp->set_span_id(tid.substr(8, 7) + static_cast<char>(i + 1));
      if (i > 0) sp->set_parent_span_id(tid.substr(8, 7) + '\x01');
      if (i == 0) sp->set_trace_state("e2e=root");
      sp->set_name("op-" + std::to_string(i));
      sp->set_kind(kKinds[i % 5]);
      sp->set_start_time_unix_nano(1700000000000000000ULL + i * 1000);
      sp->set_end_time_unix_nano(1700000000000500000ULL + i * 1000 + 7);
      auto* attrs = sp->mutable_attributes();
      add_attr(attrs, "http.method")->mutable_value()->set_string_value("GET");
      add_attr(attrs, "http.status_code")->mutable_value()->set_int_value(200 + i);
      add_attr(attrs, "ratio")->mutable_value()->set_double_value(0.25 * (i + 1));
      add_attr(attrs, "cached")->mutable_value()->set_bool_value(i % 2 == 0);
      add_attr(attrs, "negative")->mutable_value()->set_int_value(-1234567890123LL);
      auto* arr = add_attr(attrs, "tags")->mutable_value()->mutable_array_value();
      arr->add_values()->set_string_value("a");
      arr->add_values()->set_int_value(i);
      auto* kv = add_attr(attrs, "nested")->mutable_value()->mutable_kvlist_value();
      add_attr(kv->mutable_values(), "inner")->mutable_value()->set_string_value("v");
      add_attr(attrs, "blob")->mutable_value()->set_bytes_value(std::string("\x00\xff\x10", 3));
      auto* ev = sp->add_events();
      ev->set_name("event-" + std::to_string(i));
      ev->set_time_unix_nano(1700000000000100000ULL + i);
      add_attr(ev->mutable_attributes(), "event.seq")->mutable_value()->set_int_value(i);
      auto* link = sp->add_links();
      link->set_trace_id(hex_to_bytes("0123456789abcdef0123456789abcdef"));
      link->set_span_id(hex_to_bytes("fedcba9876543210"));
      add_attr(link->mutable_attributes(), "link.kind")->mutable_value()->set_string_value("f");
      if (i == spans_per_trace - 1) {
        sp->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
        sp->mutable_status()->set_message("boom");
      } else if (i == 0) {
        sp->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_OK);
      }
    }
  }
  return req;
}

std::string otlp_json(const ExportTraceServiceRequest& req) {
  google::protobuf::util::JsonPrintOptions o;
  o.always_print_enums_as_ints = true;  // what the OTLP/JSON spec says senders do
  std::string printed;
  REQUIRE(google::protobuf::util::MessageToJsonString(req, &printed, o).ok());
  auto j = nlohmann::json::parse(printed);
  // Proto3 JSON gives bytes as base64; OTLP/JSON wants trace and span IDs as hex. Walk the
  // message and the JSON together (same order) and rewrite only the ID fields.
  auto set_hex = [](nlohmann::json& obj, const char* key, const std::string& raw) {
    if (!raw.empty()) obj[key] = bytes_to_hex(raw);
  };
  for (int r = 0; r < req.resource_spans_size(); ++r) {
    const auto& rs = req.resource_spans(r);
    for (int s = 0; s < rs.scope_spans_size(); ++s) {
      const auto& ss = rs.scope_spans(s);
      for (int k = 0; k < ss.spans_size(); ++k) {
        const Span& sp = ss.spans(k);
        auto& js = j["resourceSpans"][r]["scopeSpans"][s]["spans"][k];
        set_hex(js, "traceId", sp.trace_id());
        set_hex(js, "spanId", sp.span_id());
        set_hex(js, "parentSpanId", sp.parent_span_id());
        for (int l = 0; l < sp.links_size(); ++l) {
          set_hex(js["links"][l], "traceId", sp.links(l).trace_id());
          set_hex(js["links"][l], "spanId", sp.links(l).span_id());
        }
      }
    }
  }
  return j.dump();
}

std::map<std::string, Span> spans_by_id(const TracesData& trace) {
  std::map<std::string, Span> out;
  for (const auto& rs : trace.resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& sp : ss.spans()) out[sp.span_id()] = sp;
  return out;
}

void require_same_spans(const ExportTraceServiceRequest& sent, const std::string& trace_id_hex,
                        const TracesData& got) {
  using google::protobuf::util::MessageDifferencer;
  struct Want {
    const Span* span;
    const opentelemetry::proto::trace::v1::ResourceSpans* rs;
    const opentelemetry::proto::trace::v1::ScopeSpans* ss;
  };
  const std::string tid = hex_to_bytes(trace_id_hex);
  std::map<std::string, Want> want;
  for (const auto& rs : sent.resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& sp : ss.spans())
        if (sp.trace_id() == tid) want[sp.span_id()] = {&sp, &rs, &ss};

  INFO("trace " << trace_id_hex);
  std::map<std::string, int> seen;
  for (const auto& rs : got.resource_spans()) {
    for (const auto& ss : rs.scope_spans()) {
      for (const auto& sp : ss.spans()) {
        INFO("span " << bytes_to_hex(sp.span_id()) << " " << sp.name() << " service "
                     << service_of(rs));
        ++seen[sp.span_id()];
        auto it = want.find(sp.span_id());
        REQUIRE(it != want.end());
        // One differencer per part, each appending what differs to `diff`.
        std::string diff;
        auto same = [&diff](const google::protobuf::Message& a,
                            const google::protobuf::Message& b) {
          MessageDifferencer d;
          d.ReportDifferencesToString(&diff);
          return d.Compare(a, b);
        };
        bool span_same = same(*it->second.span, sp);
        bool resource_same = same(it->second.rs->resource(), rs.resource());
        bool scope_same = same(it->second.ss->scope(), ss.scope());
        INFO("differences (sent -> got):\n" << diff);
        CHECK(span_same);
        CHECK(resource_same);
        CHECK(scope_same);
      }
    }
  }
  for (const auto& [id, w] : want) {
    INFO("sent span " << bytes_to_hex(id) << " " << w.span->name());
    CHECK(seen[id] == 1);
  }
  CHECK(seen.size() == want.size());
}

TracesData parse_v1_json(const std::string& body) {
  INFO(body.substr(0, 2000));
  tempopb::Trace t;
  // Strict: an unknown field name fails, so "resourceSpans" instead of "batches" is caught.
  auto st = google::protobuf::util::JsonStringToMessage(body, &t);
  INFO(st.ToString());
  REQUIRE(st.ok());
  TracesData out;
  out.mutable_resource_spans()->CopyFrom(t.batches());
  auto j = nlohmann::json::parse(body);
  if (j.contains("batches")) check_span_encoding(j["batches"], out);
  check_no_zero_values(j, "");
  return out;
}

TracesData parse_v2_json(const std::string& body) {
  INFO(body.substr(0, 2000));
  tempopb::TraceByIDResponse r;
  auto st = google::protobuf::util::JsonStringToMessage(body, &r);
  INFO(st.ToString());
  REQUIRE(st.ok());
  TracesData out;
  out.mutable_resource_spans()->CopyFrom(r.trace().resource_spans());
  auto j = nlohmann::json::parse(body);
  if (j.contains("trace") && j["trace"].contains("resourceSpans"))
    check_span_encoding(j["trace"]["resourceSpans"], out);
  check_no_zero_values(j, "");
  return out;
}

}  // namespace tempo::e2e
