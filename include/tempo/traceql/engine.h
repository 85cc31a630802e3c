#pragma once
// Runs a parsed TraceQL query over SpanTables (columnar row groups of whole traces).
//
// A CompiledQuery is built once per request and is then read-only, so the jobs of one search
// (blocks, WAL, live data) can evaluate it concurrently. For each row group it:
//   1. answers may_match() from the group's statistics, so storage skips groups that cannot
//      hold a match without reading their columns;
//   2. evaluates every spanset filter as a column scan over all spans of the group at once
//      (one byte per span), since conditions are where the time goes;
//   3. walks the pipeline per trace: spanset operators, structural relations (via parent rows
//      and nested sets), aggregates, by(), coalesce(), select().

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/columnar/fetch.h"
#include "tempo/columnar/span_table.h"
#include "tempo/traceql/ast.h"
#include "tempo/util/status.h"

namespace tempo::traceql {

// A run-time value read from a span (or a literal), as TraceQL compares it.
struct Value {
  enum class Type : uint8_t { kNil, kInt, kFloat, kString, kBool, kDuration, kStatus, kKind, kArray };
  Type type = Type::kNil;
  int64_t i = 0;       // kInt, kDuration (ns), kStatus (StatusValue), kKind (KindValue), kBool
  double f = 0;        // kFloat
  std::string_view s;  // kString; kArray: a serialized OTLP AnyValue holding the array
  std::string owned;   // backing store when `s` is computed (hex IDs)

  bool is_nil() const { return type == Type::kNil; }
  bool is_numeric() const { return type == Type::kInt || type == Type::kFloat || type == Type::kDuration; }
  double as_double() const { return type == Type::kFloat ? f : static_cast<double>(i); }
  Value() = default;
  Value(const Value& o) { *this = o; }
  Value& operator=(const Value& o);
};

// One spanset of a matching trace.
struct SpansetOut {
  std::vector<uint32_t> spans;  // span rows of the table, ascending
  std::optional<double> scalar;  // value of the last aggregate a scalar filter compared
  std::string scalar_name;       // e.g. "count()", "avg(duration)"
  // by() groups: label (e.g. "by(resource.service.name)") and the group's value.
  std::vector<std::pair<std::string, Value>> by;
};

struct TraceMatch {
  uint32_t trace_row = 0;
  std::vector<SpansetOut> spansets;  // never empty
};

class CompiledQuery {
 public:
  // Takes a validated tree (parse() output).
  static Status compile(RootExpr root, std::unique_ptr<CompiledQuery>* out);
  ~CompiledQuery();

  const RootExpr& root() const;
  // The columns evaluation needs (what storage must load).
  const columnar::ColumnSet& columns() const;
  // False only when no trace of a group with these statistics can match.
  bool may_match(const columnar::RowGroupStats& stats) const;
  // Appends every matching trace of `table` whose time range overlaps [start_ns, end_ns]
  // (0 = unbounded), in row order.
  void evaluate(const columnar::SpanTable& table, uint64_t start_ns, uint64_t end_ns,
                std::vector<TraceMatch>* out) const {
    evaluate(columnar::RowGroup{table}, start_ns, end_ns, out);
  }
  // The same over a scan's row group: trace rows the group marks skipped are ignored.
  void evaluate(const columnar::RowGroup& group, uint64_t start_ns, uint64_t end_ns,
                std::vector<TraceMatch>* out) const;
  // Attributes a result span carries: those the filters read, then select()'s, each once.
  const std::vector<Attribute>& result_attributes() const;

  struct Impl;

 private:
  explicit CompiledQuery(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Reads one attribute's values span by span (the first event/link for those scopes): for
// rendering results and listing tag values. Resolving the attribute costs one pass over its
// column, so bind once per table and read many.
class AttributeReader {
 public:
  explicit AttributeReader(Attribute attr);
  AttributeReader(AttributeReader&&) noexcept;
  AttributeReader& operator=(AttributeReader&&) noexcept;
  ~AttributeReader();
  void bind(const columnar::SpanTable& table);
  // The value on span row `span` of the bound table; strings point into the table.
  Value read(uint32_t span) const;

 private:
  struct State;
  std::unique_ptr<State> s_;  // on the heap: the resolved lookups point at its attribute
};

// Adds the columns reading `a` needs to `out` (keys may repeat; storage tolerates that).
void add_attribute_columns(const Attribute& a, columnar::ColumnSet* out);

// Tempo's rendering of a value in tag-value lists and by() labels.
std::string value_type_name(const Value& v);  // "string", "int", "float", "bool", "duration", …
std::string value_to_string(const Value& v);

}  // namespace tempo::traceql
