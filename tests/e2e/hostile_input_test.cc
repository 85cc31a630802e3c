// Input built to hurt the server, from outside: length bombs, decompression bombs, values
// that wrap. Each must get a clear refusal (or, over UDP, a logged drop) at a bounded memory
// cost, and the server must stay up and keep serving good data.

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "harness.h"
#include "tempo/util/compression.h"

namespace tempo::e2e {
namespace {

std::string unhex(std::string_view h) { return hex_to_bytes(std::string(h)); }

void send_udp(int port, const std::string& datagram) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  auto n = ::sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&addr),
                    sizeof addr);
  ::close(fd);
  REQUIRE(n == static_cast<ssize_t>(datagram.size()));
}

server::ClientResponse post(int port, const std::string& target, const std::string& body,
                            const std::string& content_type) {
  server::HttpClient c("127.0.0.1", static_cast<uint16_t>(port));
  server::ClientResponse res;
  Status s = c.post(target, body, content_type, &res);
  INFO(s.to_string());
  REQUIRE(s.is_ok());
  return res;
}

// The server is up and a valid trace sent now is stored and readable by ID.
void require_still_serving(TempoServer& s) {
  REQUIRE(s.get("/ready").status == 200);
  const std::string id = random_trace_hex();
  auto req = make_request({id}, 2);
  REQUIRE(s.export_grpc(req).ok());
  auto got = s.get("/api/traces/" + id);
  REQUIRE(got.status == 200);
}

// gzip of `size` zero bytes, made in 1 MiB steps so the test never holds the inflated size.
std::string gzip_of_zeros(size_t size) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) ==
          Z_OK);
  const std::string zeros(1 << 20, '\0');
  std::string out;
  char buf[1 << 16];
  for (size_t done = 0; done < size;) {
    const size_t n = std::min(zeros.size(), size - done);
    done += n;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
    z.avail_in = static_cast<uInt>(n);
    const int flush = done == size ? Z_FINISH : Z_NO_FLUSH;
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      deflate(&z, flush);
      out.append(buf, sizeof buf - z.avail_out);
    } while (z.avail_out == 0);
  }
  deflateEnd(&z);
  return out;
}

// A unary call whose message is `gzipped`, sent as is and flagged gzip-compressed. Only the
// C core API can send a message already compressed (the C++ API compresses it itself).
grpc::Status raw_gzip_call(int port, const std::string& method, const std::string& gzipped) {
  grpc_init();  // the C++ API does this for itself; the C API needs it
  grpc_arg arg;
  arg.type = GRPC_ARG_INTEGER;
  arg.key = const_cast<char*>(GRPC_COMPRESSION_CHANNEL_DEFAULT_ALGORITHM);
  arg.value.integer = GRPC_COMPRESS_GZIP;
  grpc_channel_args args{1, &arg};
  grpc_channel_credentials* creds = grpc_insecure_credentials_create();
  grpc_channel* channel =
      grpc_channel_create(("127.0.0.1:" + std::to_string(port)).c_str(), creds, &args);
  grpc_channel_credentials_release(creds);
  grpc_completion_queue* cq = grpc_completion_queue_create_for_pluck(nullptr);
  const gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
                                             gpr_time_from_seconds(60, GPR_TIMESPAN));
  grpc_slice method_slice = grpc_slice_from_copied_string(method.c_str());
  grpc_call* call = grpc_channel_create_call(channel, nullptr, GRPC_PROPAGATE_DEFAULTS, cq,
                                             method_slice, nullptr, deadline, nullptr);
  grpc_slice payload = grpc_slice_from_copied_buffer(gzipped.data(), gzipped.size());
  grpc_byte_buffer* message = grpc_raw_compressed_byte_buffer_create(&payload, 1,
                                                                     GRPC_COMPRESS_GZIP);
  grpc_slice_unref(payload);

  grpc_metadata_array initial, trailing;
  grpc_metadata_array_init(&initial);
  grpc_metadata_array_init(&trailing);
  grpc_byte_buffer* response = nullptr;
  grpc_status_code code = GRPC_STATUS_UNKNOWN;
  grpc_slice details = grpc_empty_slice();
  grpc_op ops[6] = {};
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[1].op = GRPC_OP_SEND_MESSAGE;
  ops[1].data.send_message.send_message = message;
  ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[3].data.recv_initial_metadata.recv_initial_metadata = &initial;
  ops[4].op = GRPC_OP_RECV_MESSAGE;
  ops[4].data.recv_message.recv_message = &response;
  ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[5].data.recv_status_on_client.trailing_metadata = &trailing;
  ops[5].data.recv_status_on_client.status = &code;
  ops[5].data.recv_status_on_client.status_details = &details;
  int tag = 0;
  REQUIRE(grpc_call_start_batch(call, ops, 6, &tag, nullptr) == GRPC_CALL_OK);
  auto ev = grpc_completion_queue_pluck(cq, &tag, deadline, nullptr);
  REQUIRE(ev.type == GRPC_OP_COMPLETE);
  char* text = grpc_slice_to_c_string(details);
  grpc::Status status(static_cast<grpc::StatusCode>(code), text);
  gpr_free(text);

  grpc_slice_unref(details);
  grpc_slice_unref(method_slice);
  if (response) grpc_byte_buffer_destroy(response);
  grpc_byte_buffer_destroy(message);
  grpc_metadata_array_destroy(&initial);
  grpc_metadata_array_destroy(&trailing);
  grpc_call_unref(call);
  grpc_completion_queue_shutdown(cq);
  grpc_completion_queue_destroy(cq);
  grpc_channel_destroy(channel);
  grpc_shutdown();
  return status;
}

}  // namespace

