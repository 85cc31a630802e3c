#pragma once
// Finds traces by ID across everything that holds them: the ingester's WAL blocks and the
// blocks in the backend. Pieces found in several places are combined and deduplicated.

#include <cstdint>
#include <optional>
#include <string_view>

#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "tempo/block/block_list.h"
#include "tempo/ingester/ingester.h"
#include "tempo/model/trace_id.h"

namespace tempo::querier {

struct TraceByIdRequest {
  TraceId id;
  // Unix seconds; when both are set, only blocks overlapping [start, end] are read.
  std::optional<uint64_t> start_seconds, end_seconds;
};

struct TraceByIdResult {
  bool found = false;
  opentelemetry::proto::trace::v1::TracesData trace;
  uint64_t inspected_bytes = 0;
  uint32_t blocks_searched = 0;
};

class Querier {
 public:
  Querier(ingester::Ingester& ingester, block::BlockList& blocks)
      : ingester_(ingester), blocks_(blocks) {}

  Status find_trace_by_id(std::string_view tenant, const TraceByIdRequest& req,
                          TraceByIdResult* out);

 private:
  ingester::Ingester& ingester_;
  block::BlockList& blocks_;
};

}  // namespace tempo::querier
