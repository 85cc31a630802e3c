// model::split_by_trace_wire: the per-trace split on the serialized request. The walk records
// where each accepted span, scope and resource lies in the request (checking every byte as
// protobuf's parser would, src/model/otlp_wire.h), then writes each trace's TracesData in one
// buffer sized exactly beforehand. Per request it allocates a few scratch vectors; per trace,
// the segment and its bytes; per span, nothing.

#include <cstring>
#include <deque>
#include <random>

#include "model/otlp_wire.h"
#include "tempo/model/trace_split.h"

namespace tempo::model {
namespace {

using otlp_wire::Error;
using otlp_wire::Msg;
using otlp_wire::Problem;

// Wire tags (field number << 3 | wire type) the walk acts on; all fit one byte.
constexpr uint32_t kLenField1 = (1 << 3) | otlp_wire::kLen;      // resource_spans, resource, scope,
                                                                 // Span.trace_id
constexpr uint32_t kLenField2 = (2 << 3) | otlp_wire::kLen;      // scope_spans, spans, Span.span_id
constexpr uint32_t kLenField3 = (3 << 3) | otlp_wire::kLen;      // schema_url
constexpr uint32_t kSpanStart = (7 << 3) | otlp_wire::kFixed64;  // Span.start_time_unix_nano
constexpr uint32_t kSpanEnd = (8 << 3) | otlp_wire::kFixed64;    // Span.end_time_unix_nano

// A singular message field as received: protobuf merges repeated occurrences, which is what
// their concatenated bytes parse to.
struct MessageField {
  std::string_view bytes;
  bool present = false;
};

struct ResourceRef {
  MessageField resource;
  std::string_view schema_url;  // the last one sent wins, as in protobuf
};

struct ScopeRef {
  uint32_t resource;  // index into WireSplitter::resources_
  MessageField scope;
  std::string_view schema_url;
};

// An accepted span: its bytes in the request and where it goes.
struct SpanRef {
  uint32_t scope;    // index into WireSplitter::scopes_
  uint32_t segment;  // index into SplitResult::segments
  const char* data;
  uint32_t len;
};

using otlp_wire::field_size;
using otlp_wire::varint_size;

char* put_header(char* w, uint32_t tag, size_t len) {
  *w++ = static_cast<char>(tag);
  while (len >= 0x80) {
    *w++ = static_cast<char>((len & 0x7f) | 0x80);
    len >>= 7;
  }
  *w++ = static_cast<char>(len);
  return w;
}

char* put_field(char* w, uint32_t tag, std::string_view bytes) {
  w = put_header(w, tag, bytes.size());
  std::memcpy(w, bytes.data(), bytes.size());
  return w + bytes.size();
}

bool all_zero(std::string_view s) {
  for (char c : s)
    if (c) return false;
  return true;
}

// Trace IDs come from clients: a per-process random key keeps a crafted set of IDs from
// piling onto one slot of the segment table.
uint64_t hash_key() {
  static const uint64_t key = [] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }();
  return key;
}

class WireSplitter {
 public:
  explicit WireSplitter(SplitResult* out) : out_(out), key_(hash_key()) {}

  Status split(std::string_view request) {
    if (request.size() > static_cast<size_t>(INT32_MAX)) {
      return Status::invalid_argument("request is larger than 2 GiB");
    }
    spans_.reserve(request.size() / 256);
    const char* p = request.data();
    const char* end = p + request.size();
    while (p < end) {
      uint32_t tag;
      if (!otlp_wire::read_tag(p, end, &tag)) return error(Problem::kBadTag, Msg::kRequest, 0);
      if (tag == kLenField1) {
        size_t len;
        if (!otlp_wire::read_length(p, end, &len)) {
          return error(Problem::kBadLength, Msg::kRequest, tag);
        }
        at_rs_ = rs_seen_++;
        if (!resource_spans(std::string_view(p, len))) return error();
        at_rs_ = -1;
        p += len;
      } else if (!otlp_wire::skip_field(Msg::kRequest, tag, p, end, 0, &err_)) {
        return error();
      }
    }
    Status s = assemble(request.size());
    if (!s.is_ok()) *out_ = SplitResult{};
    return s;
  }

