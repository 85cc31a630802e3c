#pragma once
// The TraceQL syntax tree: plain data produced by the parser (parser.h) and walked by the
// evaluation engine. Names follow Grafana Tempo's pkg/traceql (v3.0.x) so that a reader of
// either code base finds the same concept under the same name.
//
// Ownership: every node owns its children (std::unique_ptr or by value); trees are move-only,
// use clone() for a deep copy. A tree produced by parse() is at most kMaxDepth (parser.h) levels
// deep, so recursive walks over it are safe.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tempo::traceql {

// ---------------------------------------------------------------------------------------------
// Attributes
// ---------------------------------------------------------------------------------------------

enum class AttributeScope {
  kNone,  // unscoped `.x`: span attribute first, then resource attribute
  kSpan,
  kResource,
  kEvent,
  kLink,
  kInstrumentation,
  kIntrinsic,  // every intrinsic (`name`, `span:id`, `trace:id`, `event:name`, ...)
};

enum class Intrinsic {
  kNone,
  kName,                    // name, span:name
  kStatus,                  // status, span:status
  kStatusMessage,           // statusMessage, span:statusMessage
  kDuration,                // duration, span:duration
  kKind,                    // kind, span:kind
  kSpanId,                  // span:id
  kParentId,                // span:parentID
  kChildCount,              // span:childCount
  kTraceId,                 // trace:id
  kTraceRootName,           // rootName, trace:rootName
  kTraceRootService,        // rootServiceName, trace:rootService
  kTraceDuration,           // traceDuration, trace:duration
  kEventName,               // event:name
  kEventTimeSinceStart,     // event:timeSinceStart
  kLinkTraceId,             // link:traceID
  kLinkSpanId,              // link:spanID
  kInstrumentationName,     // instrumentation:name
  kInstrumentationVersion,  // instrumentation:version
  // Lexed by Tempo but not (yet) evaluable there: validate() rejects `parent` as unsupported.
  kParent,
  // Undocumented nested-set columns Tempo accepts (ints); the engine may answer them or not.
  kNestedSetLeft,
  kNestedSetRight,
  kNestedSetParent,
};

struct Attribute {
  AttributeScope scope = AttributeScope::kNone;
  Intrinsic intrinsic = Intrinsic::kNone;
  // Attribute name without its scope prefix (`span.http.method` -> "http.method"); for an
  // intrinsic its canonical spelling (intrinsic_name()).
  std::string name;
  // `parent.x`, `parent.span.x`, `parent.resource.x`. Parsed, rejected by validate() as
  // unsupported, as Tempo does.
  bool parent = false;

  bool operator==(const Attribute&) const = default;

  static Attribute of_intrinsic(Intrinsic i);
  static Attribute scoped(AttributeScope scope, std::string name, bool parent = false);
};

// Canonical spelling of an intrinsic: "name", "status", "span:id", "rootServiceName", ...
std::string_view intrinsic_name(Intrinsic i);
// Prefix of a scope as written in a query: "span", "resource", ... ("" for kNone/kIntrinsic).
std::string_view scope_name(AttributeScope s);

// ---------------------------------------------------------------------------------------------
// Static values
// ---------------------------------------------------------------------------------------------

enum class StaticType {
  kNil,
  kInt,
  kFloat,
  kString,
  kBool,
  kDuration,
  kStatus,
  kKind,
  kIntArray,    // array types exist for the engine (array-valued attributes); TraceQL has no
  kFloatArray,  // array literals, so the parser never produces them.
  kStringArray,
  kBoolArray,
  // Only a result of implied_type(): the type is decided per span by an attribute's value.
  // Never the type of a Static.
  kAttribute,
};

enum class StatusValue { kError, kOk, kUnset };
enum class KindValue { kUnspecified, kInternal, kServer, kClient, kProducer, kConsumer };

struct Static {
  StaticType type = StaticType::kNil;
  int64_t i = 0;              // kInt; kDuration in nanoseconds; kStatus/kKind: the enum's value
  double f = 0;               // kFloat
  bool b = false;             // kBool
  std::string s;              // kString (unescaped)
  std::vector<Static> elems;  // array types

  bool operator==(const Static&) const = default;

  static Static nil() { return Static{}; }
  static Static integer(int64_t v);
  static Static floating(double v);
  static Static string(std::string v);
  static Static boolean(bool v);
  static Static duration_ns(int64_t ns);
  static Static status(StatusValue v);
  static Static kind(KindValue v);

  StatusValue status_value() const { return static_cast<StatusValue>(i); }
  KindValue kind_value() const { return static_cast<KindValue>(i); }
  bool is_numeric() const;  // int, float or duration
};

// ---------------------------------------------------------------------------------------------
// Operators
// ---------------------------------------------------------------------------------------------

