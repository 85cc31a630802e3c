#include <google/protobuf/stubs/common.h>

#include <catch2/catch.hpp>
#include <functional>
#include <random>

#include "model/otlp_wire.h"
#include "model/testing.h"
#include "tempo/model/trace_split.h"
#include "tempo/util/hex.h"
#include "testing/wire_bytes.h"
#include "testing/wire_split_agreement.h"

using namespace tempo;
using namespace tempo::model_testing;
using namespace tempo::testing::wire_bytes;
using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::TracesData;
using tempo::testing::check_wire_split;

namespace {

const std::string kTrace1 = bytes_of({1}, 16), kTrace2 = bytes_of({2}, 16);

std::string wire_span(const std::string& tid, int sid, const std::string& name) {
  return len_field(1, tid) + len_field(2, bytes_of({sid}, 8)) + len_field(5, name) +
         fixed64_field(7, 1000 + sid) + fixed64_field(8, 2000 + sid);
}
std::string wire_resource(const std::string& service) {
  return len_field(1, len_field(1, "service.name") + len_field(2, len_field(1, service)));
}

// Fails the test with the input in hex when the two splits disagree.
void agree(std::string_view bytes, bool same_bytes = false) {
  const auto r = check_wire_split(bytes, same_bytes);
  INFO("input: " << hex::encode(bytes));
  INFO("wire split: " << (r.split ? "ok" : r.status.message()));
  CHECK(r.mismatch == "");
}

// A random AnyValue, nested at most `depth` more levels.
void random_value(std::mt19937_64& rng, AnyValue* v, int depth) {
  switch (rng() % (depth > 0 ? 7 : 5)) {
    case 0:
      v->set_string_value("v" + std::to_string(rng() % 100) + "\xc3\xa9");
      break;
    case 1:
      v->set_bool_value(rng() % 2);
      break;
    case 2:
      v->set_int_value(static_cast<int64_t>(rng()));
      break;
    case 3:
      v->set_double_value(0.5 * static_cast<double>(rng() % 1000));
      break;
    case 4:
      v->set_bytes_value(std::string(rng() % 4, '\xff'));
      break;
    case 5:
      for (int i = 0, n = static_cast<int>(rng() % 3); i < n; ++i)
        random_value(rng, v->mutable_array_value()->add_values(), depth - 1);
      break;
    default:
      for (int i = 0, n = static_cast<int>(rng() % 3); i < n; ++i) {
        auto* kv = v->mutable_kvlist_value()->add_values();
        kv->set_key("k" + std::to_string(i));
        random_value(rng, kv->mutable_value(), depth - 1);
      }
  }
}

template <typename Repeated>
void random_attrs(std::mt19937_64& rng, Repeated* attrs) {
  for (int i = 0, n = static_cast<int>(rng() % 4); i < n; ++i) {
    auto* kv = attrs->Add();
    kv->set_key("attr." + std::to_string(rng() % 10));
    if (rng() % 8) random_value(rng, kv->mutable_value(), 2);
  }
}

void add_unknown(std::mt19937_64& rng, google::protobuf::Message* m) {
  if (rng() % 4) return;
  auto* u = m->GetReflection()->MutableUnknownFields(m);
  u->AddVarint(100 + static_cast<int>(rng() % 50), rng());
  if (rng() % 2) u->AddLengthDelimited(17, "unknown bytes");
  if (rng() % 2) u->AddFixed32(536870911, 7);  // the highest field number
}

// Requests of every shape the split must handle: several resources and scopes, traces
// interleaved across them, missing and empty messages, bad IDs, unknown fields everywhere.
ExportTraceServiceRequest random_request(std::mt19937_64& rng) {
  const std::vector<std::string> traces = {kTrace1, kTrace2, bytes_of({3, 4}, 16),
                                           bytes_of({9, 9, 9}, 16)};
  ExportTraceServiceRequest req;
  add_unknown(rng, &req);
  for (int r = 0, nr = static_cast<int>(rng() % 4); r < nr; ++r) {
    auto* rs = req.add_resource_spans();
    add_unknown(rng, rs);
    if (rng() % 5) {
      auto* res = rs->mutable_resource();  // sometimes present and empty
      random_attrs(rng, res->mutable_attributes());
      if (rng() % 3 == 0) res->set_dropped_attributes_count(2);
      if (rng() % 6 == 0) res->add_entity_refs()->add_id_keys("service.name");
      add_unknown(rng, res);
    }
    if (rng() % 3 == 0)
      rs->set_schema_url("https://opentelemetry.io/schemas/1.2" + std::to_string(r));
    for (int s = 0, ns = static_cast<int>(rng() % 4); s < ns; ++s) {
      auto* ss = rs->add_scope_spans();
      add_unknown(rng, ss);
      if (rng() % 4) {
        auto* scope = ss->mutable_scope();
        if (rng() % 2) scope->set_name("lib" + std::to_string(s));
        if (rng() % 2) scope->set_version("1.0");
        random_attrs(rng, scope->mutable_attributes());
        add_unknown(rng, scope);
      }
      if (rng() % 3 == 0) ss->set_schema_url("scope-schema");
      for (int k = 0, nk = static_cast<int>(rng() % 7); k < nk; ++k) {
        auto* sp = ss->add_spans();
        switch (rng() % 12) {
          case 0:
            sp->set_trace_id(bytes_of({1}, 8));
            break;
          case 1:
            sp->set_trace_id(std::string(16, '\0'));
            break;
          case 2:
            break;  // no trace ID
          default:
            sp->set_trace_id(traces[rng() % traces.size()]);
        }
        switch (rng() % 14) {
          case 0:
            sp->set_span_id(std::string(8, '\0'));
            break;
          case 1:
            sp->set_span_id("abc");
            break;
          default:
            sp->set_span_id(bytes_of({static_cast<int>(rng() % 250) + 1, 7}, 8));
        }
        if (rng() % 6) sp->set_name("op" + std::to_string(rng() % 5));
        if (rng() % 5) sp->set_start_time_unix_nano(1'700'000'000'000'000'000ull + rng() % 1000);
        if (rng() % 5) sp->set_end_time_unix_nano(1'700'000'000'000'001'000ull + rng() % 1000);
        if (rng() % 4 == 0) sp->set_trace_state("k=v");
        if (rng() % 3 == 0) sp->set_parent_span_id(bytes_of({5}, 8));
        if (rng() % 2)
          sp->set_kind(static_cast<opentelemetry::proto::trace::v1::Span_SpanKind>(rng() % 6));
        if (rng() % 4 == 0) sp->set_flags(0x301);
        random_attrs(rng, sp->mutable_attributes());
        if (rng() % 4 == 0) {
          auto* ev = sp->add_events();
          ev->set_name("event");
          ev->set_time_unix_nano(5);
          random_attrs(rng, ev->mutable_attributes());
        }
        if (rng() % 5 == 0) {
          auto* link = sp->add_links();
          link->set_trace_id(kTrace2);
          link->set_span_id(bytes_of({6}, 8));
          link->set_trace_state("a=b");
          random_attrs(rng, link->mutable_attributes());
        }
        if (rng() % 3 == 0) {
          sp->mutable_status()->set_code(
              opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
          if (rng() % 2) sp->mutable_status()->set_message("boom");
        }
        add_unknown(rng, sp);
      }
    }
  }
  return req;
}

}  // namespace

TEST_CASE("wire split equals the parse path on generated requests, byte for byte") {
  std::mt19937_64 rng(17);
  uint64_t segments = 0, rejected = 0;
  for (int i = 0; i < 400; ++i) {
    const std::string bytes = random_request(rng).SerializeAsString();
    const auto r = check_wire_split(bytes, /*same_bytes=*/true);
    INFO("request " << i << ": " << hex::encode(bytes));
    REQUIRE(r.mismatch == "");
    REQUIRE(r.split);
    segments += r.wire.segments.size();
    rejected += r.wire.spans_rejected;
  }
  // The generator reaches the cases it is for.
  CHECK(segments > 400);
  CHECK(rejected > 50);
}

TEST_CASE("wire split agrees with protobuf on mutated requests") {
  std::mt19937_64 rng(4317);
  int refused = 0, taken = 0;
  for (int i = 0; i < 300; ++i) {
    const std::string base = random_request(rng).SerializeAsString();
    if (base.empty()) continue;
    for (int m = 0; m < 20; ++m) {
      std::string bytes = base;
      const size_t at = rng() % bytes.size();
      switch (rng() % 5) {
        case 0:
          bytes[at] = static_cast<char>(rng());
          break;
        case 1:
          bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8)));
          break;
        case 2:
          bytes.resize(at);
          break;
        case 3:
          bytes.insert(at, 1 + rng() % 3, static_cast<char>(rng()));
          break;
        default:
          bytes.erase(at, 1 + rng() % 4);
          break;
      }
      const auto r = check_wire_split(bytes);
      INFO("input: " << hex::encode(bytes));
      REQUIRE(r.mismatch == "");
      (r.split ? taken : refused)++;
    }
  }
  CHECK(refused > 500);  // both kinds of outcome occur
  CHECK(taken > 500);
}

