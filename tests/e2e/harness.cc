#include "harness.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>

#include "tempopb/tempo.pb.h"

extern char** environ;

namespace tempo::e2e {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

TempoServer::TempoServer(ServerOptions options) : options_(std::move(options)) {
  http_port_ = free_port();
  otlp_http_port_ = free_port();
  grpc_port_ = free_port();
  int server_grpc = options_.shared_grpc_port ? grpc_port_ : free_port();
  config_path_ = dir_.sub("tempo.yaml");
  log_path_ = dir_.sub("tempo.log");
  wal_dir_ = dir_.sub("wal");
  blocks_dir_ = dir_.sub("blocks");
  std::ofstream f(config_path_);
  f << "multitenancy_enabled: " << (options_.multitenancy ? "true" : "false") << "\n"
    << "usage_report:\n  reporting_enabled: false\n"
    << "server:\n  http_listen_port: " << http_port_ << "\n  grpc_listen_port: " << server_grpc
    << "\n  log_level: info\n"
    << "distributor:\n  receivers:\n    otlp:\n      protocols:\n"
    << "        grpc:\n          endpoint: 127.0.0.1:" << grpc_port_ << "\n"
    << "        http:\n          endpoint: 127.0.0.1:" << otlp_http_port_ << "\n"
    << "ingester:\n  trace_idle_period: 2s\n"
    << options_.ingester_extra
    << "overrides:\n  defaults:\n    ingestion:\n      rate_limit_bytes: "
    << options_.rate_limit_bytes << "\n      burst_size_bytes: " << options_.burst_size_bytes << "\n"
    << "storage:\n  trace:\n    backend: local\n    local:\n      path: " << blocks_dir_
    << "\n    wal:\n      path: " << wal_dir_ << "\n";
}

TempoServer::~TempoServer() {
  if (pid_ > 0) kill9();
}

void TempoServer::start() {
  REQUIRE(pid_ <= 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  std::string binary = TEMPO_BINARY;
  std::string flag = "-config.file=" + config_path_;
  char* argv[] = {binary.data(), flag.data(), nullptr};
  int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE(rc == 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  server::HttpClient c("127.0.0.1", static_cast<uint16_t>(http_port_), std::chrono::seconds(2));
  while (std::chrono::steady_clock::now() < deadline) {
    server::ClientResponse res;
    if (c.get("/ready", &res).is_ok() && res.status == 200 && res.body == "ready") return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL("tempo exited during start-up:\n" << log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL("tempo did not become ready:\n" << log());
}

int TempoServer::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
      FAIL("tempo did not stop within 30s of SIGTERM:\n" << log());
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

std::string TempoServer::log() const {
  std::ifstream f(log_path_);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

grpc::Status TempoServer::export_grpc(
    const ExportTraceServiceRequest& req, const std::string& tenant, bool gzip,
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse* response) {
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port_),
                                     grpc::InsecureChannelCredentials());
  auto stub = opentelemetry::proto::collector::trace::v1::TraceService::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!tenant.empty()) ctx.AddMetadata("x-scope-orgid", tenant);
  if (gzip) ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse local;
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
  INFO(s.to_string());
  REQUIRE(s.is_ok());
  return res;
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
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return out;
}

ExportTraceServiceRequest make_request(const std::vector<std::string>& trace_ids_hex,
                                       int spans_per_trace, const std::string& service) {
  using opentelemetry::proto::trace::v1::Span;
  ExportTraceServiceRequest req;
  auto* rs = req.add_resource_spans();
  auto* a = rs->mutable_resource()->add_attributes();
  a->set_key("service.name");
  a->mutable_value()->set_string_value(service);
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("e2e");
  ss->mutable_scope()->set_version("1.0");
  for (const auto& hex : trace_ids_hex) {
    std::string tid = hex_to_bytes(hex);
    for (int i = 0; i < spans_per_trace; ++i) {
      auto* sp = ss->add_spans();
      sp->set_trace_id(tid);
      std::string sid = tid.substr(8, 7) + static_cast<char>(i + 1);
      sp->set_span_id(sid);
      if (i > 0) sp->set_parent_span_id(tid.substr(8, 7) + '\x01');
      sp->set_name("op-" + std::to_string(i));
      sp->set_kind(i == 0 ? Span::SPAN_KIND_SERVER : Span::SPAN_KIND_CLIENT);
      sp->set_start_time_unix_nano(1700000000000000000ULL + i * 1000);
      sp->set_end_time_unix_nano(1700000000000500000ULL + i * 1000);
      auto* s1 = sp->add_attributes();
      s1->set_key("http.method");
      s1->mutable_value()->set_string_value("GET");
      auto* s2 = sp->add_attributes();
      s2->set_key("http.status_code");
      s2->mutable_value()->set_int_value(200 + i);
      auto* s3 = sp->add_attributes();
      s3->set_key("ratio");
      s3->mutable_value()->set_double_value(0.25 * i);
      auto* s4 = sp->add_attributes();
      s4->set_key("cached");
      s4->mutable_value()->set_bool_value(i % 2 == 0);
      auto* ev = sp->add_events();
      ev->set_name("event-" + std::to_string(i));
      ev->set_time_unix_nano(1700000000000100000ULL);
      if (i == spans_per_trace - 1) {
        sp->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
        sp->mutable_status()->set_message("boom");
      }
    }
  }
  return req;
}

std::map<std::string, opentelemetry::proto::trace::v1::Span> spans_by_id(const TracesData& trace) {
  std::map<std::string, opentelemetry::proto::trace::v1::Span> out;
  for (const auto& rs : trace.resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& sp : ss.spans()) out[sp.span_id()] = sp;
  return out;
}

void require_same_spans(const ExportTraceServiceRequest& sent, const std::string& trace_id_hex,
                        const TracesData& got) {
  const std::string tid = hex_to_bytes(trace_id_hex);
  std::map<std::string, std::pair<opentelemetry::proto::trace::v1::Span, std::string>> want;
  for (const auto& rs : sent.resource_spans()) {
    std::string service;
    for (const auto& a : rs.resource().attributes())
      if (a.key() == "service.name") service = a.value().string_value();
    for (const auto& ss : rs.scope_spans())
      for (const auto& sp : ss.spans())
        if (sp.trace_id() == tid) want[sp.span_id()] = {sp, service};
  }
  std::map<std::string, std::string> got_service;
  size_t got_count = 0;
  for (const auto& rs : got.resource_spans()) {
    std::string service;
    for (const auto& a : rs.resource().attributes())
      if (a.key() == "service.name") service = a.value().string_value();
    for (const auto& ss : rs.scope_spans()) {
      for (const auto& sp : ss.spans()) {
        ++got_count;
        auto it = want.find(sp.span_id());
        INFO("span " << sp.name());
        REQUIRE(it != want.end());
        CHECK(google::protobuf::util::MessageDifferencer::Equals(sp, it->second.first));
        CHECK(service == it->second.second);
        CHECK(ss.scope().name() == "e2e");
      }
    }
  }
  CHECK(got_count == want.size());
}

TracesData parse_v1_json(const std::string& body) {
  tempopb::Trace t;
  auto st = google::protobuf::util::JsonStringToMessage(body, &t);  // strict: unknown names fail
  INFO(body.substr(0, 500));
  REQUIRE(st.ok());
  TracesData out;
  out.mutable_resource_spans()->CopyFrom(t.batches());
  return out;
}

TracesData parse_v2_json(const std::string& body) {
  tempopb::TraceByIDResponse r;
  auto st = google::protobuf::util::JsonStringToMessage(body, &r);
  INFO(body.substr(0, 500));
  REQUIRE(st.ok());
  TracesData out;
  out.mutable_resource_spans()->CopyFrom(r.trace().resource_spans());
  return out;
}

}  // namespace tempo::e2e
