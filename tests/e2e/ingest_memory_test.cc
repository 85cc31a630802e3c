// The server's memory while it ingests: WAL data stays on disk, so the heap must not grow
// with the bytes received, neither while they sit in the WAL nor after /flush.

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "harness.h"

namespace tempo::e2e {
namespace {

constexpr int kTracesPerRequest = 8;
constexpr int kSpansPerTrace = 32;
constexpr size_t kPaddingBytes = 4096;  // per span: a request is about 1 MiB

// A request of fresh traces whose spans each carry kPaddingBytes of attribute, so that a few
// seconds of sending move a lot of bytes through the receiver, the WAL and the block writer.
ExportTraceServiceRequest big_request(std::vector<std::string>* ids) {
  return padded_request(kTracesPerRequest, kSpansPerTrace, kPaddingBytes, ids);
}

long heap_kib(const TempoServer& s) { return proc_status_kib(s.pid(), "RssAnon"); }

}  // namespace

// The gRPC receivers kept every request they decoded: their handler took ownership of the
// byte buffer gRPC hands to Deserialize and never destroyed it, so the heap grew by the size
// of each request (~330 bytes per span, 3.3 GB after 10M spans) and /flush gave none back.
TEST_CASE("ingest memory: the heap does not grow with the bytes sent over OTLP gRPC") {
  // Heap growth is all this test measures; under ASan the leak it guards against is
  // LeakSanitizer's to find.
  if (!memory_bounds_apply()) return;
  TempoServer s;
  s.start();
  std::vector<std::string> ids;

  // Warm up: gRPC's threads, the WAL and the metrics exist before the baseline.
  for (int i = 0; i < 8; ++i) REQUIRE(s.export_grpc(big_request(&ids)).ok());
  const long base = heap_kib(s);
  REQUIRE(base > 0);

  constexpr int kRequests = 128;
  uint64_t sent = 0;
  ExportTraceServiceRequest last;
  for (int i = 0; i < kRequests; ++i) {
    last = big_request(&ids);
    sent += last.ByteSizeLong();
    REQUIRE(s.export_grpc(last).ok());
  }
  const long after_ingest = heap_kib(s);
  INFO("sent " << sent / (1 << 20) << " MiB; server heap (RssAnon) " << base / 1024
               << " MiB before, " << after_ingest / 1024 << " MiB after");
  REQUIRE(sent > (120u << 20));
  // Before the fix the heap grew by at least what was sent.
  CHECK(after_ingest - base < 40 * 1024);

  REQUIRE(s.post("/flush").status == 204);
  REQUIRE(!files_under(s.blocks_dir(), "meta.json").empty());
  const long after_flush = heap_kib(s);
  INFO("after /flush " << after_flush / 1024 << " MiB");
  CHECK(after_flush - base < 40 * 1024);

  // What was sent is stored: the last trace reads back whole from its block.
  auto res = s.get("/api/traces/" + ids.back());
  REQUIRE(res.status == 200);
  require_same_spans(last, ids.back(), parse_v1_json(res.body));
}

}  // namespace tempo::e2e