TEST_CASE("wire split agrees with protobuf on every prefix of a request") {
  std::mt19937_64 rng(99);
  ExportTraceServiceRequest req;
  while (req.ByteSizeLong() < 600) req = random_request(rng);
  const std::string bytes = req.SerializeAsString();
  int parsed_prefixes = 0;
  for (size_t n = 0; n <= bytes.size(); ++n) {
    const auto r = check_wire_split(std::string_view(bytes).substr(0, n));
    INFO("prefix " << n);
    REQUIRE(r.mismatch == "");
    parsed_prefixes += r.parsed;
  }
  CHECK(parsed_prefixes >= 2);  // at least the empty request and the whole one
}

TEST_CASE("wire split takes fields out of order, repeated and with unknown wire types") {
  // Scope and resource after the spans, schema URLs twice (the last wins), the resource and a
  // span's status sent twice (merged), a trace ID sent twice (the last wins), unknown fields of
  // every wire type, and a field with a wire type other than its declared one (unknown).
  const std::string unknowns = varint_field(99, 5) + fixed64_field(98, 7) + tag(97, 5) +
                               std::string("\1\2\3\4") + len_field(96, "xyz");
  std::string span1 = len_field(1, bytes_of({7}, 16)) + wire_span(kTrace1, 1, "a") +
                      len_field(15, len_field(2, "first")) + unknowns +
                      len_field(15, varint_field(3, 2)) + varint_field(5, 1);  // name as varint
  std::string span2 = fixed64_field(8, 5) + unknowns + wire_span(kTrace2, 2, "b");
  std::string scope_spans = len_field(2, span1) + len_field(3, "old") + unknowns +
                            len_field(2, span2) + len_field(1, len_field(1, "lib")) +
                            len_field(3, "new") + len_field(1, len_field(2, "1.0"));
  std::string rs = len_field(3, "schema-a") + len_field(2, scope_spans) + unknowns +
                   len_field(1, wire_resource("svc")) + len_field(3, "schema-b") +
                   len_field(1, varint_field(2, 3));
  const std::string request = unknowns + len_field(1, rs) + len_field(1, "") + unknowns;
  agree(request);

  model::SplitResult r;
  REQUIRE(model::split_by_trace_wire(request, &r).is_ok());
  REQUIRE(r.segments.size() == 2);
  CHECK(r.segments[0].id.hex() == "00000000000000000000000000000001");
  CHECK(r.segments[1].start_unix_nano == 1002);
  CHECK(r.segments[1].end_unix_nano == 2002);  // the last end time sent
  TracesData td;
  REQUIRE(td.ParseFromString(r.segments[0].bytes));
  const auto& out_rs = td.resource_spans(0);
  CHECK(out_rs.schema_url() == "schema-b");
  CHECK(out_rs.resource().attributes(0).value().string_value() == "svc");
  CHECK(out_rs.resource().dropped_attributes_count() == 3);
  const auto& out_ss = out_rs.scope_spans(0);
  CHECK(out_ss.schema_url() == "new");
  CHECK(out_ss.scope().name() == "lib");
  CHECK(out_ss.scope().version() == "1.0");
  const auto& sp = out_ss.spans(0);
  CHECK(sp.name() == "a");
  CHECK(sp.status().message() == "first");
  CHECK(sp.status().code() == 2);
  CHECK(sp.GetReflection()->GetUnknownFields(sp).field_count() ==
        5);  // kept: 4 unknowns and the varint name
}

