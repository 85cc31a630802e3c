// Decode-and-convert cost of the Zipkin and Jaeger receivers, on one core: how many spans per
// second a request body becomes OTLP (the work a receiver does before the distributor).
//   foreign_decode_bench [--spans-per-request=100] [--tags=10] [--seconds=3]
// Prints one line per format: spans/s, MB/s of request body, and ns per span.

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>

#include "Agent.h"
#include "jaeger_types.h"
#include "receiver/foreign_push.h"
#include "tempo/model/jaeger.h"
#include "tempo/model/zipkin.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace jt = tempo::jaeger_thrift;

int flag(int argc, char** argv, const char* name, int def) {
  const size_t n = std::strlen(name);
  for (int i = 1; i < argc; ++i)
    if (std::strncmp(argv[i], name, n) == 0 && argv[i][n] == '=') return std::atoi(argv[i] + n + 1);
  return def;
}

std::string hex(uint64_t v, int digits) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}

std::string zipkin_body(int spans, int tags, std::mt19937_64& rng) {
  std::string b = "[";
  const std::string trace = hex(rng(), 16) + hex(rng(), 16);
  for (int i = 0; i < spans; ++i) {
    if (i) b += ",";
    b += "{\"traceId\":\"" + trace + "\",\"id\":\"" + hex(rng() | 1, 16) + "\",\"parentId\":\"" +
         hex(rng() | 1, 16) + "\",\"name\":\"GET /api/v1/items\",\"kind\":\"SERVER\"," +
         "\"timestamp\":1700000000000000,\"duration\":1234,\"localEndpoint\":{\"serviceName\":\"svc-" +
         std::to_string(i % 5) + "\",\"ipv4\":\"10.0.0.1\",\"port\":8080},\"tags\":{";
    for (int t = 0; t < tags; ++t) {
      b += std::string(t ? "," : "") + "\"attribute.key." + std::to_string(t) + "\":\"value-" +
           std::to_string(t * 7919 % 1000) + "\"";
    }
    b += "},\"annotations\":[{\"timestamp\":1700000000000100,\"value\":\"ws\"}]}";
  }
  return b + "]";
}

jt::Batch jaeger_batch(int spans, int tags, std::mt19937_64& rng) {
  jt::Batch b;
  b.process.serviceName = "svc";
  jt::Tag host;
  host.key = "hostname";
  host.vType = jt::TagType::STRING;
  host.__set_vStr("node-1");
  b.process.__set_tags({host});
  const int64_t hi = static_cast<int64_t>(rng()), lo = static_cast<int64_t>(rng());
  for (int i = 0; i < spans; ++i) {
    jt::Span s;
    s.traceIdHigh = hi;
    s.traceIdLow = lo;
    s.spanId = static_cast<int64_t>(rng() | 1);
    s.parentSpanId = static_cast<int64_t>(rng() | 1);
    s.operationName = "GET /api/v1/items";
    s.flags = 1;
    s.startTime = 1700000000000000;
    s.duration = 1234;
    std::vector<jt::Tag> ts;
    for (int t = 0; t < tags; ++t) {
      jt::Tag tag;
      tag.key = "attribute.key." + std::to_string(t);
      if (t % 3 == 0) {
        tag.vType = jt::TagType::LONG;
        tag.__set_vLong(t * 7919);
      } else {
        tag.vType = jt::TagType::STRING;
        tag.__set_vStr("value-" + std::to_string(t * 7919 % 1000));
      }
      ts.push_back(tag);
    }
    jt::Tag kind;
    kind.key = "span.kind";
    kind.vType = jt::TagType::STRING;
    kind.__set_vStr("server");
    ts.push_back(kind);
    s.__set_tags(ts);
    b.spans.push_back(s);
  }
  return b;
}

template <typename Protocol>
std::string agent_datagram(const jt::Batch& b) {
  auto buf = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  Protocol p(buf);
  p.writeMessageBegin("emitBatch", apache::thrift::protocol::T_ONEWAY, 1);
  jt::Agent_emitBatch_pargs args;
  args.batch = &b;
  args.write(&p);
  p.writeMessageEnd();
  return buf->getBufferAsString();
}

void run(const char* name, size_t body_bytes, int spans, double seconds,
         const std::function<bool()>& once) {
  uint64_t requests = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    for (int i = 0; i < 16; ++i) {
      if (!once()) {
        std::fprintf(stderr, "%s: conversion failed\n", name);
        std::exit(1);
      }
    }
    requests += 16;
  }
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  const double span_rate = static_cast<double>(requests) * spans / secs;
  std::printf("%-26s %10.0f spans/s  %7.1f MB/s of body  %6.0f ns/span  (%zu-byte requests)\n",
              name, span_rate, static_cast<double>(requests) * body_bytes / secs / 1e6,
              1e9 / span_rate, body_bytes);
}

}  // namespace

int main(int argc, char** argv) {
  const int spans = flag(argc, argv, "--spans-per-request", 100);
  const int tags = flag(argc, argv, "--tags", 10);
  const double seconds = flag(argc, argv, "--seconds", 3);
  std::mt19937_64 rng(42);
  std::printf("one core, %d spans per request, %d tags per span\n", spans, tags);

  const std::string zipkin = zipkin_body(spans, tags, rng);
  run("zipkin v2 JSON", zipkin.size(), spans, seconds, [&] {
    tempo::receiver::ConvertedRequest req;  // on an arena, as the receivers convert
    auto* out = req.get();
    return tempo::model::zipkin_json_to_otlp(zipkin, out).is_ok();
  });

  const jt::Batch batch = jaeger_batch(spans, tags, rng);
  auto http_buf = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  apache::thrift::protocol::TBinaryProtocol http_proto(http_buf);
  batch.write(&http_proto);
  const std::string http_body = http_buf->getBufferAsString();
  run("jaeger thrift HTTP", http_body.size(), spans, seconds, [&] {
    tempo::receiver::ConvertedRequest req;  // on an arena, as the receivers convert
    auto* out = req.get();
    return tempo::model::jaeger_thrift_batch_to_otlp(http_body, out).is_ok();
  });
  const std::string compact = agent_datagram<apache::thrift::protocol::TCompactProtocol>(batch);
  run("jaeger agent UDP compact", compact.size(), spans, seconds, [&] {
    tempo::receiver::ConvertedRequest req;  // on an arena, as the receivers convert
    auto* out = req.get();
    return tempo::model::jaeger_agent_datagram_to_otlp(compact, tempo::model::ThriftProtocol::kCompact,
                                                       out)
        .is_ok();
  });
  return 0;
}
