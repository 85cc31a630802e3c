#pragma once
// A trace using every field the block formats and SpanTable store, for round-trip tests.

#include <string>

#include "opentelemetry/proto/trace/v1/trace.pb.h"

namespace tempo::testing {

// A trace using every field the table stores: several resources and scopes, events and links
// with attributes, every attribute value type, status, trace state and flags.
inline opentelemetry::proto::trace::v1::TracesData rich_trace(const std::string& tid) {
  opentelemetry::proto::trace::v1::TracesData d;
  auto* rs = d.add_resource_spans();
  rs->set_schema_url("https://schema/1");
  auto* a = rs->mutable_resource()->add_attributes();
  a->set_key("service.name");
  a->mutable_value()->set_string_value("shop");
  rs->mutable_resource()->set_dropped_attributes_count(2);
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("lib");
  ss->mutable_scope()->set_version("2");
  auto* sa = ss->mutable_scope()->add_attributes();
  sa->set_key("scope.attr");
  sa->mutable_value()->set_int_value(-5);
  ss->set_schema_url("https://schema/2");

  auto* root = ss->add_spans();
  root->set_trace_id(tid);
  root->set_span_id(std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  root->set_name("GET /");
  root->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
  root->set_start_time_unix_nano(100);
  root->set_end_time_unix_nano(900);
  root->set_trace_state("k=v");
  root->set_flags(0x301);
  root->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  root->mutable_status()->set_message("bad");
  root->set_dropped_attributes_count(1);
  root->set_dropped_events_count(3);
  root->set_dropped_links_count(4);
  auto attr = [](auto* msg, const std::string& k) {
    auto* kv = msg->add_attributes();
    kv->set_key(k);
    return kv->mutable_value();
  };
  attr(root, "z.str")->set_string_value("hello");
  attr(root, "a.int")->set_int_value(42);
  attr(root, "m.dbl")->set_double_value(2.5);
  attr(root, "b.bool")->set_bool_value(true);
  attr(root, "c.bytes")->set_bytes_value(std::string("\0\1", 2));
  auto* arr = attr(root, "d.arr")->mutable_array_value();
  arr->add_values()->set_string_value("x");
  arr->add_values()->set_int_value(7);
  auto* kvl = attr(root, "e.kv")->mutable_kvlist_value()->add_values();
  kvl->set_key("inner");
  kvl->mutable_value()->set_bool_value(false);
  attr(root, "f.empty");
  auto* ev = root->add_events();
  ev->set_time_unix_nano(150);
  ev->set_name("exception");
  ev->set_dropped_attributes_count(1);
  attr(ev, "exception.message")->set_string_value("oops");
  auto* ln = root->add_links();
  ln->set_trace_id(std::string(16, '\x09'));
  ln->set_span_id(std::string(8, '\x0a'));
  ln->set_trace_state("l=1");
  ln->set_flags(1);
  attr(ln, "link.kind")->set_string_value("follows");

  auto* child = ss->add_spans();
  child->set_trace_id(tid);
  child->set_span_id(std::string("\x11\x02\x03\x04\x05\x06\x07\x08", 8));
  child->set_parent_span_id(root->span_id());
  child->set_name("db");
  child->set_start_time_unix_nano(200);
  child->set_end_time_unix_nano(300);
  attr(child, "a.int")->set_int_value(1);

  auto* rs2 = d.add_resource_spans();
  auto* a2 = rs2->mutable_resource()->add_attributes();
  a2->set_key("service.name");
  a2->mutable_value()->set_string_value("db");
  auto* grand = rs2->add_scope_spans()->add_spans();
  grand->set_trace_id(tid);
  grand->set_span_id(std::string("\x21\x02\x03\x04\x05\x06\x07\x08", 8));
  grand->set_parent_span_id(child->span_id());
  grand->set_name("query");
  grand->set_start_time_unix_nano(210);
  grand->set_end_time_unix_nano(250);
  return d;
}

}  // namespace tempo::testing
