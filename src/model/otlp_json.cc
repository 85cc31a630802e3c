#include "tempo/model/otlp_json.h"

#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>

#include "tempo/util/hex.h"

namespace tempo::model {
namespace {

using nlohmann::json;

std::string base64(std::string_view in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += t[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// Rewrites the hex ID field `name` (or its snake_case alias) of `obj` to base64.
Status hex_field_to_base64(json& obj, const char* camel, const char* snake,
                           const std::string& where) {
  for (const char* name : {camel, snake}) {
    auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) continue;
    if (!it->is_string()) {
      return Status::invalid_argument(where + "." + camel + " must be a hex string");
    }
    const std::string text = it->get<std::string>();
    if (text.size() % 2 != 0) {
      return Status::invalid_argument(where + "." + camel + " \"" + text +
                                      "\" is not valid hex: odd length");
    }
    std::string raw;
    if (!hex::decode(text, &raw)) {
      return Status::invalid_argument(where + "." + camel + " \"" + text + "\" is not valid hex");
    }
    *it = base64(raw);
  }
  return Status::ok();
}

json* member(json& obj, const char* camel, const char* snake) {
  auto it = obj.find(camel);
  if (it != obj.end() && it->is_array()) return &*it;
  it = obj.find(snake);
  if (it != obj.end() && it->is_array()) return &*it;
  return nullptr;
}

// Nesting deeper than the protobuf JSON parser accepts anyway. Checked before parsing because
// serializing a hostile, deeply nested document back out would recurse once per level.
constexpr int kMaxDepth = 100;

bool too_deep(std::string_view body) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

}  // namespace

Status decode_otlp_json(
    std::string_view body,
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* out) {
  if (too_deep(body)) {
    return Status::invalid_argument("request body nests deeper than " + std::to_string(kMaxDepth) +
                                    " levels");
  }
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::invalid_argument("request body is not valid JSON");
  if (!doc.is_object()) return Status::invalid_argument("request body must be a JSON object");
  if (json* rss = member(doc, "resourceSpans", "resource_spans")) {
    for (size_t r = 0; r < rss->size(); ++r) {
      json& rs = (*rss)[r];
      if (!rs.is_object()) continue;
      json* sss = member(rs, "scopeSpans", "scope_spans");
      if (!sss) continue;
      for (size_t s = 0; s < sss->size(); ++s) {
        json& ss = (*sss)[s];
        if (!ss.is_object()) continue;
        json* spans = member(ss, "spans", "spans");
        if (!spans) continue;
        for (size_t i = 0; i < spans->size(); ++i) {
          json& span = (*spans)[i];
          if (!span.is_object()) continue;
          std::string where = "resourceSpans[" + std::to_string(r) + "].scopeSpans[" +
                              std::to_string(s) + "].spans[" + std::to_string(i) + "]";
          TEMPO_RETURN_IF_ERROR(hex_field_to_base64(span, "traceId", "trace_id", where));
          TEMPO_RETURN_IF_ERROR(hex_field_to_base64(span, "spanId", "span_id", where));
          TEMPO_RETURN_IF_ERROR(hex_field_to_base64(span, "parentSpanId", "parent_span_id", where));
          if (json* links = member(span, "links", "links")) {
            for (size_t l = 0; l < links->size(); ++l) {
              json& link = (*links)[l];
              if (!link.is_object()) continue;
              std::string lw = where + ".links[" + std::to_string(l) + "]";
              TEMPO_RETURN_IF_ERROR(hex_field_to_base64(link, "traceId", "trace_id", lw));
              TEMPO_RETURN_IF_ERROR(hex_field_to_base64(link, "spanId", "span_id", lw));
            }
          }
        }
      }
    }
  }
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;
  auto st = google::protobuf::util::JsonStringToMessage(
      doc.dump(-1, ' ', false, json::error_handler_t::replace), out, opts);
  if (!st.ok()) {
    return Status::invalid_argument("invalid OTLP JSON: " + std::string(st.message()));
  }
  return Status::ok();
}

}  // namespace tempo::model
