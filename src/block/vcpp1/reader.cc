// vcpp1 reader: by ID through the page index; scans page by page. Search over a vcpp1 block
// rebuilds every page into a SpanTable (SpanTableBuilder) with every column: correct but
// slow, and nothing is written back — old blocks are read, never converted.

#include <algorithm>
#include <mutex>
#include <vector>

#include "block/block_format.h"
#include "block/block_io.h"
#include "block/vcpp1/vcpp1_internal.h"
#include "block/zstd_codec.h"
#include "tempo/columnar/otlp_columns.h"
#include "tempo/model/trace_combine.h"

namespace tempo::block::vcpp1 {
namespace {

using Index = std::vector<format::IndexEntry>;

class Reader final : public FormatReader {
 public:
  Reader(BlockIo& io, const BlockMeta& meta) : io_(io), meta_(meta) {}

  Status find(const TraceId& id, std::string* payload, bool* found) override {
    std::shared_ptr<const Index> index;
    TEMPO_RETURN_IF_ERROR(load_index(&index));
    // The first page whose last ID is >= id is the only one that can hold it.
    auto it =
        std::lower_bound(index->begin(), index->end(), id,
                         [](const format::IndexEntry& e, const TraceId& v) { return e.last < v; });
    if (it == index->end() || id < it->first) return Status::ok();
    std::string compressed, page;
    TEMPO_RETURN_IF_ERROR(read_page(*it, &compressed, &page));
    format::RecordIterator records(page);
    while (records.next()) {
      if (records.id() == id) {
        payload->assign(records.payload());
        *found = true;
        return Status::ok();
      }
      if (id < records.id()) break;  // sorted: passed where it would be
    }
    if (!records.status().is_ok()) {
      return Status::corruption(io_.key(format::kDataObject) + ": " + records.status().message());
    }
    return Status::ok();
  }

  Status scan_traces(const std::function<Status(const TraceId&, std::string_view)>& fn,
                     const columnar::ScanPart& part) override {
    std::shared_ptr<const Index> index;
    TEMPO_RETURN_IF_ERROR(load_index(&index));
    std::string compressed, page;
    for (size_t pi = part.first(index->size()); pi < part.end(index->size()); ++pi) {
      const auto& e = (*index)[pi];
      TEMPO_RETURN_IF_ERROR(read_page(e, &compressed, &page));
      TEMPO_RETURN_IF_ERROR(for_each_record(e, page, fn));
    }
    return Status::ok();
  }

  Status scan_spans(const columnar::ColumnSet&, const columnar::RowGroupFilter& keep,
                    const columnar::RowGroupFn& fn, const columnar::ScanPart& part,
                    columnar::ScanStats* stats) override {
    std::shared_ptr<const Index> index;
    TEMPO_RETURN_IF_ERROR(load_index(&index));
    std::string compressed, page;
    opentelemetry::proto::trace::v1::TracesData trace;
    columnar::SpanTable table;
    columnar::RowGroupStats rg;
    for (size_t pi = part.first(index->size()); pi < part.end(index->size()); ++pi) {
      const auto& e = (*index)[pi];
      const uint64_t before = io_.bytes_read();
      TEMPO_RETURN_IF_ERROR(read_page(e, &compressed, &page));
      stats->bytes_read += io_.bytes_read() - before;
      columnar::SpanTableBuilder builder(&table);
      TEMPO_RETURN_IF_ERROR(for_each_record(e, page, [&](const TraceId& id, std::string_view p) {
        Status s = model::combine_segments(p, &trace);
        if (!s.is_ok()) {
          return Status::corruption(io_.key(format::kDataObject) + ": trace " + id.hex() +
                                    " is not a TracesData: " + s.message());
        }
        builder.add_trace(id, trace);
        return Status::ok();
      }));
      builder.finish();
      columnar::compute_stats(table, &rg);
      stats->row_groups++;
      if (keep && !keep(rg)) {
        stats->row_groups_skipped++;
        continue;
      }
      stats->traces_inspected += table.trace_count();
      stats->spans_inspected += table.span_count();
      TEMPO_RETURN_IF_ERROR(fn(columnar::RowGroup{table}));
    }
    return Status::ok();
  }

 private:
  Status load_index(std::shared_ptr<const Index>* out) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (index_) {
        *out = index_;
        return Status::ok();
      }
    }
    // Read outside the lock: a slow backend must not stall lookups that hit the bloom cache.
    // Two first lookups may both read the index; the second result is dropped.
    std::string compressed, raw;
    TEMPO_RETURN_IF_ERROR(io_.read_whole(format::kIndexObject, &compressed));
    // The uncompressed size is known exactly from the page count in meta.json.
    const size_t raw_size =
        format::kIndexHeaderSize + size_t{meta_.total_records} * format::kIndexEntrySize + 4;
    const std::string key = io_.key(format::kIndexObject);
    Status s = thread_local_decompressor().decompress(compressed, raw_size, &raw);
    if (!s.is_ok()) return Status::corruption(key + ": " + s.message());
    auto entries = std::make_shared<Index>();
    s = format::decode_index(raw, entries.get());
    if (!s.is_ok()) return Status::corruption(key + ": " + s.message());
    uint64_t traces = 0;
    for (const auto& e : *entries) traces += e.count;
    const uint64_t end = entries->empty() ? 0 : entries->back().offset + entries->back().length;
    if (traces != meta_.total_objects || end != meta_.size) {
      return Status::corruption(key + " does not match meta.json");
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (!index_) index_ = std::move(entries);
    *out = index_;
    return Status::ok();
  }

  // Reads one page and returns its uncompressed bytes in *page.
  Status read_page(const format::IndexEntry& e, std::string* compressed, std::string* page) {
    TEMPO_RETURN_IF_ERROR(io_.read_range(format::kDataObject, e.offset, e.length, compressed));
    Status s = thread_local_decompressor().decompress(*compressed, e.raw_length, page);
    if (!s.is_ok()) {
      return Status::corruption("page at offset " + std::to_string(e.offset) + " of " +
                                io_.key(format::kDataObject) + ": " + s.message());
    }
    return Status::ok();
  }

  // Calls fn for each record of a page, holding the page to what the index promised.
  Status for_each_record(const format::IndexEntry& e, std::string_view page,
                         const std::function<Status(const TraceId&, std::string_view)>& fn) {
    const std::string data_key = io_.key(format::kDataObject);
    format::RecordIterator records(page);
    uint32_t n = 0;
    TraceId prev;
    while (records.next()) {
      if ((n == 0 && records.id() != e.first) || (n > 0 && !(prev < records.id())) ||
          e.last < records.id()) {
        return Status::corruption(data_key + ": page at offset " + std::to_string(e.offset) +
                                  " does not match the index");
      }
      ++n;
      prev = records.id();
      TEMPO_RETURN_IF_ERROR(fn(records.id(), records.payload()));
    }
    if (!records.status().is_ok()) {
      return Status::corruption(data_key + ": " + records.status().message());
    }
    if (n != e.count) {
      return Status::corruption(data_key + ": page at offset " + std::to_string(e.offset) +
                                " holds " + std::to_string(n) + " traces, the index says " +
                                std::to_string(e.count));
    }
    return Status::ok();
  }

  BlockIo& io_;
  const BlockMeta& meta_;
  std::mutex mu_;
  std::shared_ptr<const Index> index_;
};

}  // namespace

std::unique_ptr<FormatReader> new_reader(BlockIo& io, const BlockMeta& meta) {
  return std::make_unique<Reader>(io, meta);
}

}  // namespace tempo::block::vcpp1
