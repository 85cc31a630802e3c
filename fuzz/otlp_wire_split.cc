// OTLP protobuf split on the wire (model::split_by_trace_wire, what the OTLP gRPC and
// OTLP/HTTP protobuf receivers run) against protobuf's own parser followed by
// model::split_by_trace: they must agree on every input (tests/testing/wire_split_agreement.h:
// the same refusals, bar groups, and segments that parse to the same messages). A
// disagreement aborts, so the fuzzer reports it like a crash.

#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "ingest.h"
#include "testing/wire_split_agreement.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // protobuf logs every invalid UTF-8 string it parses; millions of lines would slow the run.
  static const bool quiet = [] {
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  (void)quiet;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  if (body.size() > tempo::fuzz::max_grpc_message()) return -1;
  const auto r = tempo::testing::check_wire_split(body);
  if (!r.mismatch.empty()) {
    std::fprintf(stderr, "split_by_trace_wire disagrees with protobuf: %s\n", r.mismatch.c_str());
    std::abort();
  }
  return 0;
}