TEST_CASE("wire split checks what protobuf checks and says where") {
  const std::string good_span = wire_span(kTrace1, 1, "ok");
  auto request = [](const std::string& span, const std::string& resource = "") {
    return len_field(
        1, len_field(1, wire_resource("svc")) + resource +
               len_field(2, len_field(2, wire_span(kTrace2, 3, "x")) + len_field(2, span)));
  };
  struct Case {
    std::string name, bytes, error;
  };
  const std::string bad_utf8 = "\xc0\x80";  // overlong NUL
  const std::vector<Case> cases = {
      {"bad UTF-8 in a span name", request(wire_span(kTrace1, 1, "a" + bad_utf8)),
       "resource_spans[0].scope_spans[0].spans[1]: Span field 5 (name): string is not valid "
       "UTF-8"},
      {"surrogate in trace_state", request(good_span + len_field(3, "\xed\xa0\x80")),
       "Span field 3 (trace_state): string is not valid UTF-8"},
      {"bad UTF-8 in an attribute key", request(good_span + len_field(9, len_field(1, "\xff"))),
       "KeyValue field 1 (key): string is not valid UTF-8"},
      {"bad UTF-8 in a nested string value",
       request(good_span +
               len_field(
                   9, len_field(2, len_field(5, len_field(1, len_field(1, "\xf4\x90\x80\x80")))))),
       "AnyValue field 1 (string_value): string is not valid UTF-8"},
      {"bad UTF-8 in an event name", request(good_span + len_field(11, len_field(2, "\x80"))),
       "Span.Event field 2 (name): string is not valid UTF-8"},
      {"bad UTF-8 in a status message",
       request(good_span + len_field(15, len_field(2, "\xe0\x80\xaf"))),
       "Status field 2 (message): string is not valid UTF-8"},
      {"bad UTF-8 in a resource schema URL", request(good_span, len_field(3, "\xc3")),
       "resource_spans[0]: ResourceSpans field 3 (schema_url): string is not valid UTF-8"},
      {"bad UTF-8 in an entity ref", len_field(1, len_field(1, len_field(3, len_field(3, "\xfe")))),
       "resource_spans[0]: EntityRef field 3 (id_keys): string is not valid UTF-8"},
      {"truncated length", request(good_span + tag(5, 2) + varint(50) + "abc"),
       "Span field 5 (name): length runs past the end of the message"},
      {"length past its message into the next",
       request(len_field(1, kTrace1) + tag(5, 2) + varint(3)) + "abc",
       "Span field 5 (name): length runs past the end"},
      {"six-byte length", request(good_span + tag(4, 2) + "\x80\x80\x80\x80\x80\x00"),
       "Span field 4 (parent_span_id): length runs past the end of the message or is malformed"},
      {"eleven-byte varint", request(good_span + tag(6, 0) + std::string(10, '\x81') + "\x01"),
       "Span field 6: truncated or over-long varint"},
      {"truncated start time", request(good_span + tag(7, 1) + "1234"),
       "Span field 7: truncated fixed-width value"},
      {"truncated fixed32", request(good_span + tag(16, 5) + "12"),
       "Span field 16: truncated fixed-width value"},
      {"tag zero", request(good_span + std::string(1, '\0')), "Span: field number 0"},
      {"field number zero", request(good_span + tag(0, 2) + varint(0)), "Span: field number 0"},
      {"wire type 6", request(good_span + tag(3, 6)), "Span field 3: invalid wire type 6"},
      {"wire type 7 at the top", tag(2, 7),
       "ExportTraceServiceRequest field 2: invalid wire type 7"},
      {"end-group tag", request(good_span + tag(20, 4)),
       "Span field 20: end-group tag without a group"},
      {"truncated tag", request(good_span + "\x80"), "Span: truncated or over-long field tag"},
      {"six-byte tag", request(good_span + "\x88\x80\x80\x80\x80\x00" + varint(1)),
       "Span: truncated or over-long field tag"},
      {"truncated resource", std::string("\x0a\x05\x0a\x02"),
       "ExportTraceServiceRequest field 1 (resource_spans): length runs past"},
      {"bad scope", len_field(1, len_field(2, len_field(1, tag(1, 2) + varint(9)))),
       "resource_spans[0].scope_spans[0]: InstrumentationScope field 1 (name): length runs past"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto r = check_wire_split(c.bytes);
    CHECK(r.mismatch == "");
    CHECK_FALSE(r.parsed);
    REQUIRE_FALSE(r.split);
    CHECK(r.status.is(Status::Code::kInvalidArgument));
    CHECK_THAT(r.status.message(), Catch::Matchers::Contains(c.error));
  }
}

TEST_CASE("wire split refuses groups, which protobuf skips as unknown fields") {
  const std::string group = tag(50, 3) + varint_field(1, 7) + tag(50, 4);
  const std::string request =
      len_field(1, len_field(2, len_field(2, wire_span(kTrace1, 1, "a") + group)));
  const auto r = check_wire_split(request);
  CHECK(r.mismatch == "");
  CHECK(r.parsed);  // the documented difference
  REQUIRE_FALSE(r.split);
  CHECK(r.status.message() ==
        "resource_spans[0].scope_spans[0].spans[0]: Span field 50: groups (wire type 3) are not "
        "accepted");
}

TEST_CASE("wire split reads tags and varints as protobuf does") {
  // A two-byte tag for field 1 (0x8a 0x00), a five-byte tag whose bits past 32 protobuf drops
  // (so it reads as field 1), and a ten-byte varint with bits past 64.
  const std::string span = wire_span(kTrace1, 1, "a");
  for (const std::string& lead : {std::string("\x8a\x00", 2), std::string("\x8a\x80\x80\x80\x10"),
                                  std::string("\x8a\x80\x80\x80\x70")}) {
    const std::string request = lead + varint(0) + len_field(1, len_field(2, len_field(2, span)));
    agree(request);
  }
  agree(
      len_field(1, len_field(2, len_field(2, span + tag(6, 0) + std::string(9, '\xff') + "\x7f"))));
  agree(
      len_field(1, len_field(2, len_field(2, span + tag(5, 2) + "\x83\x80\x80\x80\x00" + "abc"))));
}

TEST_CASE("wire split nests as deep as protobuf and no deeper") {
  // request(0) > resource_spans(1) > scope_spans(2) > spans(3) > attributes(4) > value(5) >
  // array_value(6) > values(7) > ... : each array adds two levels.
  bool took_deepest = false, refused_deeper = false;
  for (int arrays = 44; arrays <= 50; ++arrays) {
    ExportTraceServiceRequest req;
    auto* sp = add_span(req, 0, kTrace1, 1, "deep");
    auto* kv = sp->add_attributes();
    kv->set_key("nested");
    AnyValue* v = kv->mutable_value();
    for (int i = 0; i < arrays; ++i) v = v->mutable_array_value()->add_values();
    v->set_string_value("bottom");
    const auto r = check_wire_split(req.SerializeAsString());
    INFO(arrays << " arrays");
    CHECK(r.mismatch == "");
    if (r.parsed) took_deepest = true;
    if (!r.parsed) {
      refused_deeper = true;
      CHECK_THAT(r.status.message(), Catch::Matchers::Contains("nested more than 100 levels"));
    }
  }
  CHECK(took_deepest);
  CHECK(refused_deeper);
}

TEST_CASE("wire split keeps first-seen order over many traces") {
  std::mt19937_64 rng(3);
  ExportTraceServiceRequest req;
  for (int i = 0; i < 3000; ++i) {
    const int t = static_cast<int>(rng() % 1200);
    add_span(req, i % 3, bytes_of({t / 256 + 1, t % 256}, 16), i + 1, "s");
  }
  const auto r = check_wire_split(req.SerializeAsString(), /*same_bytes=*/true);
  CHECK(r.mismatch == "");
  CHECK(r.wire.segments.size() > 900);
  CHECK(r.wire.spans_accepted == 3000);
}

TEST_CASE("wire split of nothing") {
  model::SplitResult r;
  r.first_error = "left over";
  REQUIRE(model::split_by_trace_wire("", &r).is_ok());
  CHECK(r.segments.empty());
  CHECK(r.first_error.empty());
  agree("");
  agree(len_field(1, ""));
  agree(len_field(1, len_field(2, "")));
  agree(len_field(1, len_field(2, len_field(2, ""))));  // one span with no IDs: rejected
}

TEST_CASE("wire UTF-8 check accepts exactly what protobuf accepts") {
  auto same = [](const std::string& s) {
    return model::otlp_wire::valid_utf8(s) == google::protobuf::internal::IsStructurallyValidUTF8(
                                                  s.data(), static_cast<int>(s.size()));
  };
  int mismatches = 0;
  std::string s;
  for (int a = 0; a < 256; ++a) {
    s.assign(1, static_cast<char>(a));
    mismatches += !same(s);
    for (int b = 0; b < 256; ++b) {
      s.assign({static_cast<char>(a), static_cast<char>(b)});
      mismatches += !same(s);
      if (a < 0xC0) continue;  // 3-byte forms start at a lead byte
      for (int c = 0; c < 256; ++c) {
        s.assign({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
        mismatches += !same(s);
      }
    }
  }
  std::mt19937_64 rng(8);
  int valid = 0;
  for (int i = 0; i < 400000; ++i) {
    // ASCII runs around high bytes, to cross the eight-byte fast path at every offset.
    s.assign(rng() % 12, 'a');
    for (int k = 0, n = 1 + static_cast<int>(rng() % 4); k < n; ++k)
      s.push_back(static_cast<char>(0x80 | (rng() % 0x80)));
    s.append(rng() % 10, 'b');
    if (rng() % 2) s[s.size() - 1 - rng() % s.size()] = static_cast<char>(0xF0 | (rng() % 8));
    mismatches += !same(s);
    valid += model::otlp_wire::valid_utf8(s);
  }
  CHECK(mismatches == 0);
  CHECK(valid > 1000);
}

TEST_CASE("wire split refuses a request that copies would blow up, before allocating") {
  // One large resource over many single-span traces: every segment carries its own copy.
  auto request = [](size_t resource_bytes, int traces) {
    std::string spans;
    for (int t = 0; t < traces; ++t) {
      spans += len_field(2, wire_span(bytes_of({t / 256 + 1, t % 256}, 16), 1, "s"));
    }
    return len_field(
        1, len_field(1, wire_resource(std::string(resource_bytes, 'r'))) + len_field(2, spans));
  };
  const std::string big = request(100'000, 2000);  // ~0.2 MB in, ~200 MB out
  model::SplitResult r;
  Status s = model::split_by_trace_wire(big, &r);
  REQUIRE(s.is(Status::Code::kInvalidArgument));
  CHECK_THAT(s.message(), Catch::Matchers::Contains("more than 16 times its size plus 16 MiB"));
  CHECK(r.segments.empty());
  CHECK(r.spans_accepted == 0);

  // A batch as real as it gets heavy: a 2 KB resource over 1000 single-span traces.
  const std::string heavy = request(2'000, 1000);
  REQUIRE(model::split_by_trace_wire(heavy, &r).is_ok());
  CHECK(r.segments.size() == 1000);
  agree(heavy, /*same_bytes=*/true);
}
