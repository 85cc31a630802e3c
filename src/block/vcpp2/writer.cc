// vcpp2 writer: traces collect into a SpanTable until the row group holds enough spans; the
// group is then written as column chunks, each its own zstd frame, and described in the
// index.

#include <algorithm>
#include <limits>
#include <optional>
#include <unordered_set>
#include <vector>

#include "block/block_format.h"
#include "block/block_io.h"
#include "block/vcpp2/chunk_codec.h"
#include "block/vcpp2/layout.h"
#include "block/vcpp2/string_filter.h"
#include "block/vcpp2/vcpp2.h"
#include "block/vcpp2/vcpp2_internal.h"
#include "block/zstd_codec.h"
#include "tempo/columnar/otlp_columns.h"
#include "tempo/model/trace_combine.h"
#include "tempo/observability/log.h"

namespace tempo::block::vcpp2 {
namespace {

using columnar::kAttrOwnerCount;

class Writer final : public FormatWriter {
 public:
  Writer(backend::Backend& backend, std::string tenant, std::string block_id,
         const WriterOptions& options)
      : backend_(backend), options_(options) {
    options_.row_group_spans = std::max<size_t>(options.row_group_spans, 1);
    meta_.format = std::string(kFormatV2);
    meta_.format_version = kFormatVersion;
    meta_.tenant_id = std::move(tenant);
    meta_.block_id = std::move(block_id);
    meta_.compaction_level = options.compaction_level;
    meta_.index_page_size = static_cast<uint32_t>(
        std::min<size_t>(options_.row_group_spans, std::numeric_limits<uint32_t>::max()));
    dir_ = meta_.tenant_id + "/" + meta_.block_id + "/";
  }

  Status add(const TraceId& id, std::string_view payload, uint64_t start, uint64_t end) override {
    if (finished_) return Status::invalid_argument("block writer already finished");
    if (any_ && !(last_ < id)) {
      return Status::invalid_argument("block traces must be added in ascending ID order: " +
                                      id.hex() + " after " + last_.hex());
    }
    // Pieces of one trace (WAL records) are merged and repeated spans dropped, as the querier
    // would on read: the block stores each resource once and each span once.
    Status s = model::combine_segments(payload, &trace_);
    if (!s.is_ok()) {
      return Status::invalid_argument("trace " + id.hex() +
                                      " is not a serialized TracesData: " + s.message());
    }
    if (!data_) {
      TEMPO_RETURN_IF_ERROR(backend_.open_writer(dir_ + std::string(format::kDataObject), &data_));
    }
    if (!builder_) builder_.emplace(&table_);
    builder_->add_trace(id, trace_);
    last_ = id;
    ids_.push_back(id);
    if (!any_) {
      meta_.min_id = id;
      meta_.start_unix_nano = start;
      meta_.end_unix_nano = end;
    }
    meta_.max_id = id;
    meta_.start_unix_nano = std::min(meta_.start_unix_nano, start);
    meta_.end_unix_nano = std::max(meta_.end_unix_nano, end);
    any_ = true;
    meta_.total_objects++;
    if (builder_->spans() >= options_.row_group_spans) return cut_group();
    return Status::ok();
  }

  Status finish(BlockMeta* out) override {
    if (finished_) return Status::invalid_argument("block writer already finished");
    if (!any_) return Status::invalid_argument("refusing to write an empty block");
    finished_ = true;
    Status st = write_rest();
    if (!st.is_ok()) {
      remove_partial();
      return st;
    }
    *out = meta_;
    return Status::ok();
  }

 private:
  // Appends one compressed chunk to the group being assembled and returns where it is.
  Status put_chunk(ChunkRef* ref) {
    TEMPO_RETURN_IF_ERROR(zstd_.compress(raw_, &compressed_));
    if (group_.size() + compressed_.size() > std::numeric_limits<uint32_t>::max() ||
        raw_.size() > std::numeric_limits<uint32_t>::max()) {
      return Status::invalid_argument("a vcpp2 row group would exceed 4 GiB");
    }
    ref->offset = static_cast<uint32_t>(group_.size());
    ref->length = static_cast<uint32_t>(compressed_.size());
    ref->raw_length = static_cast<uint32_t>(raw_.size());
    group_.append(compressed_);
    return Status::ok();
  }