enum class Op {
  kNone,
  kAdd,
  kSub,  // binary minus
  kMult,
  kDiv,
  kMod,
  kPower,
  kEqual,
  kNotEqual,
  kRegex,     // =~ (fully anchored RE2, see anchored_regex())
  kNotRegex,  // !~
  kGreater,
  kGreaterEqual,
  kLess,
  kLessEqual,
  kAnd,
  kOr,
  kNot,  // unary !
  kNeg,  // unary -
  // `x != nil` / `x = nil` are unary tests of presence, as in Tempo (OpExists/OpNotExists).
  // `nil = nil` and `nil != nil` fold to Static false.
  kExists,
  kNotExists,
};

std::string_view op_symbol(Op op);  // "+", "=~", "!", "!= nil", ...
bool is_boolean_op(Op op);          // comparisons, &&, ||, !, exists

// ---------------------------------------------------------------------------------------------
// Field expressions (inside `{ ... }`, by(), aggregates)
// ---------------------------------------------------------------------------------------------

struct FieldExpr;

struct BinaryOp {
  Op op = Op::kNone;
  std::unique_ptr<FieldExpr> lhs;
  std::unique_ptr<FieldExpr> rhs;
};

struct UnaryOp {
  Op op = Op::kNone;  // kNot, kNeg, kExists, kNotExists
  std::unique_ptr<FieldExpr> expr;
};

struct FieldExpr {
  std::variant<Static, Attribute, BinaryOp, UnaryOp> node;

  FieldExpr() = default;
  FieldExpr(Static s) : node(std::move(s)) {}
  FieldExpr(Attribute a) : node(std::move(a)) {}
  FieldExpr(BinaryOp b) : node(std::move(b)) {}
  FieldExpr(UnaryOp u) : node(std::move(u)) {}

  const Static* as_static() const { return std::get_if<Static>(&node); }
  const Attribute* as_attribute() const { return std::get_if<Attribute>(&node); }
  const BinaryOp* as_binary() const { return std::get_if<BinaryOp>(&node); }
  const UnaryOp* as_unary() const { return std::get_if<UnaryOp>(&node); }
};

FieldExpr make_binary(Op op, FieldExpr lhs, FieldExpr rhs);
FieldExpr make_unary(Op op, FieldExpr expr);

// Tempo's impliedType(): the static type an expression yields; kAttribute when it depends on
// an attribute's run-time value.
StaticType implied_type(const FieldExpr& e);
// True when the expression reads anything from the span (any attribute or intrinsic).
bool references_span(const FieldExpr& e);

// ---------------------------------------------------------------------------------------------
// Pipelines
// ---------------------------------------------------------------------------------------------

struct PipelineElement;

// Stages separated by `|`, evaluated left to right over spansets.
struct Pipeline {
  std::vector<PipelineElement> elements;
};

struct SpansetFilter {
  FieldExpr expr;  // `{}` is Static true
};

enum class SpansetOp {
  kAnd,              // &&
  kOr,               // ||
  kChild,            // >
  kParent,           // <
  kDescendant,       // >>
  kAncestor,         // <<
  kSibling,          // ~
  kNotChild,         // !>
  kNotParent,        // !<
  kNotDescendant,    // !>>
  kNotAncestor,      // !<<
  kNotSibling,       // !~
  kUnionChild,       // &>
  kUnionParent,      // &<
  kUnionDescendant,  // &>>
  kUnionAncestor,    // &<<
  kUnionSibling,     // &~
};

std::string_view spanset_op_symbol(SpansetOp op);

struct Aggregate {
  enum class Kind { kCount, kAvg, kMin, kMax, kSum };
  Kind kind = Kind::kCount;
  std::optional<FieldExpr> expr;  // absent for count()
};

std::string_view aggregate_name(Aggregate::Kind k);

struct ScalarExpr;

struct ScalarOp {
  Op op = Op::kNone;  // kAdd, kSub, kMult, kDiv, kMod, kPower
  std::unique_ptr<ScalarExpr> lhs;
  std::unique_ptr<ScalarExpr> rhs;
};

// A number per spanset: an aggregate, a numeric literal, arithmetic over those, or (only at the
// root of a query, e.g. `({ .a } | count()) > 2`) a parenthesised pipeline ending in an
// aggregate.
struct ScalarExpr {
  std::variant<Aggregate, Static, ScalarOp, Pipeline> node;

  ScalarExpr() = default;
  // Defined below PipelineElement: constructing the variant instantiates Pipeline's
  // destructor, which needs PipelineElement complete (GCC defers this, clang does not).
  ScalarExpr(Aggregate a);
  ScalarExpr(Static s);
  ScalarExpr(ScalarOp o);
  ScalarExpr(Pipeline p);
};

StaticType implied_type(const ScalarExpr& e);

// `count() > 2`: keeps the spansets for which the comparison holds.
struct ScalarFilter {
  Op op = Op::kNone;  // kEqual, kNotEqual, kGreater, kGreaterEqual, kLess, kLessEqual
  ScalarExpr lhs;
  ScalarExpr rhs;
};

struct GroupBy {
  FieldExpr expr;
};

struct Coalesce {};

struct Select {
  std::vector<Attribute> attrs;
};

// Structural / logical combination of two spanset-producing operands. Each operand is a
// SpansetFilter, another SpansetOperation, or a parenthesised Pipeline.
struct SpansetOperation {
  SpansetOp op = SpansetOp::kAnd;
  std::unique_ptr<PipelineElement> lhs;
  std::unique_ptr<PipelineElement> rhs;
};

