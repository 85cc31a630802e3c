#pragma once
// Varint, zigzag and fixed-width primitives for vcpp2 chunks and index. The reader never
// reads past its end: every get returns false instead, and callers turn that into
// kCorruption.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tempo::block::vcpp2 {

inline uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t unzigzag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

class ByteWriter {
 public:
  explicit ByteWriter(std::string* out) : out_(out) {}
  void varint(uint64_t v) {
    char buf[10];
    int n = 0;
    while (v >= 0x80) {
      buf[n++] = static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    buf[n++] = static_cast<char>(v);
    out_->append(buf, n);
  }
  void zz(int64_t v) { varint(zigzag(v)); }
  void u8(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void fixed64(uint64_t v) {
    char buf[8];
    for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    out_->append(buf, 8);
  }
  void bytes(std::string_view b) { out_->append(b); }
  void str(std::string_view s) {
    varint(s.size());
    bytes(s);
  }

 private:
  std::string* out_;
};

// Appends at most `max` bytes to *out through a raw pointer and trims the rest when it goes
// out of scope: for the encoders that write a value or two per row of a column, where a
// std::string append per varint cost more than the encoding (bench/flush_bench). The caller
// bounds `max` from the row count; *out must not be touched while the writer lives.
class BoundedWriter {
 public:
  BoundedWriter(std::string* out, size_t max) : out_(out), at_(out->size()) {
    out_->resize(at_ + max);
    p_ = out_->data() + at_;
  }
  ~BoundedWriter() { out_->resize(static_cast<size_t>(p_ - out_->data())); }
  BoundedWriter(const BoundedWriter&) = delete;
  BoundedWriter& operator=(const BoundedWriter&) = delete;

  void varint(uint64_t v) {
    while (v >= 0x80) {
      *p_++ = static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    *p_++ = static_cast<char>(v);
  }
  void zz(int64_t v) { varint(zigzag(v)); }
  void u8(uint8_t v) { *p_++ = static_cast<char>(v); }
  void fixed64(uint64_t v) {
    for (int i = 0; i < 8; ++i) *p_++ = static_cast<char>((v >> (8 * i)) & 0xff);
  }

 private:
  std::string* out_;
  size_t at_;
  char* p_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in)
      : p_(reinterpret_cast<const uint8_t*>(in.data())), end_(p_ + in.size()) {}

  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  bool done() const { return p_ == end_; }

  bool varint(uint64_t* v) {
    if (p_ < end_ && *p_ < 0x80) {  // the common one-byte case
      *v = *p_++;
      return true;
    }
    uint64_t r = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
      if (p_ == end_) return false;
      const uint8_t b = *p_++;
      r |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        *v = r;
        return true;
      }
    }
    return false;
  }
  bool u32(uint32_t* v) {
    uint64_t x;
    if (!varint(&x) || x > 0xFFFFFFFFu) return false;
    *v = static_cast<uint32_t>(x);
    return true;
  }
  bool zz(int64_t* v) {
    uint64_t x;
    if (!varint(&x)) return false;
    *v = unzigzag(x);
    return true;
  }
  bool u8(uint8_t* v) {
    if (p_ == end_) return false;
    *v = *p_++;
    return true;
  }
  bool fixed64(uint64_t* v) {
    if (remaining() < 8) return false;
    uint64_t r = 0;
    for (int i = 0; i < 8; ++i) r |= static_cast<uint64_t>(p_[i]) << (8 * i);
    p_ += 8;
    *v = r;
    return true;
  }
  // Skips n varints without decoding them (a by-ID lookup passes over other traces' rows).
  bool skip_varints(uint64_t n) {
    // Eight bytes at a time while they cannot hold more than the varints left: each byte
    // with its top bit clear ends one.
    while (n >= 8 && remaining() >= 8) {
      uint64_t w;
      std::memcpy(&w, p_, 8);
      // One per ending byte, summed by multiplication (no popcount instruction is assumed).
      n -= (((~w & 0x8080808080808080ULL) >> 7) * 0x0101010101010101ULL) >> 56;
      p_ += 8;
    }
    while (n > 0) {
      if (p_ == end_) return false;
      n -= *p_++ < 0x80;
    }
    return true;
  }
  // The next eight bytes, little-endian, without consuming them (remaining() >= 8).
  uint64_t peek8() const {
    uint64_t w;
    std::memcpy(&w, p_, 8);
    return w;
  }
  bool skip(size_t n) {
    if (remaining() < n) return false;
    p_ += n;
    return true;
  }
  bool bytes(size_t n, std::string_view* out) {
    if (remaining() < n) return false;
    *out = std::string_view(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return true;
  }
  bool str(std::string_view* out) {
    uint64_t n;
    return varint(&n) && bytes(n, out);
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace tempo::block::vcpp2
