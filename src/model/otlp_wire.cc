#include "model/otlp_wire.h"

#include <array>
#include <cstddef>

namespace tempo::model::otlp_wire {
namespace {

// What a length-delimited field of a message holds. Fields of the other wire types need no
// more than skipping, declared or not, so the schema lists only these.
enum class Kind : uint8_t { kUnknown, kBytes, kString, kMessage };

struct Field {
  Kind kind = Kind::kUnknown;
  Msg sub = Msg::kRequest;  // for kMessage
  const char* name = nullptr;
};

constexpr uint32_t kMaxField = 16;  // the highest field number of these messages (Span.flags)

struct Schema {
  const char* name = nullptr;
  std::array<Field, kMaxField + 1> len_fields{};  // by field number
};

constexpr Field msg(Msg sub, const char* name) { return {Kind::kMessage, sub, name}; }
constexpr Field str(const char* name) { return {Kind::kString, Msg::kRequest, name}; }
constexpr Field bytes(const char* name) { return {Kind::kBytes, Msg::kRequest, name}; }

constexpr size_t kMsgCount = static_cast<size_t>(Msg::kEntityRef) + 1;

// Field numbers from opentelemetry-proto (proto/opentelemetry/proto/...).
constexpr std::array<Schema, kMsgCount> make_schemas() {
  std::array<Schema, kMsgCount> s{};
  auto at = [&s](Msg m) -> Schema& { return s[static_cast<size_t>(m)]; };

  Schema& req = at(Msg::kRequest);
  req.name = "ExportTraceServiceRequest";
  req.len_fields[1] = msg(Msg::kResourceSpans, "resource_spans");

  Schema& rs = at(Msg::kResourceSpans);
  rs.name = "ResourceSpans";
  rs.len_fields[1] = msg(Msg::kResource, "resource");
  rs.len_fields[2] = msg(Msg::kScopeSpans, "scope_spans");
  rs.len_fields[3] = str("schema_url");

  Schema& ss = at(Msg::kScopeSpans);
  ss.name = "ScopeSpans";
  ss.len_fields[1] = msg(Msg::kScope, "scope");
  ss.len_fields[2] = msg(Msg::kSpan, "spans");
  ss.len_fields[3] = str("schema_url");

  Schema& span = at(Msg::kSpan);
  span.name = "Span";
  span.len_fields[1] = bytes("trace_id");
  span.len_fields[2] = bytes("span_id");
  span.len_fields[3] = str("trace_state");
  span.len_fields[4] = bytes("parent_span_id");
  span.len_fields[5] = str("name");
  span.len_fields[9] = msg(Msg::kKeyValue, "attributes");
  span.len_fields[11] = msg(Msg::kEvent, "events");
  span.len_fields[13] = msg(Msg::kLink, "links");
  span.len_fields[15] = msg(Msg::kStatus, "status");

  Schema& event = at(Msg::kEvent);
  event.name = "Span.Event";
  event.len_fields[2] = str("name");
  event.len_fields[3] = msg(Msg::kKeyValue, "attributes");

  Schema& link = at(Msg::kLink);
  link.name = "Span.Link";
  link.len_fields[1] = bytes("trace_id");
  link.len_fields[2] = bytes("span_id");
  link.len_fields[3] = str("trace_state");
  link.len_fields[4] = msg(Msg::kKeyValue, "attributes");

  Schema& status = at(Msg::kStatus);
  status.name = "Status";
  status.len_fields[2] = str("message");

  Schema& resource = at(Msg::kResource);
  resource.name = "Resource";
  resource.len_fields[1] = msg(Msg::kKeyValue, "attributes");
  resource.len_fields[3] = msg(Msg::kEntityRef, "entity_refs");

  Schema& scope = at(Msg::kScope);
  scope.name = "InstrumentationScope";
  scope.len_fields[1] = str("name");
  scope.len_fields[2] = str("version");
  scope.len_fields[3] = msg(Msg::kKeyValue, "attributes");

  Schema& kv = at(Msg::kKeyValue);
  kv.name = "KeyValue";
  kv.len_fields[1] = str("key");
  kv.len_fields[2] = msg(Msg::kAnyValue, "value");

  Schema& any = at(Msg::kAnyValue);
  any.name = "AnyValue";
  any.len_fields[1] = str("string_value");
  any.len_fields[5] = msg(Msg::kArrayValue, "array_value");
  any.len_fields[6] = msg(Msg::kKeyValueList, "kvlist_value");
  any.len_fields[7] = bytes("bytes_value");

  Schema& arr = at(Msg::kArrayValue);
  arr.name = "ArrayValue";
  arr.len_fields[1] = msg(Msg::kAnyValue, "values");

  Schema& kvl = at(Msg::kKeyValueList);
  kvl.name = "KeyValueList";
  kvl.len_fields[1] = msg(Msg::kKeyValue, "values");

  Schema& entity = at(Msg::kEntityRef);
  entity.name = "EntityRef";
  entity.len_fields[1] = str("schema_url");
  entity.len_fields[2] = str("type");
  entity.len_fields[3] = str("id_keys");
  entity.len_fields[4] = str("description_keys");
  return s;
}

constexpr std::array<Schema, kMsgCount> kSchemas = make_schemas();

const Schema& schema(Msg m) { return kSchemas[static_cast<size_t>(m)]; }

bool fail(Error* err, Problem problem, Msg msg, uint32_t tag) {
  *err = Error{problem, msg, tag >> 3, tag & 7};
  return false;
}

bool continuation(uint8_t b) { return (b & 0xC0) == 0x80; }

}  // namespace

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    // Attribute values are mostly ASCII: eight bytes at a time while no high bit is set.
    while (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if (w & 0x8080808080808080ull) break;
      p += 8;
    }
    if (p == end) break;
    const uint8_t c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    const std::ptrdiff_t left = end - p;
    if (c < 0xC2) return false;  // a continuation byte, or an overlong 2-byte form
    if (c < 0xE0) {
      if (left < 2 || !continuation(p[1])) return false;
      p += 2;
    } else if (c < 0xF0) {
      if (left < 3 || !continuation(p[2])) return false;
      const uint8_t lo = c == 0xE0 ? 0xA0 : 0x80;  // E0: no overlong forms
      const uint8_t hi = c == 0xED ? 0x9F : 0xBF;  // ED: no surrogates
      if (p[1] < lo || p[1] > hi) return false;
      p += 3;
    } else if (c < 0xF5) {
      if (left < 4 || !continuation(p[2]) || !continuation(p[3])) return false;
      const uint8_t lo = c == 0xF0 ? 0x90 : 0x80;  // F0: no overlong forms
      const uint8_t hi = c == 0xF4 ? 0x8F : 0xBF;  // F4: nothing past U+10FFFF
      if (p[1] < lo || p[1] > hi) return false;
      p += 4;
    } else {
      return false;
    }
  }
  return true;
}

