#pragma once
// Builds one immutable block from traces given in ascending ID order, in the format
// WriterOptions::format names (vcpp2 by default; docs/block_format.md).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tempo/backend/backend.h"
#include "tempo/block/block_meta.h"
#include "tempo/model/trace_id.h"
#include "tempo/util/status.h"

namespace tempo::columnar {
class TableCopySource;
}  // namespace tempo::columnar

namespace tempo::block {

class FormatWriter;

struct WriterOptions {
  // meta.json `format` to write: "vcpp2" (columnar) or "vcpp1" (protobuf pages, kept for
  // tests and for reading old blocks).
  std::string format{kDefaultFormat};
  // vcpp1: a page is cut once its uncompressed size reaches this; one large trace may make a
  // page larger.
  size_t page_size_bytes = 256 * 1024;
  // vcpp2: a row group is cut once it holds this many spans (whole traces, so one large trace
  // may make a group larger). Measured with bench/block_bench: 2 k spans keeps compression
  // within a few percent of much larger groups and a cold by-ID read of one group cheap.
  size_t row_group_spans = 2000;
  // vcpp2: a span column or span attribute chunk of at least `frame_min_bytes` plain bytes is
  // cut at trace boundaries into zstd frames of about `frame_spans` spans each, so a lookup by
  // ID decompresses one frame of it rather than the whole chunk (0 = never cut). Every frame
  // costs a scan ~15k instructions (zstd's per-frame setup) and some compression. Measured
  // with bench/block_bench (docs/block_format.md, "Framed chunks"): 700 and 8 KiB take 16%
  // off a lookup's instructions for 1.2% more bytes and 2.5% more scan instructions; 4 KiB
  // takes 27% off for 2.7% bytes and 6% scan.
  size_t frame_spans = 700;
  size_t frame_min_bytes = 8192;
  double bloom_false_positive = 0.01;          // storage.trace.block.bloom_filter_false_positive
  size_t bloom_shard_size_bytes = 100 * 1024;  // storage.trace.block.bloom_filter_shard_size_bytes
  // An upper bound of the traces the block will hold (0 = unknown): with it, the bloom filter
  // is filled as traces are added instead of from a list of every ID kept to the end
  // (block_io.h, BloomShards). More traces than this are still found, at a higher
  // false-positive rate.
  uint64_t expected_traces = 0;
  uint32_t compaction_level = 0;  // 0 for blocks cut by the ingester; the compactor sets more
};

// Not thread-safe. `backend` must outlive the writer. Destroying a writer without a
// successful finish() leaves no visible block (meta.json is never written) and removes what
// it can of the objects it wrote.
class BlockWriter {
 public:
  BlockWriter(backend::Backend& backend, std::string tenant, std::string block_id,
              WriterOptions options);
  ~BlockWriter();
  BlockWriter(const BlockWriter&) = delete;
  BlockWriter& operator=(const BlockWriter&) = delete;

  // Traces must arrive in strictly ascending ID order (kInvalidArgument otherwise, and the
  // writer stays usable). start/end widen the block's time range. vcpp1 stores `payload` as
  // opaque bytes; vcpp2 needs a serialized TracesData (several concatenated are fine: they are
  // combined as model::combine_segments does) and refuses anything else with
  // kInvalidArgument. kInvalidArgument for every call when options.format is unknown.
  Status add(const TraceId& id, std::string_view payload, uint64_t start_unix_nano,
             uint64_t end_unix_nano);
  // The same for trace `row` of `src`'s table (every column loaded), which must be `id`: the
  // compactor's way for a trace only one input holds. vcpp2 copies its rows without
  // assembling OTLP; vcpp1 stores the assembled, serialized trace.
  Status add_from(const TraceId& id, columnar::TableCopySource& src, uint32_t row,
                  uint64_t start_unix_nano, uint64_t end_unix_nano);
  // Writes the rest of data, then index and bloom shards, then meta.json — last, so the
  // block exists for readers only once it is complete. kInvalidArgument for an empty block.
  Status finish(BlockMeta* out);

 private:
  std::string format_;
  std::unique_ptr<FormatWriter> impl_;  // null when the format is unknown
};

}  // namespace tempo::block