// gRPC 1.51 inflated a 2 MB gzip request to 2 GiB (2.25 GB RSS) before its size check
// answered RESOURCE_EXHAUSTED; now inflating stops at the receive limit.
TEST_CASE("gRPC: a gzip bomb to OTLP and Jaeger gRPC is refused within the receive limit") {
  TempoServer s({.zipkin_jaeger = true});
  s.start();
  const std::string bomb = gzip_of_zeros(size_t{2} << 30);
  INFO("bomb: " << bomb.size() << " bytes of gzip");
  REQUIRE(bomb.size() < (3u << 20));
  for (auto [port, method] :
       {std::pair{s.grpc_port(), "/opentelemetry.proto.collector.trace.v1.TraceService/Export"},
        std::pair{s.jaeger_grpc_port(), "/jaeger.api_v2.CollectorService/PostSpans"}}) {
    INFO(method);
    grpc::Status st = raw_gzip_call(port, method, bomb);
    CHECK(st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
    CHECK_THAT(st.error_message(), Catch::Contains("larger than max"));
  }
  const long peak = proc_status_kib(s.pid(), "VmHWM");
  INFO("server peak RSS " << peak / 1024 << " MiB");
  CHECK(peak > 0);
  if (memory_bounds_apply()) CHECK(peak < 300 * 1024);

  // Compressed requests within the limit still work, both through this path and gRPC's.
  const std::string id = random_trace_hex();
  auto req = make_request({id}, 3);
  REQUIRE(s.export_grpc(req, "", /*gzip=*/true).ok());
  std::string small;
  REQUIRE(gzip_compress(req.SerializeAsString(), &small).is_ok());
  CHECK(raw_gzip_call(s.grpc_port(),
                      "/opentelemetry.proto.collector.trace.v1.TraceService/Export", small)
            .ok());
  REQUIRE(s.get("/api/traces/" + id).status == 200);
  require_still_serving(s);
}

// One datagram once killed the process (std::bad_alloc escaping a worker, exit 134): a list
// of 2^31-1 spans in 26 bytes.
TEST_CASE("jaeger agent: list-size bombs on 6831 and 6832 are dropped, the server stays up") {
  TempoServer s({.zipkin_jaeger = true});
  s.start();
  const long rss_before = proc_status_kib(s.pid(), "VmHWM");
  send_udp(s.jaeger_compact_port(),
           unhex("82210109656d697442617463681c1c1801780019fcffffffff07"));
  send_udp(s.jaeger_binary_port(),
           unhex("8001000400000009656d69744261746368000000010c00010c00010b000100000001780"
                 "00f00020c7fffffff"));
  // UDP has no reply: wait for both drops to be logged.
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  auto drops = [&] {
    size_t n = 0;
    const std::string log = s.log();
    for (size_t p = log.find("jaeger agent batch dropped"); p != std::string::npos;
         p = log.find("jaeger agent batch dropped", p + 1)) {
      ++n;
    }
    return n;
  };
  while (drops() < 2 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO(s.log());
  CHECK(drops() == 2);
  CHECK(s.log().find("exceeds the bytes received") != std::string::npos);
  require_still_serving(s);
  if (memory_bounds_apply()) CHECK(proc_status_kib(s.pid(), "VmHWM") - rss_before < 64 * 1024);
  CHECK(s.stop() == 0);
}

// 13 bytes claiming a 2 GiB string once made the server allocate 2 GB; a list-size bomb
// answered 500 std::bad_alloc.
TEST_CASE("jaeger thrift HTTP: length bombs get 400 and cost no memory") {
  TempoServer s({.zipkin_jaeger = true});
  s.start();
  const long rss_before = proc_status_kib(s.pid(), "VmHWM");
  for (const char* body : {"0c00010b00017fffffff616263", "0c00010b000100000001780"
                                                          "00f00020c7fffffff"}) {
    INFO(body);
    auto res = post(s.jaeger_http_port(), "/api/traces", unhex(body), "application/x-thrift");
    CHECK(res.status == 400);
    CHECK_THAT(res.body, Catch::Contains("cannot decode jaeger thrift batch") &&
                             Catch::Contains("exceeds the bytes received"));
  }
  if (memory_bounds_apply()) CHECK(proc_status_kib(s.pid(), "VmHWM") - rss_before < 64 * 1024);
  require_still_serving(s);
}

// A Zipkin timestamp of 2^64-1 us was stored wrapped and gave its block the range 1970-2554;
// OTLP times far ahead or an end before the start did the same.
TEST_CASE("times that wrap are refused, absurd OTLP ranges are clamped in block metadata") {
  TempoServer s({.zipkin_jaeger = true});
  s.start();
  const std::string zid = random_trace_hex();
  auto res = post(s.zipkin_port(), "/api/v2/spans",
                  R"([{"traceId":")" + zid +
                      R"(","id":"00000000000000a1","name":"x","timestamp":18446744073709551615,"duration":5}])",
                  "application/json");
  CHECK(res.status == 400);
  CHECK_THAT(res.body, Catch::Contains("timestamp 18446744073709551615 is out of range"));
  CHECK(s.get("/api/traces/" + zid).status == 404);

  // OTLP: the spans are stored as sent (Tempo does too), but the trace's range in the block
  // metadata is clamped to ingestion time (Tempo's ingestion slack).
  const std::string oid = random_trace_hex();
  auto req = make_request({oid}, 2);
  auto* spans = req.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans();
  spans->Mutable(0)->set_start_time_unix_nano(UINT64_MAX - 10);
  spans->Mutable(0)->set_end_time_unix_nano(UINT64_MAX);
  spans->Mutable(1)->set_start_time_unix_nano(1700000000000000000ull);
  spans->Mutable(1)->set_end_time_unix_nano(1);
  const auto before = std::chrono::system_clock::now();
  REQUIRE(s.export_grpc(req).ok());
  REQUIRE(s.get("/api/traces/" + oid).status == 200);
  REQUIRE(s.post("/flush").status == 204);
  auto metas = files_under(s.blocks_dir(), "meta.json");
  REQUIRE(metas.size() == 1);
  std::ifstream f(metas[0]);
  auto meta = nlohmann::json::parse(f, nullptr, false);
  INFO(meta.dump());
  const std::string start = meta.value("startTime", ""), end = meta.value("endTime", "");
  // 1700000000 s is 2023-11-14; the end is the ingestion time, not 2554 or 1970.
  CHECK(start.rfind("2023-11-14T", 0) == 0);
  const auto year = [](const std::string& t) { return t.substr(0, 4); };
  const auto now_year = std::to_string(
      1970 + std::chrono::duration_cast<std::chrono::hours>(before.time_since_epoch()).count() /
                 (24 * 36525 / 100));
  CHECK(year(end) == now_year);
  CHECK(s.get("/metrics").body.find("tempo_warnings_total{reason=\"outside_ingestion_time_slack\"") !=
        std::string::npos);

  // An all-zero trace ID is invalid (OTLP), and the message says so.
  auto zero = make_request({"00000000000000000000000000000000"}, 1);
  auto st = s.export_grpc(zero);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(st.error_message() == "trace ID is all zeroes");
  require_still_serving(s);
}

}  // namespace tempo::e2e