 private:
  bool resource_spans(std::string_view bytes) {
    constexpr int kLevel = 1;
    const uint32_t index = static_cast<uint32_t>(resources_.size());
    resources_.emplace_back();
    ss_seen_ = 0;
    const char* p = bytes.data();
    const char* end = p + bytes.size();
    while (p < end) {
      uint32_t tag;
      if (!otlp_wire::read_tag(p, end, &tag)) return fail(Problem::kBadTag, Msg::kResourceSpans, 0);
      if (tag == kLenField1 || tag == kLenField2 || tag == kLenField3) {
        size_t len;
        if (!otlp_wire::read_length(p, end, &len)) {
          return fail(Problem::kBadLength, Msg::kResourceSpans, tag);
        }
        const std::string_view field(p, len);
        p += len;
        if (tag == kLenField1) {
          if (!otlp_wire::check_message(Msg::kResource, field, kLevel + 1, &err_)) return false;
          merge(&resources_[index].resource, field);
        } else if (tag == kLenField2) {
          at_ss_ = ss_seen_++;
          if (!scope_spans(field, index)) return false;
          at_ss_ = -1;
        } else {
          if (!otlp_wire::valid_utf8(field))
            return fail(Problem::kBadUtf8, Msg::kResourceSpans, tag);
          resources_[index].schema_url = field;
        }
      } else if (!otlp_wire::skip_field(Msg::kResourceSpans, tag, p, end, kLevel, &err_)) {
        return false;
      }
    }
    return true;
  }

  bool scope_spans(std::string_view bytes, uint32_t resource) {
    constexpr int kLevel = 2;
    const uint32_t index = static_cast<uint32_t>(scopes_.size());
    scopes_.push_back(ScopeRef{resource, {}, {}});
    span_seen_ = 0;
    const char* p = bytes.data();
    const char* end = p + bytes.size();
    while (p < end) {
      uint32_t tag;
      if (!otlp_wire::read_tag(p, end, &tag)) return fail(Problem::kBadTag, Msg::kScopeSpans, 0);
      if (tag == kLenField1 || tag == kLenField2 || tag == kLenField3) {
        size_t len;
        if (!otlp_wire::read_length(p, end, &len)) {
          return fail(Problem::kBadLength, Msg::kScopeSpans, tag);
        }
        const std::string_view field(p, len);
        p += len;
        if (tag == kLenField1) {
          if (!otlp_wire::check_message(Msg::kScope, field, kLevel + 1, &err_)) return false;
          merge(&scopes_[index].scope, field);
        } else if (tag == kLenField2) {
          at_span_ = span_seen_++;
          if (!span(field, index)) return false;
          at_span_ = -1;
        } else {
          if (!otlp_wire::valid_utf8(field)) return fail(Problem::kBadUtf8, Msg::kScopeSpans, tag);
          scopes_[index].schema_url = field;
        }
      } else if (!otlp_wire::skip_field(Msg::kScopeSpans, tag, p, end, kLevel, &err_)) {
        return false;
      }
    }
    return true;
  }

  bool span(std::string_view bytes, uint32_t scope) {
    constexpr int kLevel = 3;
    std::string_view trace_id, span_id;
    uint64_t start = 0, end_time = 0;
    const char* p = bytes.data();
    const char* end = p + bytes.size();
    while (p < end) {
      uint32_t tag;
      if (!otlp_wire::read_tag(p, end, &tag)) return fail(Problem::kBadTag, Msg::kSpan, 0);
      switch (tag) {
        case kLenField1:
        case kLenField2: {
          size_t len;
          if (!otlp_wire::read_length(p, end, &len))
            return fail(Problem::kBadLength, Msg::kSpan, tag);
          (tag == kLenField1 ? trace_id : span_id) = std::string_view(p, len);
          p += len;
          break;
        }
        case kSpanStart:
        case kSpanEnd:
          if (end - p < 8) return fail(Problem::kBadFixed, Msg::kSpan, tag);
          (tag == kSpanStart ? start : end_time) = otlp_wire::load_fixed64(p);
          p += 8;
          break;
        default:
          if (!otlp_wire::skip_field(Msg::kSpan, tag, p, end, kLevel, &err_)) return false;
      }
    }
    if (!valid_ids(trace_id, span_id)) {
      ++out_->spans_rejected;
      return true;
    }
    ++out_->spans_accepted;
    const uint32_t segment = segment_for(trace_id.data(), start, end_time);
    spans_.push_back(SpanRef{scope, segment, bytes.data(), static_cast<uint32_t>(bytes.size())});
    return true;
  }

