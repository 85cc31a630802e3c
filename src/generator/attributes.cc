#include "generator/attributes.h"

#include <charconv>

namespace tempo::generator {

using opentelemetry::proto::common::v1::AnyValue;

const AnyValue* find_attribute(const Attributes& attrs, std::string_view key) {
  for (const auto& kv : attrs) {
    if (kv.key() == key) return &kv.value();
  }
  return nullptr;
}

namespace {

void render(const AnyValue& v, std::string* out) {
  char buf[64];
  switch (v.value_case()) {
    case AnyValue::kStringValue:
      out->append(v.string_value());
      break;
    case AnyValue::kBoolValue:
      out->append(v.bool_value() ? "true" : "false");
      break;
    case AnyValue::kIntValue: {
      auto r = std::to_chars(buf, buf + sizeof buf, v.int_value());
      out->append(buf, r.ptr);
      break;
    }
    case AnyValue::kDoubleValue: {
      auto r = std::to_chars(buf, buf + sizeof buf, v.double_value());
      out->append(buf, r.ptr);
      break;
    }
    case AnyValue::kArrayValue: {
      out->push_back('[');
      bool first = true;
      for (const auto& e : v.array_value().values()) {
        if (!first) out->push_back(',');
        first = false;
        render(e, out);
      }
      out->push_back(']');
      break;
    }
    case AnyValue::kKvlistValue: {
      out->push_back('{');
      bool first = true;
      for (const auto& kv : v.kvlist_value().values()) {
        if (!first) out->push_back(',');
        first = false;
        out->append(kv.key());
        out->push_back(':');
        render(kv.value(), out);
      }
      out->push_back('}');
      break;
    }
    case AnyValue::kBytesValue: {
      std::string hex;
      hex_id(v.bytes_value(), &hex);
      out->append(hex);
      break;
    }
    default:
      break;
  }
}

}  // namespace

std::string_view attribute_text(const AnyValue& v, std::string* scratch) {
  if (v.value_case() == AnyValue::kStringValue) return v.string_value();
  scratch->clear();
  render(v, scratch);
  return *scratch;
}

bool find_text(std::string_view key, const Attributes& first, const Attributes* second,
               std::string* scratch, std::string_view* out) {
  const AnyValue* v = find_attribute(first, key);
  if (!v && second) v = find_attribute(*second, key);
  if (!v) return false;
  *out = attribute_text(*v, scratch);
  return true;
}

std::string_view kind_name(int kind) {
  static constexpr std::string_view kNames[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL",
                                                "SPAN_KIND_SERVER",      "SPAN_KIND_CLIENT",
                                                "SPAN_KIND_PRODUCER",    "SPAN_KIND_CONSUMER"};
  return kind >= 0 && kind < 6 ? kNames[kind] : kNames[0];
}

std::string_view status_name(int code) {
  static constexpr std::string_view kNames[] = {"STATUS_CODE_UNSET", "STATUS_CODE_OK",
                                                "STATUS_CODE_ERROR"};
  return code >= 0 && code < 3 ? kNames[code] : kNames[0];
}

void hex_id(std::string_view bytes, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->resize(bytes.size() * 2);
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto b = static_cast<unsigned char>(bytes[i]);
    (*out)[2 * i] = kHex[b >> 4];
    (*out)[2 * i + 1] = kHex[b & 15];
  }
}

}  // namespace tempo::generator
