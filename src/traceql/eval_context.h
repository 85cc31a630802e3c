#pragma once
// Internal to the engine: what evaluating a query over one row group needs — the table, each
// referenced attribute resolved to per-owner rows, and the compiled regexes.

#include <re2/re2.h>

#include <memory>
#include <unordered_map>
#include <vector>

#include "tempo/columnar/span_table.h"
#include "tempo/traceql/engine.h"

namespace tempo::traceql {

// Position being evaluated: a span, and for event/link-scoped reads one of its events/links.
struct Cursor {
  uint32_t span = 0;
  uint32_t event = columnar::kNoRow;
  uint32_t link = columnar::kNoRow;
};

// One non-intrinsic attribute resolved in one table: the attribute row of each owner row.
struct AttrLookup {
  const columnar::AttrTable* table = nullptr;  // null: the key is absent from the group
  std::vector<uint32_t> row_of_owner;
  // Unscoped `.x` also looks at the span's resource when the span lacks the attribute.
  const columnar::AttrTable* res_table = nullptr;
  std::vector<uint32_t> res_row_of_owner;
};

// Compile-time facts the evaluator shares across row groups (read-only).
struct QueryShared {
  std::unordered_map<const Attribute*, int> slot_of;  // every attribute node -> slot
  std::vector<Attribute> slots;                       // distinct attributes
  std::unordered_map<const Static*, std::unique_ptr<RE2>> regexes;  // regex literals
};

struct RowCtx {
  const columnar::SpanTable& t;
  const QueryShared& q;
  std::vector<AttrLookup> lookups;  // by slot

  RowCtx(const columnar::SpanTable& table, const QueryShared& shared);
  const AttrLookup& lookup(const Attribute& a) const { return lookups[q.slot_of.at(&a)]; }
};

// Reads one attribute value at a cursor.
Value read_attribute(const RowCtx& c, const Attribute& a, const Cursor& cur);
Value read_attribute_row(const columnar::SpanTable& t, const columnar::AttrTable& at, uint32_t row);
Value static_value(const Static& s);

// Generic evaluation of a field expression at one cursor.
Value eval_field(const RowCtx& c, const FieldExpr& e, const Cursor& cur);
// A boolean field expression over every span of the table: out[span] = 1 when it holds.
// Event/link-scoped expressions hold for a span when they hold for some event/link of it.
void eval_mask(const RowCtx& c, const FieldExpr& e, std::vector<uint8_t>* out);

// Comparison and arithmetic as TraceQL defines them; nil never compares true.
bool compare(const Value& a, Op op, const Value& b, const RE2* regex);
Value arithmetic(const Value& a, Op op, const Value& b);
bool truthy(const Value& v);
// The operator that gives the same answer with the operands swapped (`1 < x` is `x > 1`).
inline Op mirror(Op op) {
  switch (op) {
    case Op::kGreater: return Op::kLess;
    case Op::kGreaterEqual: return Op::kLessEqual;
    case Op::kLess: return Op::kGreater;
    case Op::kLessEqual: return Op::kGreaterEqual;
    default: return op;
  }
}

// `a op b` for a comparison operator (false for any other).
template <typename T>
bool ordered(T a, Op op, T b) {
  switch (op) {
    case Op::kEqual: return a == b;
    case Op::kNotEqual: return a != b;
    case Op::kGreater: return a > b;
    case Op::kGreaterEqual: return a >= b;
    case Op::kLess: return a < b;
    case Op::kLessEqual: return a <= b;
    default: return false;
  }
}

// Whether an expression reads event- or link-level values.
bool reads_events(const FieldExpr& e);
bool reads_links(const FieldExpr& e);

}  // namespace tempo::traceql
