#pragma once
// What queriers may read of the data an ingester holds before it is in backend blocks: the
// seam between the querier and the ingester, so a querier can run without an ingester in the
// same process later, and tests can give it any data.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/columnar/fetch.h"
#include "tempo/model/trace_id.h"
#include "tempo/util/status.h"

namespace tempo::ingester {

class LiveReader {
 public:
  virtual ~LiveReader() = default;
  // Appends every stored piece of trace `id` (each a serialized TracesData); `bytes_read`
  // accumulates the bytes read.
  virtual Status find(std::string_view tenant, const TraceId& id,
                      std::vector<std::string>* segments, uint64_t* bytes_read) = 0;
  // One searchable source per block of not-yet-flushed data of `tenant`. A span acknowledged
  // to its client is in one of them (or already in a backend block).
  virtual Status sources(std::string_view tenant,
                         std::vector<std::shared_ptr<columnar::SpanSource>>* out) = 0;
};

}  // namespace tempo::ingester