  // split_by_trace's rules and messages (trace_split.cc).
  bool valid_ids(std::string_view trace_id, std::string_view span_id) {
    if (trace_id.size() != 16) {
      if (out_->first_error.empty()) {
        out_->first_error =
            "trace ids must be 128 bit, received " + std::to_string(trace_id.size() * 8) + " bits";
      }
      return false;
    }
    if (all_zero(trace_id)) {
      if (out_->first_error.empty()) out_->first_error = "trace ID is all zeroes";
      return false;
    }
    if (span_id.size() != 8 || all_zero(span_id)) {
      if (out_->first_error.empty()) {
        out_->first_error = "span ids must be 64 bit and not all zero, received " +
                            std::to_string(span_id.size() * 8) + " bits";
      }
      return false;
    }
    return true;
  }

  // A message field sent more than once (rare): its occurrences concatenated, which protobuf
  // parses as their merge.
  void merge(MessageField* f, std::string_view piece) {
    if (!f->present) {
      *f = MessageField{piece, true};
      return;
    }
    std::string& joined = merged_.emplace_back();
    joined.reserve(f->bytes.size() + piece.size());
    joined.append(f->bytes).append(piece);
    f->bytes = joined;
  }

  uint32_t segment_for(const char* id, uint64_t start, uint64_t end) {
    auto& segments = out_->segments;
    if ((segments.size() + 1) * 2 > slots_.size()) grow_table();
    uint64_t a, b;
    std::memcpy(&a, id, 8);
    std::memcpy(&b, id + 8, 8);
    const size_t mask = slots_.size() - 1;
    for (size_t i = slot_of(a, b) & mask;; i = (i + 1) & mask) {
      const uint32_t s = slots_[i];
      if (s == 0) {
        TraceSegment& seg = segments.emplace_back();
        std::memcpy(seg.id.bytes.data(), id, 16);
        seg.start_unix_nano = start;
        seg.end_unix_nano = end;
        seg.spans = 1;
        slots_[i] = static_cast<uint32_t>(segments.size());
        return static_cast<uint32_t>(segments.size() - 1);
      }
      TraceSegment& seg = segments[s - 1];
      if (std::memcmp(seg.id.bytes.data(), id, 16) == 0) {
        seg.start_unix_nano = std::min(seg.start_unix_nano, start);
        seg.end_unix_nano = std::max(seg.end_unix_nano, end);
        ++seg.spans;
        return s - 1;
      }
    }
  }

  size_t slot_of(uint64_t a, uint64_t b) const {
    uint64_t h = (a ^ key_) * 0x9E3779B97F4A7C15ull;
    h = (h ^ (h >> 29) ^ b) * 0xBF58476D1CE4E5B9ull;
    return static_cast<size_t>(h ^ (h >> 32));
  }

  void grow_table() {
    slots_.assign(std::max<size_t>(64, slots_.size() * 2), 0);
    const size_t mask = slots_.size() - 1;
    const auto& segments = out_->segments;
    for (size_t n = 0; n < segments.size(); ++n) {
      uint64_t a, b;
      std::memcpy(&a, segments[n].id.bytes.data(), 8);
      std::memcpy(&b, segments[n].id.bytes.data() + 8, 8);
      size_t i = slot_of(a, b) & mask;
      while (slots_[i]) i = (i + 1) & mask;
      slots_[i] = static_cast<uint32_t>(n + 1);
    }
  }

