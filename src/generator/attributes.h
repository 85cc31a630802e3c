#pragma once
// Reading OTLP attributes as the generator's processors need them: by key over resource then
// span attributes, rendered as label values the way Tempo renders them.

#include <string>
#include <string_view>

#include "opentelemetry/proto/common/v1/common.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"

namespace tempo::generator {

using Attributes = google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>;

// The first attribute named `key` in `attrs`, or nullptr.
const opentelemetry::proto::common::v1::AnyValue* find_attribute(const Attributes& attrs,
                                                                 std::string_view key);

// The value as a label: a string as is, without copying (the view points into the value);
// any other type rendered into *scratch (which the view then points into): ints in decimal,
// doubles in shortest form, bools true/false, arrays and maps as JSON-like text.
std::string_view attribute_text(const opentelemetry::proto::common::v1::AnyValue& v,
                                std::string* scratch);

// find_attribute over `first` then `second` (nullptr: none); false when absent.
bool find_text(std::string_view key, const Attributes& first, const Attributes* second,
               std::string* scratch, std::string_view* out);

// SPAN_KIND_SERVER, STATUS_CODE_ERROR, ...: the proto enum names Tempo puts in labels.
std::string_view kind_name(int kind);
std::string_view status_name(int code);

// Lowercase hex of raw ID bytes into *out.
void hex_id(std::string_view bytes, std::string* out);

}  // namespace tempo::generator
