// SpanTableBuilder::add_trace_bytes (the wire path a flush builds blocks with) against
// protobuf's parser, model::combine_segments and add_trace (tests/testing/
// span_table_agreement.h). The input is a trace's stored bytes as the WAL holds them: the
// wire path must take what protobuf takes (bar groups) and refuse what it cannot read without
// touching the table; on protobuf's own serialization of the input both must build the same
// table, column by column. A disagreement aborts, so the fuzzer reports it like a crash.

#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "ingest.h"
#include "testing/rich_trace.h"
#include "testing/span_table_agreement.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    google::protobuf::SetLogHandler(nullptr);  // protobuf logs each invalid UTF-8 string
    return true;
  }();
  (void)quiet;
  static const std::string before =
      tempo::testing::rich_trace(std::string(16, '\x05')).SerializeAsString();
  const std::string_view stored(reinterpret_cast<const char*>(data), size);
  if (stored.size() > tempo::fuzz::max_grpc_message()) return -1;
  // The input as it is: taken when protobuf takes it, refused without a trace otherwise; its
  // table is compared once protobuf has serialized it (one encoding per resource and scope).
  std::string d = tempo::testing::check_span_table_wire(stored, before, /*compare_tables=*/false);
  if (d.empty()) d = tempo::testing::check_span_table_wire_canonical(stored);
  if (!d.empty()) {
    std::fprintf(stderr, "add_trace_bytes disagrees with the message path: %s\n", d.c_str());
    std::abort();
  }
  return 0;
}
