#include "block/block_format.h"

#include <cstring>

#include "tempo/util/little_endian.h"

namespace tempo::block::format {

std::string bloom_object(uint32_t shard) { return "bloom-" + std::to_string(shard); }

void append_record(const TraceId& id, std::string_view payload, std::string* page) {
  page->append(id.view());
  uint64_t v = payload.size();
  while (v >= 0x80) {
    page->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  page->push_back(static_cast<char>(v));
  page->append(payload);
}

bool RecordIterator::next() {
  if (pos_ == page_.size() || !status_.is_ok()) return false;
  if (page_.size() - pos_ < 17) {
    status_ = Status::corruption("torn record header in block page");
    return false;
  }
  std::memcpy(id_.bytes.data(), page_.data() + pos_, 16);
  pos_ += 16;
  uint64_t len = 0;
  for (int shift = 0;; shift += 7) {
    if (pos_ == page_.size() || shift > 63) {
      status_ = Status::corruption("torn record length in block page");
      return false;
    }
    uint8_t b = static_cast<uint8_t>(page_[pos_++]);
    len |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  if (len > page_.size() - pos_) {
    status_ = Status::corruption("record runs past the end of its block page");
    return false;
  }
  payload_ = page_.substr(pos_, len);
  pos_ += len;
  return true;
}

std::string encode_index(const std::vector<IndexEntry>& entries) {
  std::string s;
  s.reserve(kIndexHeaderSize + entries.size() * kIndexEntrySize + 4);
  s.append(kIndexMagic, 4);
  le::append(s, kIndexVersion, 4);
  le::append(s, entries.size(), 4);
  for (const auto& e : entries) {
    s.append(e.first.view());
    s.append(e.last.view());
    le::append(s, e.offset, 8);
    le::append(s, e.length, 4);
    le::append(s, e.raw_length, 4);
    le::append(s, e.count, 4);
  }
  le::append(s, crc32_of(s), 4);
  return s;
}

Status decode_index(std::string_view raw, std::vector<IndexEntry>* out) {
  if (raw.size() < kIndexHeaderSize + 4 || std::memcmp(raw.data(), kIndexMagic, 4) != 0) {
    return Status::corruption("block index has no valid header");
  }
  const uint32_t stored_crc = static_cast<uint32_t>(le::load(raw.data() + raw.size() - 4, 4));
  if (stored_crc != crc32_of(raw.substr(0, raw.size() - 4))) {
    return Status::corruption("block index checksum mismatch");
  }
  const uint64_t version = le::load(raw.data() + 4, 4);
  if (version != kIndexVersion) {
    return Status::corruption("unsupported block index version " + std::to_string(version));
  }
  const uint64_t n = le::load(raw.data() + 8, 4);
  if (raw.size() != kIndexHeaderSize + n * kIndexEntrySize + 4) {
    return Status::corruption("block index size does not match its page count");
  }
  out->clear();
  out->reserve(n);
  const char* p = raw.data() + kIndexHeaderSize;
  uint64_t next_offset = 0;
  for (uint64_t i = 0; i < n; ++i, p += kIndexEntrySize) {
    IndexEntry e;
    std::memcpy(e.first.bytes.data(), p, 16);
    std::memcpy(e.last.bytes.data(), p + 16, 16);
    e.offset = le::load(p + 32, 8);
    e.length = static_cast<uint32_t>(le::load(p + 40, 4));
    e.raw_length = static_cast<uint32_t>(le::load(p + 44, 4));
    e.count = static_cast<uint32_t>(le::load(p + 48, 4));
    if (e.offset != next_offset || e.count == 0 || e.last < e.first ||
        (!out->empty() && !(out->back().last < e.first))) {
      return Status::corruption("block index entry " + std::to_string(i) + " is out of order");
    }
    next_offset = e.offset + e.length;
    out->push_back(e);
  }
  return Status::ok();
}

}  // namespace tempo::block::format
