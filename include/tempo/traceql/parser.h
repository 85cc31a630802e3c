#pragma once
// TraceQL front end: text -> RootExpr (ast.h), with Tempo's (v3.0.x) grammar, precedence and
// validation rules. Errors are Status values with code kInvalidArgument, meant to be shown to
// the user as an HTTP 400 body:
//   syntax:   "parse error at line 1, col 14: syntax error: unexpected $end"
//   semantic: "binary operations must operate on the same type: 1 = \"a\""
//   features Tempo parses but does not run end in "not yet supported".

#include <cstddef>
#include <string_view>
#include <vector>

#include "tempo/traceql/ast.h"
#include "tempo/util/status.h"

namespace tempo::traceql {

// Longer queries are refused before lexing, which bounds the parser's memory.
inline constexpr size_t kMaxQueryBytes = 256 * 1024;
// Deepest nesting (parentheses, operators, unary chains) a query may have; a tree from parse()
// is never deeper, so recursive walks over it cannot exhaust the stack. Far beyond any real
// query, and small enough that parsing the deepest query fits in a 1 MiB thread stack.
inline constexpr int kMaxDepth = 256;

// Syntax and validation: what a query endpoint should call. On error `*out` is left empty.
Status parse(std::string_view query, RootExpr* out);

// Syntax only (no type checks), for callers that validate separately or inspect the tree.
Status parse_syntax(std::string_view query, RootExpr* out);

// Tempo's semantic checks: operand types, boolean filters, aggregates over numbers that read
// the span, regexes that compile, metrics arguments, unsupported features.
Status validate(const RootExpr& root);

// Every attribute the query reads (filters, by(), aggregates, select(), metrics), each once,
// in order of first appearance. The engine uses it to pick the columns to fetch.
std::vector<Attribute> referenced_attributes(const RootExpr& root);

}  // namespace tempo::traceql

namespace tempo::traceql {

// One attribute or intrinsic as written in a query (`span.http.method`, `.foo`,
// `resource."a b"`, `name`, `span:id`), as Tempo's ParseIdentifier reads tag names.
// kInvalidArgument when `s` is anything else (including text that would parse as more than
// one identifier).
Status parse_identifier(std::string_view s, Attribute* out);

}  // namespace tempo::traceql