  // Writes every segment's TracesData: per source ResourceSpans holding its spans, one
  // ResourceSpans{resource, scope_spans..., schema_url}; per source ScopeSpans, one
  // ScopeSpans{scope, spans..., schema_url}; the field order protobuf serializes in. All sizes
  // are known before anything is allocated, so a request whose copies of resources and scopes
  // would outgrow kMaxExpansion is refused first.
  Status assemble(size_t request_size) {
    auto& segments = out_->segments;
    // The accepted spans grouped by segment, each group in request order (a counting sort):
    // within a segment, runs of one scope and of one resource are then contiguous.
    std::vector<uint32_t> first(segments.size() + 1, 0);
    for (size_t g = 0; g < segments.size(); ++g) first[g + 1] = first[g] + segments[g].spans;
    std::vector<uint32_t> order(spans_.size());
    {
      std::vector<uint32_t> next(first.begin(), first.end() - 1);
      for (uint32_t i = 0; i < spans_.size(); ++i) order[next[spans_[i].segment]++] = i;
    }
    auto scope_of = [&](uint32_t i) { return spans_[order[i]].scope; };
    auto resource_of = [&](uint32_t i) { return scopes_[scope_of(i)].resource; };

    // ResourceSpans and ScopeSpans body sizes of every segment, in write order.
    std::vector<size_t> sizes;
    std::vector<size_t> totals(segments.size());
    uint64_t all = 0;
    for (size_t g = 0; g < segments.size(); ++g) {
      const uint32_t b = first[g], e = first[g + 1];
      for (uint32_t i = b; i < e;) {
        const uint32_t r = resource_of(i);
        const ResourceRef& res = resources_[r];
        size_t rs_body = (res.resource.present ? field_size(res.resource.bytes.size()) : 0) +
                         (res.schema_url.empty() ? 0 : field_size(res.schema_url.size()));
        const size_t rs_slot = sizes.size();
        sizes.push_back(0);
        while (i < e && resource_of(i) == r) {
          const uint32_t s = scope_of(i);
          const ScopeRef& sc = scopes_[s];
          size_t ss_body = (sc.scope.present ? field_size(sc.scope.bytes.size()) : 0) +
                           (sc.schema_url.empty() ? 0 : field_size(sc.schema_url.size()));
          for (; i < e && scope_of(i) == s; ++i) ss_body += field_size(spans_[order[i]].len);
          sizes.push_back(ss_body);
          rs_body += field_size(ss_body);
        }
        sizes[rs_slot] = rs_body;
        totals[g] += field_size(rs_body);
      }
      all += totals[g];
    }
    const uint64_t limit = kMaxExpansion * static_cast<uint64_t>(request_size) + kExpansionSlack;
    if (all > limit) {
      return Status::invalid_argument(
          "split by trace the request would take " + std::to_string(all) + " bytes, more than " +
          std::to_string(kMaxExpansion) +
          " times its size plus 16 MiB: too many traces under one large resource or scope");
    }

    size_t k = 0;
    for (size_t g = 0; g < segments.size(); ++g) {
      const uint32_t b = first[g], e = first[g + 1];
      std::string& out = segments[g].bytes;
      out.resize(totals[g]);
      char* w = out.data();
      for (uint32_t i = b; i < e;) {
        const uint32_t r = resource_of(i);
        const ResourceRef& res = resources_[r];
        w = put_header(w, kLenField1, sizes[k++]);  // TracesData.resource_spans
        if (res.resource.present) w = put_field(w, kLenField1, res.resource.bytes);
        while (i < e && resource_of(i) == r) {
          const uint32_t s = scope_of(i);
          const ScopeRef& sc = scopes_[s];
          w = put_header(w, kLenField2, sizes[k++]);  // ResourceSpans.scope_spans
          if (sc.scope.present) w = put_field(w, kLenField1, sc.scope.bytes);
          for (; i < e && scope_of(i) == s; ++i) {
            const SpanRef& sp = spans_[order[i]];
            w = put_field(w, kLenField2, std::string_view(sp.data, sp.len));  // ScopeSpans.spans
          }
          if (!sc.schema_url.empty()) w = put_field(w, kLenField3, sc.schema_url);
        }
        if (!res.schema_url.empty()) w = put_field(w, kLenField3, res.schema_url);
      }
    }
    return Status::ok();
  }

  bool fail(Problem problem, Msg msg, uint32_t tag) {
    err_ = Error{problem, msg, tag >> 3, tag & 7};
    return false;
  }

  Status error(Problem problem, Msg msg, uint32_t tag) {
    (void)fail(problem, msg, tag);
    return error();
  }

  // Nothing of a request that fails is kept.
  Status error() {
    *out_ = SplitResult{};
    std::string where;
    if (at_rs_ >= 0) {
      where = "resource_spans[" + std::to_string(at_rs_) + "]";
      if (at_ss_ >= 0) where += ".scope_spans[" + std::to_string(at_ss_) + "]";
      if (at_ss_ >= 0 && at_span_ >= 0) where += ".spans[" + std::to_string(at_span_) + "]";
      where += ": ";
    }
    return Status::invalid_argument(where + otlp_wire::describe(err_));
  }

  SplitResult* out_;
  const uint64_t key_;
  std::vector<ResourceRef> resources_;
  std::vector<ScopeRef> scopes_;
  std::vector<SpanRef> spans_;
  std::deque<std::string> merged_;  // stable storage for merge()
  std::vector<uint32_t> slots_;     // segment index + 1, by trace ID hash; 0 = free
  Error err_;
  // Where the walk is (-1: not inside one), for the error message.
  int64_t at_rs_ = -1, at_ss_ = -1, at_span_ = -1;
  int64_t rs_seen_ = 0, ss_seen_ = 0, span_seen_ = 0;
};

}  // namespace

Status split_by_trace_wire(std::string_view export_request, SplitResult* out) {
  *out = SplitResult{};
  WireSplitter splitter(out);
  return splitter.split(export_request);
}

}  // namespace tempo::model
