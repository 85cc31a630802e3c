// vcpp2 writer: traces collect into a SpanTable until the row group holds enough spans; the
// group is then written as column chunks, each its own zstd frame, and described in the
// index.

#include <absl/container/flat_hash_set.h>

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <vector>

#include "block/block_format.h"
#include "block/block_io.h"
#include "block/vcpp2/chunk_codec.h"
#include "block/vcpp2/chunk_frames.h"
#include "block/vcpp2/layout.h"
#include "block/vcpp2/string_filter.h"
#include "block/vcpp2/vcpp2.h"
#include "block/vcpp2/vcpp2_internal.h"
#include "block/zstd_codec.h"
#include "tempo/columnar/otlp_columns.h"
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
    meta_.format_version = kVcpp2Version;
    meta_.tenant_id = std::move(tenant);
    meta_.block_id = std::move(block_id);
    meta_.compaction_level = options.compaction_level;
    meta_.index_page_size = static_cast<uint32_t>(
        std::min<size_t>(options_.row_group_spans, std::numeric_limits<uint32_t>::max()));
    dir_ = meta_.tenant_id + "/" + meta_.block_id + "/";
  }

  Status add(const TraceId& id, std::string_view payload, uint64_t start, uint64_t end) override {
    TEMPO_RETURN_IF_ERROR(check_order(id));
    // Pieces of one trace (WAL records) are merged and repeated spans dropped, as the querier
    // would on read: the block stores each resource once and each span once. A trace that
    // fails leaves the group as it was.
    Status s = builder_->add_trace_bytes(id, payload);
    if (!s.is_ok()) {
      return Status::invalid_argument("trace " + id.hex() +
                                      " is not a serialized TracesData: " + s.message());
    }
    return added(id, start, end);
  }

  Status add_from(const TraceId& id, columnar::TableCopySource& src, uint32_t row, uint64_t start,
                  uint64_t end) override {
    TEMPO_RETURN_IF_ERROR(check_order(id));
    if (row >= src.table()->trace_count() || !(src.table()->traces.id[row] == id)) {
      return Status::invalid_argument("trace " + id.hex() + " is not at that row of the table");
    }
    builder_->add_trace_from(src, row);
    return added(id, start, end);
  }

  Status finish(BlockMeta* out) override {
    TEMPO_RETURN_IF_ERROR(finish_once(
        &finished_, any_, [&] { return write_rest(); }, [&] { remove_partial(); }));
    *out = meta_;
    return Status::ok();
  }

 private:
  // Before a trace goes into the group: the writer is open, IDs ascend, a group is open.
  Status check_order(const TraceId& id) {
    if (finished_) return Status::invalid_argument("block writer already finished");
    if (any_ && !(last_ < id)) {
      return Status::invalid_argument("block traces must be added in ascending ID order: " +
                                      id.hex() + " after " + last_.hex());
    }
    if (!builder_) {
      builder_.emplace(&table_);
      builder_->reserve_attrs(last_attr_rows_);
    }
    return Status::ok();
  }

  // After a trace went into the group: the block's bookkeeping, and the group cut when full.
  Status added(const TraceId& id, uint64_t start, uint64_t end) {
    if (!data_) {
      TEMPO_RETURN_IF_ERROR(backend_.open_writer(dir_ + std::string(format::kDataObject), &data_));
    }
    last_ = id;
    bloom_.add(id);
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

  // Where this group's span chunks are cut into frames: span rows where a trace begins, about
  // frame_spans apart (the first is 0), and the start column's state at each (the first
  // start of the last trace with spans before it).
  void plan_frames(const columnar::SpanTable& t) {
    cut_rows_.clear();
    cut_states_.clear();
    if (options_.frame_spans == 0) return;
    uint64_t prev_base = 0;
    for (size_t tr = 0; tr < t.trace_count(); ++tr) {
      const uint32_t b = t.traces.span_begin[tr], e = t.traces.span_end[tr];
      if (cut_rows_.empty() ||
          (b < t.span_count() && b - cut_rows_.back() >= options_.frame_spans)) {
        cut_rows_.push_back(cut_rows_.empty() ? 0 : b);
        cut_states_.push_back(prev_base);
      }
      if (b != e) prev_base = t.spans.start[b];
    }
  }

  void add_frame(uint32_t first_row, std::string_view plain, uint64_t state) {
    frames_.push_back({first_row, 0, 0, 0, static_cast<uint32_t>(plain.size()), state});
  }

  // Compresses the frames added since the last call (their plain bytes are `plains`) into
  // one framed chunk.
  Status put_frames(const std::vector<std::string_view>& plains, ChunkRef* ref) {
    frame_bytes_.clear();
    uint64_t raw_total = 0;
    for (size_t i = 0; i < plains.size(); ++i) {
      TEMPO_RETURN_IF_ERROR(zstd_.compress(plains[i], &compressed_));
      frames_[i].length = static_cast<uint32_t>(compressed_.size());
      frame_bytes_.append(compressed_);
      raw_total += plains[i].size();
    }
    const size_t start = group_.size();
    append_frame_table(frames_, &group_);
    group_.append(frame_bytes_);
    frames_.clear();
    if (group_.size() > std::numeric_limits<uint32_t>::max() ||
        raw_total > std::numeric_limits<uint32_t>::max()) {
      return Status::invalid_argument("a vcpp2 row group would exceed 4 GiB");
    }
    ref->offset = static_cast<uint32_t>(start);
    ref->length = static_cast<uint32_t>(group_.size() - start);
    ref->raw_length = static_cast<uint32_t>(raw_total);
    return Status::ok();
  }

  bool frame(size_t raw_size) const {
    return cut_rows_.size() > 1 && raw_size >= options_.frame_min_bytes;
  }

  // Fixed chunk `c` (plain bytes in raw_), cut into frames if it is a large span column.
  Status put_span_chunk(Chunk c, ChunkRef* ref) {
    const bool span_column = c == Chunk::kSpanIds || c == Chunk::kParents || c == Chunk::kStart ||
                             c == Chunk::kDuration || c == Chunk::kName || c == Chunk::kKind;
    if (!span_column || !frame(raw_.size())) return put_chunk(ref);
    if (!span_row_offsets(c, raw_, cut_rows_, &cut_bytes_)) {
      return Status::internal("vcpp2 writer: span chunk shorter than its rows");
    }
    plains_.clear();
    for (size_t k = 0; k < cut_rows_.size(); ++k) {
      const size_t end = k + 1 < cut_bytes_.size() ? cut_bytes_[k + 1] : raw_.size();
      plains_.push_back(std::string_view(raw_).substr(cut_bytes_[k], end - cut_bytes_[k]));
      add_frame(cut_rows_[k], plains_.back(), c == Chunk::kStart ? cut_states_[k] : 0);
    }
    return put_frames(plains_, ref);
  }

  // The span attribute run `run` (whole, plain, in raw_) cut into frames of the same span
  // rows as the span chunks; pieces holding no row of the key are left out.
  Status put_span_attr_run(const columnar::AttrTable& at, const columnar::AttrTable::KeyRun& run,
                           ChunkRef* ref) {
    if (!frame(raw_.size())) return put_chunk(ref);
    const auto first = at.owner.begin() + run.begin, last = at.owner.begin() + run.end;
    pieces_.resize(cut_rows_.size());
    plains_.clear();
    for (size_t k = 0; k < cut_rows_.size(); ++k) {
      const auto b = std::lower_bound(first, last, cut_rows_[k]);
      const auto e = k + 1 < cut_rows_.size() ? std::lower_bound(b, last, cut_rows_[k + 1]) : last;
      if (b == e) continue;
      encode_attr_rows(at, run.key, static_cast<uint32_t>(b - at.owner.begin()),
                       static_cast<uint32_t>(e - at.owner.begin()), &pieces_[k]);
      plains_.push_back(pieces_[k]);
      add_frame(cut_rows_[k], pieces_[k], 0);
    }
    if (plains_.size() < 2) {
      frames_.clear();
      return put_chunk(ref);
    }
    return put_frames(plains_, ref);
  }

  Status cut_group() {
    if (!builder_) return Status::ok();
    builder_->finish();
    builder_.reset();
    const columnar::SpanTable& t = table_;
    if (t.trace_count() == 0) return Status::ok();  // opened by an add() that was refused
    for (int k = 0; k < kAttrOwnerCount; ++k) last_attr_rows_[k] = t.attrs[k].owner.size();
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
    plan_frames(t);
    // Layout: the fixed chunks in Chunk order, with the (few, small) resource attribute
    // chunks right after kName so the columns every scan loads are nearly contiguous; then
    // span attribute chunks by key id, then the shared scope/event/link chunks.
    auto fixed = [&](Chunk c) {
      encode_chunk(t, c, &raw_);
      return put_span_chunk(c, &g.fixed[static_cast<int>(c)]);
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
        ChunkRef* ref = &g.attr_chunks[o][it - st.begin()];
        if (o == static_cast<int>(columnar::AttrOwner::kSpan)) {
          TEMPO_RETURN_IF_ERROR(put_span_attr_run(at, run, ref));
        } else {
          TEMPO_RETURN_IF_ERROR(put_chunk(ref));
        }
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
    index_.add(g);
    return Status::ok();
  }

  Status write_rest() {
    TEMPO_RETURN_IF_ERROR(cut_group());
    TEMPO_RETURN_IF_ERROR(data_->close());
    data_.reset();
    written_.push_back(dir_ + std::string(format::kDataObject));
    meta_.size = offset_;
    meta_.total_records = static_cast<uint32_t>(index_.groups());

    // Plain: a cold lookup reads it whole, and its CRC already guards it (zstd would save
    // ~0.1 byte per span and cost the lookup a decompression).
    written_.push_back(dir_ + std::string(format::kIndexObject));
    TEMPO_RETURN_IF_ERROR(backend_.write(written_.back(), index_.finish()));

    TEMPO_RETURN_IF_ERROR(bloom_.write(backend_, dir_, &written_, &meta_.bloom_shards));
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
  std::unique_ptr<backend::ObjectWriter> data_;        // opened on the first add()
  columnar::SpanTable table_;                          // the row group being filled
  std::optional<columnar::SpanTableBuilder> builder_;  // set while a group is open
  std::array<size_t, kAttrOwnerCount> last_attr_rows_{};  // the last group's, per owner kind
  std::string raw_, compressed_, group_;               // reused across chunks and groups
  std::vector<uint32_t> cut_rows_;                     // frame cuts of the group (span rows)
  std::vector<uint64_t> cut_states_;                   // the start column's state at each
  std::vector<size_t> cut_bytes_;                      // a chunk's plain offsets of the cuts
  std::vector<ChunkFrame> frames_;                     // of the framed chunk being written
  std::vector<std::string_view> plains_;               // their plain bytes
  std::vector<std::string> pieces_;                    // attribute runs cut per frame
  std::string frame_bytes_;
  absl::flat_hash_set<std::string> block_strings_;  // for the block's string filter
  bool too_many_strings_ = false;
  uint64_t offset_ = 0;  // bytes of data written
  IndexEncoder index_;   // every group cut so far
  TraceId last_;
  bool any_ = false;
  bool finished_ = false;
  BloomShards bloom_{options_};  // after options_, which it is built from
  std::vector<std::string> written_;
};

}  // namespace

const Encoding& encoding() {
  static const EncodingOf<Writer, new_reader> e(kFormatV2, kVcpp2Version);
  return e;
}

}  // namespace tempo::block::vcpp2
