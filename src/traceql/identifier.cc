// Tag names as identifiers: parsed by the query parser itself, so a tag name means exactly
// what the same text means inside a query.

#include <string>

#include "tempo/traceql/parser.h"

namespace tempo::traceql {

Status parse_identifier(std::string_view s, Attribute* out) {
  const std::string bad = "failed to parse identifier " + std::string(s) +
                          ": not a TraceQL attribute or intrinsic";
  if (s.empty() || s.size() > 4096) return Status::invalid_argument(bad);
  // `{ <s> != nil }` parses to one filter testing one attribute for presence exactly when
  // `s` is one identifier; anything else (an operator, a second filter) changes the tree.
  RootExpr root;
  if (!parse_syntax("{ " + std::string(s) + " != nil }", &root).is_ok()) {
    return Status::invalid_argument(bad);
  }
  if (root.pipeline.elements.size() != 1 || root.metrics || !root.hints.entries.empty()) {
    return Status::invalid_argument(bad);
  }
  const auto* filter = std::get_if<SpansetFilter>(&root.pipeline.elements.front().node);
  const UnaryOp* u = filter ? filter->expr.as_unary() : nullptr;
  const Attribute* a = u && u->op == Op::kExists ? u->expr->as_attribute() : nullptr;
  if (!a) return Status::invalid_argument(bad);
  *out = *a;
  return Status::ok();
}

}  // namespace tempo::traceql
