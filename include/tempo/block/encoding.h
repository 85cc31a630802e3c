#pragma once
// Block formats behind one interface, keyed by meta.json `format` (as Tempo's
// VersionedEncoding). BlockWriter and BlockReader are the facades the rest of the code uses;
// they pick an Encoding here. A new format is one more Encoding: blocks of the older ones stay
// readable for as long as their Encoding is registered.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/backend/backend.h"
#include "tempo/block/block_meta.h"
#include "tempo/block/block_writer.h"
#include "tempo/columnar/fetch.h"
#include "tempo/model/trace_id.h"
#include "tempo/util/status.h"

namespace tempo::block {

class BlockIo;

// One format's half of BlockWriter (same contract as BlockWriter::add/add_from/finish).
class FormatWriter {
 public:
  virtual ~FormatWriter() = default;
  virtual Status add(const TraceId& id, std::string_view payload, uint64_t start_unix_nano,
                     uint64_t end_unix_nano) = 0;
  // By default the trace is assembled into OTLP and add()ed; a columnar format copies rows.
  virtual Status add_from(const TraceId& id, columnar::TableCopySource& src, uint32_t row,
                          uint64_t start_unix_nano, uint64_t end_unix_nano);
  virtual Status finish(BlockMeta* out) = 0;

 protected:
  // The part of finish() every format shares: a writer finishes once and never empty;
  // `write` writes what is left, and `undo` removes what was written when that fails.
  template <typename Write, typename Undo>
  static Status finish_once(bool* finished, bool any, Write&& write, Undo&& undo) {
    if (*finished) return Status::invalid_argument("block writer already finished");
    if (!any) return Status::invalid_argument("refusing to write an empty block");
    *finished = true;
    Status st = write();
    if (!st.is_ok()) undo();
    return st;
  }
};

// One format's half of BlockReader (same contracts as BlockReader's methods). Must be
// thread-safe; reads only through the BlockIo it was opened with.
class FormatReader {
 public:
  virtual ~FormatReader() = default;
  virtual Status find(const TraceId& id, std::string* payload, bool* found) = 0;
  // Over the traces of the pages (vcpp1) or row groups (vcpp2) in `part`'s share.
  virtual Status scan_traces(
      const std::function<Status(const TraceId&, std::string_view payload)>& fn,
      const columnar::ScanPart& part) = 0;
  virtual Status scan_spans(const columnar::ColumnSet& cols, const columnar::RowGroupFilter& keep,
                            const columnar::RowGroupFn& fn, const columnar::ScanPart& part,
                            columnar::ScanStats* stats) = 0;
};

class Encoding {
 public:
  virtual ~Encoding() = default;
  // The meta.json `format` this encoding writes and reads, e.g. "vcpp2".
  virtual std::string_view format() const = 0;
  // The newest formatVersion of this format the build reads; it writes this one.
  virtual int newest_version() const = 0;
  // `backend` must outlive the writer.
  virtual std::unique_ptr<FormatWriter> new_writer(backend::Backend& backend, std::string tenant,
                                                   std::string block_id,
                                                   const WriterOptions& options) const = 0;
  // `io` must outlive the reader. `meta` has been validated (format and version match).
  virtual Status open_reader(BlockIo& io, const BlockMeta& meta,
                             std::unique_ptr<FormatReader>* out) const = 0;
};

// The Encoding of a format whose writer is a `W(backend, tenant, block_id, options)` and whose
// reader `open` makes: what every format so far needs, written once.
template <class W, std::unique_ptr<FormatReader> (*open)(BlockIo&, const BlockMeta&)>
class EncodingOf final : public Encoding {
 public:
  EncodingOf(std::string_view format, int newest_version)
      : format_(format), newest_version_(newest_version) {}
  std::string_view format() const override { return format_; }
  int newest_version() const override { return newest_version_; }
  std::unique_ptr<FormatWriter> new_writer(backend::Backend& backend, std::string tenant,
                                           std::string block_id,
                                           const WriterOptions& options) const override {
    return std::make_unique<W>(backend, std::move(tenant), std::move(block_id), options);
  }
  Status open_reader(BlockIo& io, const BlockMeta& meta,
                     std::unique_ptr<FormatReader>* out) const override {
    *out = open(io, meta);
    return Status::ok();
  }

 private:
  std::string_view format_;
  int newest_version_;
};

// The encoding of `format`, or nullptr when this build does not know it.
const Encoding* encoding_for(std::string_view format);
// Every registered format, oldest first (for error messages and tests).
std::vector<std::string_view> known_formats();

}  // namespace tempo::block