  Status cut_group() {
    if (!builder_) return Status::ok();
    builder_->finish();
    builder_.reset();
    const columnar::SpanTable& t = table_;
    RowGroup g;
    g.first = t.traces.id.front();
    g.last = t.traces.id.back();
    g.offset = offset_;
    columnar::compute_stats(t, &g.stats);
    g.stats.strings = nullptr;
    if (!too_many_strings_) {
      for (const auto& str : t.strings.strings()) block_strings_.insert(str);
      if (block_strings_.size() > kMaxFilteredStrings) {
        too_many_strings_ = true;
        block_strings_ = {};
      }
    }
    group_.clear();
    // Layout: the fixed chunks in Chunk order, with the (few, small) resource attribute
    // chunks right after kName so the columns every scan loads are nearly contiguous; then
    // span attribute chunks by key id, then the shared scope/event/link chunks.
    auto fixed = [&](Chunk c) {
      encode_chunk(t, c, &raw_);
      return put_chunk(&g.fixed[static_cast<int>(c)]);
    };
    // Per-key chunks in key-id order (what AttrTable::keys needs), recorded against the
    // statistics entry of their key (sorted by key text).
    auto per_key = [&](int o) -> Status {
      const auto& at = t.attrs[o];
      g.attr_chunks[o].resize(g.stats.attrs[o].size());
      for (const auto& run : at.keys) {
        const std::string_view key = t.strings.get(run.key);
        const auto& st = g.stats.attrs[o];
        auto it = std::lower_bound(
            st.begin(), st.end(), key,
            [](const columnar::AttrKeyStats& s, std::string_view k) { return s.key < k; });
        encode_attr_run(at, run, &raw_);
        TEMPO_RETURN_IF_ERROR(put_chunk(&g.attr_chunks[o][it - st.begin()]));
      }
      return Status::ok();
    };
    for (int c = 0; c <= static_cast<int>(Chunk::kName); ++c) {
      TEMPO_RETURN_IF_ERROR(fixed(static_cast<Chunk>(c)));
    }
    TEMPO_RETURN_IF_ERROR(per_key(static_cast<int>(columnar::AttrOwner::kResource)));
    for (int c = static_cast<int>(Chunk::kKind); c < kFixedChunks; ++c) {
      TEMPO_RETURN_IF_ERROR(fixed(static_cast<Chunk>(c)));
    }
    TEMPO_RETURN_IF_ERROR(per_key(static_cast<int>(columnar::AttrOwner::kSpan)));
    for (int o = 0; o < kAttrOwnerCount; ++o) {
      if (per_key_chunks(o) || t.attrs[o].keys.empty()) continue;
      encode_attr_table(t.attrs[o], &raw_);
      g.attr_chunks[o].emplace_back();
      TEMPO_RETURN_IF_ERROR(put_chunk(&g.attr_chunks[o].back()));
    }
    TEMPO_RETURN_IF_ERROR(data_->append(group_));
    g.length = static_cast<uint32_t>(group_.size());
    offset_ += group_.size();
    groups_.push_back(std::move(g));
    return Status::ok();
  }

  Status write_rest() {
    TEMPO_RETURN_IF_ERROR(cut_group());
    TEMPO_RETURN_IF_ERROR(data_->close());
    data_.reset();
    written_.push_back(dir_ + std::string(format::kDataObject));
    meta_.size = offset_;
    meta_.total_records = static_cast<uint32_t>(groups_.size());

    // Plain: a cold lookup reads it whole, and its CRC already guards it (zstd would save
    // ~0.1 byte per span and cost the lookup a decompression).
    written_.push_back(dir_ + std::string(format::kIndexObject));
    TEMPO_RETURN_IF_ERROR(backend_.write(written_.back(), encode_index(groups_)));

    TEMPO_RETURN_IF_ERROR(
        write_bloom_shards(backend_, dir_, ids_, options_, &written_, &meta_.bloom_shards));
    ids_ = {};
    if (!too_many_strings_ && !block_strings_.empty()) {
      BloomFilter filter(block_strings_.size(), kStringFilterFalsePositive);
      for (const auto& str : block_strings_) filter.add(string_filter_key(str));
      block_strings_ = {};
      written_.push_back(dir_ + std::string(kStringFilterObject));
      TEMPO_RETURN_IF_ERROR(backend_.write(written_.back(), filter.encode()));
      meta_.columns.emplace_back(kStringFilterObject);
    }
    // meta.json last: until it exists, readers do not see the block.
    return backend_.write(dir_ + std::string(format::kMetaObject), meta_.to_json());
  }

  void remove_partial() {
    data_.reset();
    for (const auto& key : written_) {
      Status st = backend_.remove(key);
      if (!st.is_ok()) {
        log::warn("removing part of a failed block", {{"key", key}, {"err", st.to_string()}});
      }
    }
    written_.clear();
  }

  backend::Backend& backend_;
  WriterOptions options_;
  BlockMeta meta_;
  std::string dir_;
  ZstdCompressor zstd_;
  std::unique_ptr<backend::ObjectWriter> data_;  // opened on the first add()
  opentelemetry::proto::trace::v1::TracesData trace_;
  columnar::SpanTable table_;                          // the row group being filled
  std::optional<columnar::SpanTableBuilder> builder_;  // set while a group is open
  std::string raw_, compressed_, group_;               // reused across chunks and groups
  std::unordered_set<std::string> block_strings_;      // for the block's string filter
  bool too_many_strings_ = false;
  uint64_t offset_ = 0;                                // bytes of data written
  std::vector<RowGroup> groups_;
  TraceId last_;
  bool any_ = false;
  bool finished_ = false;
  std::vector<TraceId> ids_;
  std::vector<std::string> written_;
};


}  // namespace

const Encoding& encoding() {
  static const EncodingOf<Writer, new_reader> e(kFormatV2, kFormatVersion);
  return e;
}

}  // namespace tempo::block::vcpp2
