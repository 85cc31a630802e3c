#include "tempo/model/span_count.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <initializer_list>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tempo::model {
namespace {

using google::protobuf::internal::WireFormatLite;

// Counts the length-delimited fields at `path` (field numbers, outermost first).
uint64_t count_path(std::string_view data, const int* path, size_t depth) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(data.data()),
                                            static_cast<int>(data.size()));
  uint64_t n = 0;
  while (uint32_t tag = in.ReadTag()) {
    const int field = static_cast<int>(WireFormatLite::GetTagFieldNumber(tag));
    if (field == path[0] &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t len = 0;
      if (!in.ReadVarint32(&len) || static_cast<int>(len) > in.BytesUntilLimit()) return n;
      const size_t at = static_cast<size_t>(in.CurrentPosition());
      if (depth == 1) {
        ++n;
      } else {
        n += count_path(data.substr(at, len), path + 1, depth - 1);
      }
      if (!in.Skip(static_cast<int>(len))) return n;
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return n;
    }
  }
  return n;
}

uint64_t count_proto(std::string_view body, std::initializer_list<int> path) {
  if (body.size() > static_cast<size_t>(INT32_MAX)) return 0;
  return count_path(body, path.begin(), path.size());
}

// Counts the objects that are elements of arrays under `key` ("" = the top-level array).
class JsonCounter : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit JsonCounter(std::string_view key) : key_(key) {}
  uint64_t count() const { return n_; }

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override {
    if (!counting_.empty() && counting_.back()) ++n_;
    counting_.push_back(false);
    has_key_ = false;
    return true;
  }
  bool key(string_t& k) override {
    has_key_ = k == key_;
    return true;
  }
  bool end_object() override { return end(); }
  bool start_array(std::size_t) override {
    counting_.push_back(key_.empty() ? counting_.empty() : has_key_);
    has_key_ = false;
    return true;
  }
  bool end_array() override { return end(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  bool value() {
    has_key_ = false;
    return true;
  }
  bool end() {
    if (!counting_.empty()) counting_.pop_back();
    has_key_ = false;
    return true;
  }

  std::string key_;
  std::vector<bool> counting_;
  bool has_key_ = false;
  uint64_t n_ = 0;
};

uint64_t count_json(std::string_view body, std::string_view key) {
  JsonCounter c(key);
  nlohmann::json::sax_parse(body.begin(), body.end(), &c, nlohmann::json::input_format_t::json,
                            /*strict=*/false);
  return c.count();
}

}  // namespace

uint64_t count_otlp_proto_spans(std::string_view body) { return count_proto(body, {1, 2, 2}); }
uint64_t count_otlp_json_spans(std::string_view body) { return count_json(body, "spans"); }
uint64_t count_zipkin_proto_spans(std::string_view body) { return count_proto(body, {1}); }
uint64_t count_jaeger_proto_spans(std::string_view body) { return count_proto(body, {1, 1}); }
uint64_t count_zipkin_json_spans(std::string_view body) { return count_json(body, ""); }

}  // namespace tempo::model
