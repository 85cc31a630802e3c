// vcpp1 writer: records appended to pages, a page cut at the page size target.

#include <algorithm>
#include <limits>
#include <vector>

#include "block/block_format.h"
#include "block/block_io.h"
#include "block/vcpp1/vcpp1.h"
#include "block/vcpp1/vcpp1_internal.h"
#include "block/zstd_codec.h"
#include "tempo/observability/log.h"

namespace tempo::block::vcpp1 {
namespace {

class Writer final : public FormatWriter {
 public:
  Writer(backend::Backend& backend, std::string tenant, std::string block_id,
         const WriterOptions& options)
      : backend_(backend), options_(options) {
    options_.page_size_bytes = std::max<size_t>(options.page_size_bytes, 1);
    meta_.format = std::string(kFormatV1);
    meta_.format_version = kFormatVersion;
    meta_.tenant_id = std::move(tenant);
    meta_.block_id = std::move(block_id);
    meta_.compaction_level = options.compaction_level;
    meta_.index_page_size = static_cast<uint32_t>(
        std::min<size_t>(options_.page_size_bytes, std::numeric_limits<uint32_t>::max()));
    dir_ = meta_.tenant_id + "/" + meta_.block_id + "/";
  }

  // An unfinished data writer is dropped with the object, which discards it; index and bloom
  // objects only exist once finish() ran, and finish() cleans up after itself on failure.
  ~Writer() override = default;

  Status add(const TraceId& id, std::string_view payload, uint64_t start, uint64_t end) override {
    if (finished_) return Status::invalid_argument("block writer already finished");
    if (any_ && !(last_ < id)) {
      return Status::invalid_argument("block traces must be added in ascending ID order: " +
                                      id.hex() + " after " + last_.hex());
    }
    if (!data_) {
      TEMPO_RETURN_IF_ERROR(backend_.open_writer(dir_ + std::string(format::kDataObject), &data_));
    }
    if (current_.count == 0) current_.first = id;
    format::append_record(id, payload, &page_);
    current_.count++;
    current_.last = id;
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
    if (page_.size() >= options_.page_size_bytes) return cut_page();
    return Status::ok();
  }

  Status finish(BlockMeta* out) override {
    TEMPO_RETURN_IF_ERROR(finish_once(
        &finished_, any_, [&] { return write_rest(); }, [&] { remove_partial(); }));
    *out = meta_;
    return Status::ok();
  }

 private:
  Status cut_page() {
    if (current_.count == 0) return Status::ok();
    if (page_.size() > std::numeric_limits<uint32_t>::max()) {
      return Status::invalid_argument("a block page would exceed 4 GiB (trace " +
                                      current_.last.hex() + ")");
    }
    TEMPO_RETURN_IF_ERROR(zstd_.compress(page_, &compressed_));
    TEMPO_RETURN_IF_ERROR(data_->append(compressed_));
    current_.length = static_cast<uint32_t>(compressed_.size());
    current_.raw_length = static_cast<uint32_t>(page_.size());
    index_.push_back(current_);
    current_.offset += compressed_.size();
    current_.count = 0;
    page_.clear();
    return Status::ok();
  }

  Status write_rest() {
    TEMPO_RETURN_IF_ERROR(cut_page());
    TEMPO_RETURN_IF_ERROR(data_->close());
    data_.reset();
    written_.push_back(dir_ + std::string(format::kDataObject));
    meta_.size = current_.offset;
    meta_.total_records = static_cast<uint32_t>(index_.size());

    TEMPO_RETURN_IF_ERROR(zstd_.compress(format::encode_index(index_), &compressed_));
    written_.push_back(dir_ + std::string(format::kIndexObject));
    TEMPO_RETURN_IF_ERROR(backend_.write(written_.back(), compressed_));

    TEMPO_RETURN_IF_ERROR(bloom_.write(backend_, dir_, &written_, &meta_.bloom_shards));
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
  std::string dir_;  // "<tenant>/<block-id>/"
  ZstdCompressor zstd_;
  std::unique_ptr<backend::ObjectWriter> data_;  // opened on the first add()
  std::string page_, compressed_;                // reused across pages
  format::IndexEntry current_;                   // the page being filled
  TraceId last_;
  bool any_ = false;
  bool finished_ = false;
  std::vector<format::IndexEntry> index_;
  BloomShards bloom_{options_};  // after options_, which it is built from
  std::vector<std::string> written_;  // objects written so far, removed if finish fails
};


}  // namespace

const Encoding& encoding() {
  static const EncodingOf<Writer, new_reader> e(kFormatV1, kFormatVersion);
  return e;
}

}  // namespace tempo::block::vcpp1