namespace {

// One field of a `msg`, its tag read: the body of skip_field, inlined into check_message's
// loop. Length-delimited fields come first: they are most of what OTLP carries.
[[gnu::always_inline]] inline bool field(Msg msg, const Schema& s, uint32_t tag, const char*& p,
                                         const char* end, int level, Error* err) {
  const uint32_t number = tag >> 3;
  const uint32_t wire_type = tag & 7;
  if (number == 0) return fail(err, Problem::kFieldZero, msg, tag);
  if (wire_type == kLen) {
    size_t len;
    if (p < end && static_cast<uint8_t>(*p) < 0x80) {  // a one-byte length
      len = static_cast<uint8_t>(*p);
      if (len > static_cast<size_t>(end - p - 1)) return fail(err, Problem::kBadLength, msg, tag);
      ++p;
    } else if (!read_length(p, end, &len)) {
      return fail(err, Problem::kBadLength, msg, tag);
    }
    const std::string_view contents(p, len);
    p += len;
    if (number > kMaxField) return true;  // unknown: kept as bytes, never parsed
    const Field& f = s.len_fields[number];
    if (f.kind == Kind::kString) {
      return valid_utf8(contents) || fail(err, Problem::kBadUtf8, msg, tag);
    }
    if (f.kind == Kind::kMessage) {
      if (level + 1 > kMaxLevel) return fail(err, Problem::kTooDeep, msg, tag);
      return check_message(f.sub, contents, level + 1, err);
    }
    return true;  // bytes, or unknown
  }
  switch (wire_type) {
    case kVarint: {
      uint64_t v;
      if (!read_varint(p, end, &v)) return fail(err, Problem::kBadVarint, msg, tag);
      return true;
    }
    case kFixed64:
      if (end - p < 8) return fail(err, Problem::kBadFixed, msg, tag);
      p += 8;
      return true;
    case kFixed32:
      if (end - p < 4) return fail(err, Problem::kBadFixed, msg, tag);
      p += 4;
      return true;
    case kStartGroup:
      return fail(err, Problem::kGroup, msg, tag);
    case kEndGroup:
      return fail(err, Problem::kEndGroup, msg, tag);
    default:
      return fail(err, Problem::kBadWireType, msg, tag);
  }
}

}  // namespace

bool skip_field(Msg msg, uint32_t tag, const char*& p, const char* end, int level, Error* err) {
  return field(msg, schema(msg), tag, p, end, level, err);
}

bool check_message(Msg msg, std::string_view bytes, int level, Error* err) {
  const Schema& s = schema(msg);
  const char* p = bytes.data();
  const char* end = p + bytes.size();
  while (p < end) {
    uint32_t tag;
    if (static_cast<uint8_t>(*p) < 0x80) {  // a one-byte tag: fields 1 to 15
      tag = static_cast<uint8_t>(*p++);
    } else if (!read_tag(p, end, &tag)) {
      return fail(err, Problem::kBadTag, msg, 0);
    }
    if (!field(msg, s, tag, p, end, level, err)) return false;
  }
  return true;
}

std::string describe(const Error& err) {
  const Schema& s = schema(err.msg);
  std::string out = s.name;
  if (err.problem == Problem::kBadTag) return out + ": truncated or over-long field tag";
  if (err.problem == Problem::kFieldZero) return out + ": field number 0";
  out += " field " + std::to_string(err.field);
  if (err.field <= kMaxField && s.len_fields[err.field].name && err.wire_type == kLen) {
    out += std::string(" (") + s.len_fields[err.field].name + ")";
  }
  switch (err.problem) {
    case Problem::kNone:
      return out + ": no error";
    case Problem::kBadTag:
    case Problem::kFieldZero:
      break;  // answered above
    case Problem::kBadVarint:
      return out + ": truncated or over-long varint";
    case Problem::kBadFixed:
      return out + ": truncated fixed-width value";
    case Problem::kBadLength:
      return out + ": length runs past the end of the message or is malformed";
    case Problem::kGroup:
      return out + ": groups (wire type 3) are not accepted";
    case Problem::kEndGroup:
      return out + ": end-group tag without a group";
    case Problem::kBadWireType:
      return out + ": invalid wire type " + std::to_string(err.wire_type);
    case Problem::kTooDeep:
      return out + ": messages nested more than " + std::to_string(kMaxLevel) + " levels deep";
    case Problem::kBadUtf8:
      return out + ": string is not valid UTF-8";
  }
  return out;
}

}  // namespace tempo::model::otlp_wire
