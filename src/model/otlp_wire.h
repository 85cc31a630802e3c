#pragma once
// The OTLP trace messages on the protobuf wire, checked without decoding them: what lets the
// distributor store a span's bytes as they arrived (model::split_by_trace_wire) and still be
// sure every reader's ParseFromArray takes them later.
//
// check_message() accepts what protobuf's C++ parser (3.21, the Debian package this project
// builds with) accepts for these messages: tags of at most 5 bytes (value cut to 32 bits, as
// protobuf cuts it), field number 0 refused, varints of at most 10 bytes, lengths of at most
// 5 bytes that stay inside their message, fixed-width values that fit, wire types 6 and 7
// refused, messages nested at most kMaxLevel deep (protobuf's default recursion limit), and
// every proto3 `string` field valid UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF). A field whose wire type is not the declared one is an unknown field to protobuf
// and is skipped the same way here. One deliberate difference: groups (wire types 3 and 4),
// which protobuf keeps as unknown fields, are refused; OTLP has none and no OTLP exporter
// writes them. Nothing here allocates.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tempo::model::otlp_wire {

// The messages of an OTLP export request (opentelemetry-proto: collector/trace/v1,
// trace/v1, resource/v1, common/v1).
enum class Msg : uint8_t {
  kRequest,  // ExportTraceServiceRequest
  kResourceSpans,
  kScopeSpans,
  kSpan,
  kEvent,
  kLink,
  kStatus,
  kResource,
  kScope,  // InstrumentationScope
  kKeyValue,
  kAnyValue,
  kArrayValue,
  kKeyValueList,
  kEntityRef,
};

enum class Problem : uint8_t {
  kNone,
  kBadTag,       // truncated, or longer than 5 bytes
  kFieldZero,    // tag 0 or field number 0
  kBadVarint,    // truncated, or longer than 10 bytes
  kBadFixed,     // fewer than 4 or 8 bytes left
  kBadLength,    // truncated, longer than 5 bytes, or past the end of the message
  kGroup,        // wire type 3
  kEndGroup,     // wire type 4 outside a group
  kBadWireType,  // wire type 6 or 7
  kTooDeep,      // a message nested deeper than kMaxLevel
  kBadUtf8,      // a proto3 string field that is not valid UTF-8
};

// Where a check failed: the message being read, and the field (0 before a tag was read).
struct Error {
  Problem problem = Problem::kNone;
  Msg msg = Msg::kRequest;
  uint32_t field = 0;
  uint32_t wire_type = 0;
};

// protobuf's default recursion limit: the request is level 0 and a message at a level past
// this fails to parse.
inline constexpr int kMaxLevel = 100;

// Wire types.
inline constexpr uint32_t kVarint = 0, kFixed64 = 1, kLen = 2, kStartGroup = 3, kEndGroup = 4,
                          kFixed32 = 5;

// A tag as protobuf 3.21 reads one: at most 5 bytes, the value cut to 32 bits. Advances `p`.
inline bool read_tag(const char*& p, const char* end, uint32_t* tag) {
  uint32_t v = 0;
  for (int i = 0; i < 5 && p + i < end; ++i) {
    const uint8_t b = static_cast<uint8_t>(p[i]);
    v |= static_cast<uint32_t>(b & 0x7f) << (7 * i);  // bits past 32 drop, as in protobuf
    if (b < 0x80) {
      p += i + 1;
      *tag = v;
      return true;
    }
  }
  return false;
}

// A varint of at most 10 bytes (bits past 64 drop, as in protobuf). Advances `p`.
inline bool read_varint(const char*& p, const char* end, uint64_t* out) {
  uint64_t v = 0;
  for (int i = 0; i < 10 && p + i < end; ++i) {
    const uint8_t b = static_cast<uint8_t>(p[i]);
    v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if (b < 0x80) {
      p += i + 1;
      *out = v;
      return true;
    }
  }
  return false;
}

// A length prefix: at most 5 bytes with the fifth below 8 (protobuf's ReadSize), and no more
// than the bytes left before `end`. Advances `p` to the first byte of the field's contents.
inline bool read_length(const char*& p, const char* end, size_t* len) {
  uint32_t v = 0;
  for (int i = 0; i < 5 && p + i < end; ++i) {
    const uint8_t b = static_cast<uint8_t>(p[i]);
    if (i == 4 && b >= 8) return false;
    v |= static_cast<uint32_t>(b & 0x7f) << (7 * i);
    if (b < 0x80) {
      if (v > static_cast<size_t>(end - (p + i + 1))) return false;
      p += i + 1;
      *len = v;
      return true;
    }
  }
  return false;
}

inline uint64_t load_fixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);  // the wire is little-endian, as every target of this project
  return v;
}

// Bytes of `v` as a varint, and of a length-delimited field with a one-byte tag holding `len`
// bytes: what the splits size their output with before writing it.
inline size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
inline size_t field_size(size_t len) { return 1 + varint_size(len) + len; }

// Strict UTF-8 (RFC 3629), what protobuf's IsStructurallyValidUTF8 accepts.
bool valid_utf8(std::string_view s);

// Consumes one field of a `msg` at nesting `level`, whose tag was just read, from [p, end):
// checks it, descending into the declared message fields. Advances `p`; false with `*err`
// filled when the bytes would fail protobuf's parse.
bool skip_field(Msg msg, uint32_t tag, const char*& p, const char* end, int level, Error* err);

// Whether `bytes` parse as a `msg` at nesting `level`.
bool check_message(Msg msg, std::string_view bytes, int level, Error* err);

// "Span field 5 (name): string is not valid UTF-8" and the like.
std::string describe(const Error& err);

}  // namespace tempo::model::otlp_wire