struct PipelineElement {
  // Aggregate appears only as the last stage of a Pipeline nested in a ScalarExpr
  // (`({ .a } | count()) > 1`); a top-level pipeline never ends in a bare aggregate.
  std::variant<SpansetFilter, SpansetOperation, ScalarFilter, GroupBy, Coalesce, Select, Pipeline,
               Aggregate>
      node;

  PipelineElement() = default;
  PipelineElement(SpansetFilter v) : node(std::move(v)) {}
  PipelineElement(SpansetOperation v) : node(std::move(v)) {}
  PipelineElement(ScalarFilter v) : node(std::move(v)) {}
  PipelineElement(GroupBy v) : node(std::move(v)) {}
  PipelineElement(Coalesce v) : node(v) {}
  PipelineElement(Select v) : node(std::move(v)) {}
  PipelineElement(Pipeline v) : node(std::move(v)) {}
  PipelineElement(Aggregate v) : node(std::move(v)) {}
};

inline ScalarExpr::ScalarExpr(Aggregate a) : node(std::move(a)) {}
inline ScalarExpr::ScalarExpr(Static s) : node(std::move(s)) {}
inline ScalarExpr::ScalarExpr(ScalarOp o) : node(std::move(o)) {}

// ---------------------------------------------------------------------------------------------
// TraceQL metrics (`{ } | rate() by (x) | topk(10)`). Parsed and validated here; evaluated by
// the metrics engine.
// ---------------------------------------------------------------------------------------------

struct MetricsAggregate {
  enum class Kind {
    kRate,
    kCountOverTime,
    kMinOverTime,
    kMaxOverTime,
    kAvgOverTime,
    kSumOverTime,
    kQuantileOverTime,
    kHistogramOverTime,
    kCompare,
  };
  Kind kind = Kind::kRate;
  std::optional<Attribute> attr;  // the measured attribute of *_over_time (not rate/count)
  std::vector<double> quantiles;  // quantile_over_time
  std::vector<Attribute> by;      // `by (a, b)`
  // compare({selection}, topN, start, end): start/end in Unix nanoseconds (0 = whole range).
  std::optional<SpansetFilter> compare_selection;
  int64_t compare_top_n = 10;
  int64_t compare_start = 0;
  int64_t compare_end = 0;
};

std::string_view metrics_aggregate_name(MetricsAggregate::Kind k);

struct MetricsSecondStage {
  enum class Kind { kTopK, kBottomK, kFilter };
  Kind kind = Kind::kTopK;
  int64_t limit = 0;  // topk/bottomk
  Op op = Op::kNone;  // kFilter: comparison applied to every sample
  double value = 0;   // kFilter: durations are converted to seconds, as Tempo does
};

struct MetricsPipeline {
  MetricsAggregate aggregate;
  std::vector<MetricsSecondStage> second_stage;
};

// ---------------------------------------------------------------------------------------------
// Root
// ---------------------------------------------------------------------------------------------

// `with(key=value, ...)` after the query.
struct Hints {
  std::vector<std::pair<std::string, Static>> entries;

  // Last value given for `key`, or nullptr.
  const Static* find(std::string_view key) const;
};

struct RootExpr {
  Pipeline pipeline;
  Hints hints;
  std::optional<MetricsPipeline> metrics;  // set for metrics queries
};

// ---------------------------------------------------------------------------------------------
// Canonical text. Unambiguous and stable (tests compare it): operands that are not literals or
// attributes are parenthesised, e.g. `{ (span.foo = "bar") && (duration > 1s) }`, strings are
// double-quoted with Go escapes, durations are Go-formatted (`1h0m0s`, `1.5s`).
// ---------------------------------------------------------------------------------------------

std::string to_string(const Attribute& a);
std::string to_string(const Static& s);
std::string to_string(const FieldExpr& e);
std::string to_string(const SpansetFilter& f);
std::string to_string(const Aggregate& a);
std::string to_string(const ScalarExpr& e);
std::string to_string(const ScalarFilter& f);
std::string to_string(const GroupBy& g);
std::string to_string(const Select& s);
std::string to_string(const SpansetOperation& o);
std::string to_string(const Pipeline& p);
std::string to_string(const PipelineElement& e);
std::string to_string(const MetricsPipeline& m);
std::string to_string(const Hints& h);
std::string to_string(const RootExpr& r);
std::string to_string(StaticType t);

// Deep copies.
FieldExpr clone(const FieldExpr& e);
ScalarExpr clone(const ScalarExpr& e);
PipelineElement clone(const PipelineElement& e);
Pipeline clone(const Pipeline& p);
RootExpr clone(const RootExpr& r);

// The RE2 pattern a `=~` / `!~` operand means: Tempo matches regexes against the whole value
// with `.` matching newlines (Prometheus' FastRegexMatcher), i.e. `^(?s:<pattern>)$`.
std::string anchored_regex(std::string_view pattern);

}  // namespace tempo::traceql
