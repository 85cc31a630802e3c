// Constructors, names, type inference, canonical text and deep copies of AST nodes.

#include "tempo/traceql/ast.h"

#include <charconv>
#include <cstdio>
#include <limits>

namespace tempo::traceql {

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

std::string_view intrinsic_name(Intrinsic i) {
  switch (i) {
    case Intrinsic::kNone:
      return "none";
    case Intrinsic::kName:
      return "name";
    case Intrinsic::kStatus:
      return "status";
    case Intrinsic::kStatusMessage:
      return "statusMessage";
    case Intrinsic::kDuration:
      return "duration";
    case Intrinsic::kKind:
      return "kind";
    case Intrinsic::kSpanId:
      return "span:id";
    case Intrinsic::kParentId:
      return "span:parentID";
    case Intrinsic::kChildCount:
      return "span:childCount";
    case Intrinsic::kTraceId:
      return "trace:id";
    case Intrinsic::kTraceRootName:
      return "rootName";
    case Intrinsic::kTraceRootService:
      return "rootServiceName";
    case Intrinsic::kTraceDuration:
      return "traceDuration";
    case Intrinsic::kEventName:
      return "event:name";
    case Intrinsic::kEventTimeSinceStart:
      return "event:timeSinceStart";
    case Intrinsic::kLinkTraceId:
      return "link:traceID";
    case Intrinsic::kLinkSpanId:
      return "link:spanID";
    case Intrinsic::kInstrumentationName:
      return "instrumentation:name";
    case Intrinsic::kInstrumentationVersion:
      return "instrumentation:version";
    case Intrinsic::kParent:
      return "parent";
    case Intrinsic::kNestedSetLeft:
      return "nestedSetLeft";
    case Intrinsic::kNestedSetRight:
      return "nestedSetRight";
    case Intrinsic::kNestedSetParent:
      return "nestedSetParent";
  }
  return "?";
}

std::string_view scope_name(AttributeScope s) {
  switch (s) {
    case AttributeScope::kSpan:
      return "span";
    case AttributeScope::kResource:
      return "resource";
    case AttributeScope::kEvent:
      return "event";
    case AttributeScope::kLink:
      return "link";
    case AttributeScope::kInstrumentation:
      return "instrumentation";
    case AttributeScope::kNone:
    case AttributeScope::kIntrinsic:
      return "";
  }
  return "";
}

std::string_view op_symbol(Op op) {
  switch (op) {
    case Op::kNone:
      return "?";
    case Op::kAdd:
      return "+";
    case Op::kSub:
    case Op::kNeg:
      return "-";
    case Op::kMult:
      return "*";
    case Op::kDiv:
      return "/";
    case Op::kMod:
      return "%";
    case Op::kPower:
      return "^";
    case Op::kEqual:
      return "=";
    case Op::kNotEqual:
      return "!=";
    case Op::kRegex:
      return "=~";
    case Op::kNotRegex:
      return "!~";
    case Op::kGreater:
      return ">";
    case Op::kGreaterEqual:
      return ">=";
    case Op::kLess:
      return "<";
    case Op::kLessEqual:
      return "<=";
    case Op::kAnd:
      return "&&";
    case Op::kOr:
      return "||";
    case Op::kNot:
      return "!";
    case Op::kExists:
      return "!= nil";
    case Op::kNotExists:
      return "= nil";
  }
  return "?";
}

bool is_boolean_op(Op op) {
  switch (op) {
    case Op::kEqual:
    case Op::kNotEqual:
    case Op::kRegex:
    case Op::kNotRegex:
    case Op::kGreater:
    case Op::kGreaterEqual:
    case Op::kLess:
    case Op::kLessEqual:
    case Op::kAnd:
    case Op::kOr:
    case Op::kNot:
    case Op::kExists:
    case Op::kNotExists:
      return true;
    default:
      return false;
  }
}

std::string_view spanset_op_symbol(SpansetOp op) {
  switch (op) {
    case SpansetOp::kAnd:
      return "&&";
    case SpansetOp::kOr:
      return "||";
    case SpansetOp::kChild:
      return ">";
    case SpansetOp::kParent:
      return "<";
    case SpansetOp::kDescendant:
      return ">>";
    case SpansetOp::kAncestor:
      return "<<";
    case SpansetOp::kSibling:
      return "~";
    case SpansetOp::kNotChild:
      return "!>";
    case SpansetOp::kNotParent:
      return "!<";
    case SpansetOp::kNotDescendant:
      return "!>>";
    case SpansetOp::kNotAncestor:
      return "!<<";
    case SpansetOp::kNotSibling:
      return "!~";
    case SpansetOp::kUnionChild:
      return "&>";
    case SpansetOp::kUnionParent:
      return "&<";
    case SpansetOp::kUnionDescendant:
      return "&>>";
    case SpansetOp::kUnionAncestor:
      return "&<<";
    case SpansetOp::kUnionSibling:
      return "&~";
  }
  return "?";
}

std::string_view aggregate_name(Aggregate::Kind k) {
  switch (k) {
    case Aggregate::Kind::kCount:
      return "count";
    case Aggregate::Kind::kAvg:
      return "avg";
    case Aggregate::Kind::kMin:
      return "min";
    case Aggregate::Kind::kMax:
      return "max";
    case Aggregate::Kind::kSum:
      return "sum";
  }
  return "?";
}

std::string_view metrics_aggregate_name(MetricsAggregate::Kind k) {
  switch (k) {
    case MetricsAggregate::Kind::kRate:
      return "rate";
    case MetricsAggregate::Kind::kCountOverTime:
      return "count_over_time";
    case MetricsAggregate::Kind::kMinOverTime:
      return "min_over_time";
    case MetricsAggregate::Kind::kMaxOverTime:
      return "max_over_time";
    case MetricsAggregate::Kind::kAvgOverTime:
      return "avg_over_time";
    case MetricsAggregate::Kind::kSumOverTime:
      return "sum_over_time";
    case MetricsAggregate::Kind::kQuantileOverTime:
      return "quantile_over_time";
    case MetricsAggregate::Kind::kHistogramOverTime:
      return "histogram_over_time";
    case MetricsAggregate::Kind::kCompare:
      return "compare";
  }
  return "?";
}

std::string to_string(StaticType t) {
  switch (t) {
    case StaticType::kNil:
      return "nil";
    case StaticType::kInt:
      return "int";
    case StaticType::kFloat:
      return "float";
    case StaticType::kString:
      return "string";
    case StaticType::kBool:
      return "bool";
    case StaticType::kDuration:
      return "duration";
    case StaticType::kStatus:
      return "status";
    case StaticType::kKind:
      return "kind";
    case StaticType::kIntArray:
      return "int array";
    case StaticType::kFloatArray:
      return "float array";
    case StaticType::kStringArray:
      return "string array";
    case StaticType::kBoolArray:
      return "bool array";
    case StaticType::kAttribute:
      return "attribute";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------------------------

Attribute Attribute::of_intrinsic(Intrinsic i) {
  Attribute a;
  a.scope = AttributeScope::kIntrinsic;
  a.intrinsic = i;
  a.name = std::string(intrinsic_name(i));
  return a;
}

Attribute Attribute::scoped(AttributeScope scope, std::string name, bool parent) {
  Attribute a;
  a.scope = scope;
  a.name = std::move(name);
  a.parent = parent;
  return a;
}

Static Static::integer(int64_t v) {
  Static s;
  s.type = StaticType::kInt;
  s.i = v;
  return s;
}
Static Static::floating(double v) {
  Static s;
  s.type = StaticType::kFloat;
  s.f = v;
  return s;
}
Static Static::string(std::string v) {
  Static s;
  s.type = StaticType::kString;
  s.s = std::move(v);
  return s;
}
Static Static::boolean(bool v) {
  Static s;
  s.type = StaticType::kBool;
  s.b = v;
  return s;
}
Static Static::duration_ns(int64_t ns) {
  Static s;
  s.type = StaticType::kDuration;
  s.i = ns;
  return s;
}
Static Static::status(StatusValue v) {
  Static s;
  s.type = StaticType::kStatus;
  s.i = static_cast<int64_t>(v);
  return s;
}
Static Static::kind(KindValue v) {
  Static s;
  s.type = StaticType::kKind;
  s.i = static_cast<int64_t>(v);
  return s;
}

bool Static::is_numeric() const {
  return type == StaticType::kInt || type == StaticType::kFloat || type == StaticType::kDuration;
}

FieldExpr make_binary(Op op, FieldExpr lhs, FieldExpr rhs) {
  BinaryOp b;
  b.op = op;
  b.lhs = std::make_unique<FieldExpr>(std::move(lhs));
  b.rhs = std::make_unique<FieldExpr>(std::move(rhs));
  return FieldExpr(std::move(b));
}

FieldExpr make_unary(Op op, FieldExpr expr) {
  UnaryOp u;
  u.op = op;
  u.expr = std::make_unique<FieldExpr>(std::move(expr));
  return FieldExpr(std::move(u));
}

ScalarExpr::ScalarExpr(Pipeline p) : node(std::move(p)) {}

const Static* Hints::find(std::string_view key) const {
  const Static* found = nullptr;
  for (const auto& [k, v] : entries) {
    if (k == key) found = &v;
  }
  return found;
}

std::string anchored_regex(std::string_view pattern) {
  std::string out = "^(?s:";
  out.append(pattern);
  out += ")$";
  return out;
}

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

namespace {

StaticType intrinsic_type(Intrinsic i) {
  switch (i) {
    case Intrinsic::kDuration:
    case Intrinsic::kTraceDuration:
    case Intrinsic::kEventTimeSinceStart:
      return StaticType::kDuration;
    case Intrinsic::kChildCount:
    case Intrinsic::kNestedSetLeft:
    case Intrinsic::kNestedSetRight:
    case Intrinsic::kNestedSetParent:
      return StaticType::kInt;
    case Intrinsic::kName:
    case Intrinsic::kStatusMessage:
    case Intrinsic::kEventName:
    case Intrinsic::kLinkTraceId:
    case Intrinsic::kLinkSpanId:
    case Intrinsic::kTraceRootService:
    case Intrinsic::kTraceRootName:
    case Intrinsic::kTraceId:
    case Intrinsic::kSpanId:
    case Intrinsic::kParentId:
      return StaticType::kString;
    case Intrinsic::kStatus:
      return StaticType::kStatus;
    case Intrinsic::kKind:
      return StaticType::kKind;
    case Intrinsic::kParent:
      return StaticType::kNil;  // as Tempo: `parent` is a placeholder without a value type
    case Intrinsic::kInstrumentationName:
    case Intrinsic::kInstrumentationVersion:
    case Intrinsic::kNone:
      // Tempo leaves instrumentation:* typed by the stored value.
      return StaticType::kAttribute;
  }
  return StaticType::kAttribute;
}

}  // namespace

StaticType implied_type(const FieldExpr& e) {
  if (const auto* s = e.as_static()) return s->type;
  if (const auto* a = e.as_attribute()) return intrinsic_type(a->intrinsic);
  if (const auto* b = e.as_binary()) {
    if (is_boolean_op(b->op)) return StaticType::kBool;
    StaticType t = implied_type(*b->lhs);
    return t != StaticType::kAttribute ? t : implied_type(*b->rhs);
  }
  const auto& u = std::get<UnaryOp>(e.node);
  if (u.op == Op::kExists || u.op == Op::kNotExists) return StaticType::kBool;
  return implied_type(*u.expr);
}

bool references_span(const FieldExpr& e) {
  if (e.as_static()) return false;
  if (e.as_attribute()) return true;
  if (const auto* b = e.as_binary()) return references_span(*b->lhs) || references_span(*b->rhs);
  return references_span(*std::get<UnaryOp>(e.node).expr);
}

StaticType implied_type(const ScalarExpr& e) {
  if (const auto* a = std::get_if<Aggregate>(&e.node)) {
    if (a->kind == Aggregate::Kind::kCount || !a->expr) return StaticType::kInt;
    return implied_type(*a->expr);
  }
  if (const auto* s = std::get_if<Static>(&e.node)) return s->type;
  if (const auto* o = std::get_if<ScalarOp>(&e.node)) {
    StaticType t = implied_type(*o->lhs);
    return t != StaticType::kAttribute ? t : implied_type(*o->rhs);
  }
  const auto& p = std::get<Pipeline>(e.node);
  if (!p.elements.empty()) {
    if (const auto* a = std::get_if<Aggregate>(&p.elements.back().node)) {
      if (a->kind == Aggregate::Kind::kCount || !a->expr) return StaticType::kInt;
      return implied_type(*a->expr);
    }
  }
  return StaticType::kAttribute;
}

// ---------------------------------------------------------------------------------------------
// Canonical text
// ---------------------------------------------------------------------------------------------

namespace {

bool is_attribute_char(unsigned char c) {
  switch (c) {
    case ' ':
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case '{':
    case '}':
    case '(':
    case ')':
    case '=':
    case '~':
    case '!':
    case '<':
    case '>':
    case '&':
    case '|':
    case '^':
    case ',':
    case '"':
    case '\\':
      return false;
    default:
      return c >= 0x20;
  }
}

std::string quote_go(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string format_float(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, res.ptr);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // keep it distinct from an int
  return s;
}

std::string format_number(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

// Go's time.Duration.String(): "1h0m0s", "1.5s", "100ms", "1µs", "0s".
std::string format_duration(int64_t d) {
  std::string out;
  const bool neg = d < 0;
  uint64_t u = neg ? uint64_t{0} - static_cast<uint64_t>(d) : static_cast<uint64_t>(d);
  auto frac = [](uint64_t v, int prec, uint64_t* whole) {
    uint64_t pow = 1;
    for (int k = 0; k < prec; ++k) pow *= 10;
    uint64_t f = v % pow;
    *whole = v / pow;
    if (f == 0) return std::string();
    std::string digits = std::to_string(f);
    digits.insert(0, static_cast<size_t>(prec) - digits.size(), '0');
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    return "." + digits;
  };
  if (u < 1000000000ull) {
    if (u == 0) return "0s";
    int prec;
    std::string unit;
    if (u < 1000) {
      prec = 0;
      unit = "ns";
    } else if (u < 1000000) {
      prec = 3;
      unit = "\xC2\xB5s";
    } else {
      prec = 6;
      unit = "ms";
    }
    uint64_t whole;
    std::string f = frac(u, prec, &whole);
    out = std::to_string(whole) + f + unit;
  } else {
    uint64_t secs;
    std::string f = frac(u, 9, &secs);
    out = std::to_string(secs % 60) + f + "s";
    uint64_t mins = secs / 60;
    if (mins > 0) {
      out = std::to_string(mins % 60) + "m" + out;
      uint64_t hours = mins / 60;
      if (hours > 0) out = std::to_string(hours) + "h" + out;
    }
  }
  return neg ? "-" + out : out;
}

std::string attribute_name_text(std::string_view name, bool unscoped) {
  bool quote = name.empty() || (unscoped && name[0] >= '0' && name[0] <= '9');
  for (unsigned char c : name) {
    if (!is_attribute_char(c)) quote = true;
  }
  if (!quote) return std::string(name);
  return quote_go(name);
}

bool is_leaf(const FieldExpr& e) { return e.as_static() || e.as_attribute(); }

std::string wrap(const FieldExpr& e) {
  return is_leaf(e) ? to_string(e) : "(" + to_string(e) + ")";
}

std::string wrap(const ScalarExpr& e) {
  if (std::holds_alternative<ScalarOp>(e.node)) return "(" + to_string(e) + ")";
  return to_string(e);
}

std::string spanset_operand(const PipelineElement& e) {
  if (std::holds_alternative<SpansetFilter>(e.node)) return to_string(e);
  if (std::holds_alternative<Pipeline>(e.node)) return to_string(e);  // already parenthesised
  return "(" + to_string(e) + ")";
}

}  // namespace

std::string to_string(const Attribute& a) {
  if (a.scope == AttributeScope::kIntrinsic) return std::string(intrinsic_name(a.intrinsic));
  std::string out = a.parent ? "parent." : "";
  if (a.scope == AttributeScope::kNone) {
    if (!a.parent) out += ".";
  } else {
    out += scope_name(a.scope);
    out += ".";
  }
  out += attribute_name_text(a.name, a.scope == AttributeScope::kNone && !a.parent);
  return out;
}

std::string to_string(const Static& s) {
  switch (s.type) {
    case StaticType::kNil:
      return "nil";
    case StaticType::kInt:
      // The one int64 with no literal spelling; Tempo names it.
      if (s.i == std::numeric_limits<int64_t>::min()) return "minInt";
      return std::to_string(s.i);
    case StaticType::kFloat:
      return format_float(s.f);
    case StaticType::kString:
      return quote_go(s.s);
    case StaticType::kBool:
      return s.b ? "true" : "false";
    case StaticType::kDuration:
      return format_duration(s.i);
    case StaticType::kStatus:
      switch (s.status_value()) {
        case StatusValue::kError:
          return "error";
        case StatusValue::kOk:
          return "ok";
        case StatusValue::kUnset:
          return "unset";
      }
      return "status(" + std::to_string(s.i) + ")";
    case StaticType::kKind:
      switch (s.kind_value()) {
        case KindValue::kUnspecified:
          return "unspecified";
        case KindValue::kInternal:
          return "internal";
        case KindValue::kServer:
          return "server";
        case KindValue::kClient:
          return "client";
        case KindValue::kProducer:
          return "producer";
        case KindValue::kConsumer:
          return "consumer";
      }
      return "kind(" + std::to_string(s.i) + ")";
    case StaticType::kIntArray:
    case StaticType::kFloatArray:
    case StaticType::kStringArray:
    case StaticType::kBoolArray: {
      std::string out = "[";
      for (size_t k = 0; k < s.elems.size(); ++k) {
        if (k) out += ", ";
        out += to_string(s.elems[k]);
      }
      return out + "]";
    }
    case StaticType::kAttribute:
      break;
  }
  return "?";
}

std::string to_string(const FieldExpr& e) {
  if (const auto* s = e.as_static()) return to_string(*s);
  if (const auto* a = e.as_attribute()) return to_string(*a);
  if (const auto* b = e.as_binary()) {
    return wrap(*b->lhs) + " " + std::string(op_symbol(b->op)) + " " + wrap(*b->rhs);
  }
  const auto& u = std::get<UnaryOp>(e.node);
  switch (u.op) {
    case Op::kExists:
      return wrap(*u.expr) + " != nil";
    case Op::kNotExists:
      return wrap(*u.expr) + " = nil";
    default:
      return std::string(op_symbol(u.op)) + wrap(*u.expr);
  }
}

std::string to_string(const SpansetFilter& f) { return "{ " + to_string(f.expr) + " }"; }

std::string to_string(const Aggregate& a) {
  std::string out(aggregate_name(a.kind));
  out += "(";
  if (a.expr) out += to_string(*a.expr);
  return out + ")";
}

std::string to_string(const ScalarExpr& e) {
  if (const auto* a = std::get_if<Aggregate>(&e.node)) return to_string(*a);
  if (const auto* s = std::get_if<Static>(&e.node)) return to_string(*s);
  if (const auto* o = std::get_if<ScalarOp>(&e.node)) {
    return wrap(*o->lhs) + " " + std::string(op_symbol(o->op)) + " " + wrap(*o->rhs);
  }
  return "(" + to_string(std::get<Pipeline>(e.node)) + ")";
}

std::string to_string(const ScalarFilter& f) {
  return wrap(f.lhs) + " " + std::string(op_symbol(f.op)) + " " + wrap(f.rhs);
}

std::string to_string(const GroupBy& g) { return "by(" + to_string(g.expr) + ")"; }

std::string to_string(const Select& s) {
  std::string out = "select(";
  for (size_t k = 0; k < s.attrs.size(); ++k) {
    if (k) out += ", ";
    out += to_string(s.attrs[k]);
  }
  return out + ")";
}

std::string to_string(const SpansetOperation& o) {
  return spanset_operand(*o.lhs) + " " + std::string(spanset_op_symbol(o.op)) + " " +
         spanset_operand(*o.rhs);
}

std::string to_string(const Pipeline& p) {
  std::string out;
  for (size_t k = 0; k < p.elements.size(); ++k) {
    if (k) out += " | ";
    out += to_string(p.elements[k]);
  }
  return out;
}

std::string to_string(const PipelineElement& e) {
  return std::visit(
      [](const auto& n) -> std::string {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, Coalesce>) {
          return "coalesce()";
        } else if constexpr (std::is_same_v<T, Pipeline>) {
          return "(" + to_string(n) + ")";
        } else {
          return to_string(n);
        }
      },
      e.node);
}

std::string to_string(const MetricsPipeline& m) {
  const MetricsAggregate& a = m.aggregate;
  std::string out(metrics_aggregate_name(a.kind));
  out += "(";
  if (a.kind == MetricsAggregate::Kind::kCompare) {
    if (a.compare_selection) out += to_string(*a.compare_selection);
    out += ", " + std::to_string(a.compare_top_n) + ", " + std::to_string(a.compare_start) + ", " +
           std::to_string(a.compare_end);
  } else {
    if (a.attr) out += to_string(*a.attr);
    for (double q : a.quantiles) out += ", " + format_number(q);
  }
  out += ")";
  if (!a.by.empty()) {
    out += " by (";
    for (size_t k = 0; k < a.by.size(); ++k) {
      if (k) out += ", ";
      out += to_string(a.by[k]);
    }
    out += ")";
  }
  for (const MetricsSecondStage& s : m.second_stage) {
    switch (s.kind) {
      case MetricsSecondStage::Kind::kTopK:
        out += " | topk(" + std::to_string(s.limit) + ")";
        break;
      case MetricsSecondStage::Kind::kBottomK:
        out += " | bottomk(" + std::to_string(s.limit) + ")";
        break;
      case MetricsSecondStage::Kind::kFilter:
        out += " " + std::string(op_symbol(s.op)) + " " + format_number(s.value);
        break;
    }
  }
  return out;
}

std::string to_string(const Hints& h) {
  std::string out = "with(";
  for (size_t k = 0; k < h.entries.size(); ++k) {
    if (k) out += ", ";
    out += h.entries[k].first + "=" + to_string(h.entries[k].second);
  }
  return out + ")";
}

std::string to_string(const RootExpr& r) {
  std::string out = to_string(r.pipeline);
  if (r.metrics) out += " | " + to_string(*r.metrics);
  if (!r.hints.entries.empty()) out += " " + to_string(r.hints);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Deep copies
// ---------------------------------------------------------------------------------------------

FieldExpr clone(const FieldExpr& e) {
  if (const auto* s = e.as_static()) return FieldExpr(*s);
  if (const auto* a = e.as_attribute()) return FieldExpr(*a);
  if (const auto* b = e.as_binary()) return make_binary(b->op, clone(*b->lhs), clone(*b->rhs));
  const auto& u = std::get<UnaryOp>(e.node);
  return make_unary(u.op, clone(*u.expr));
}

namespace {

Aggregate clone_aggregate(const Aggregate& a) {
  Aggregate out;
  out.kind = a.kind;
  if (a.expr) out.expr = clone(*a.expr);
  return out;
}

}  // namespace

ScalarExpr clone(const ScalarExpr& e) {
  if (const auto* a = std::get_if<Aggregate>(&e.node)) return ScalarExpr(clone_aggregate(*a));
  if (const auto* s = std::get_if<Static>(&e.node)) return ScalarExpr(*s);
  if (const auto* o = std::get_if<ScalarOp>(&e.node)) {
    ScalarOp out;
    out.op = o->op;
    out.lhs = std::make_unique<ScalarExpr>(clone(*o->lhs));
    out.rhs = std::make_unique<ScalarExpr>(clone(*o->rhs));
    return ScalarExpr(std::move(out));
  }
  return ScalarExpr(clone(std::get<Pipeline>(e.node)));
}

Pipeline clone(const Pipeline& p) {
  Pipeline out;
  out.elements.reserve(p.elements.size());
  for (const auto& e : p.elements) out.elements.push_back(clone(e));
  return out;
}

PipelineElement clone(const PipelineElement& e) {
  return std::visit(
      [](const auto& n) -> PipelineElement {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, SpansetFilter>) {
          return SpansetFilter{clone(n.expr)};
        } else if constexpr (std::is_same_v<T, SpansetOperation>) {
          SpansetOperation out;
          out.op = n.op;
          out.lhs = std::make_unique<PipelineElement>(clone(*n.lhs));
          out.rhs = std::make_unique<PipelineElement>(clone(*n.rhs));
          return out;
        } else if constexpr (std::is_same_v<T, ScalarFilter>) {
          return ScalarFilter{n.op, clone(n.lhs), clone(n.rhs)};
        } else if constexpr (std::is_same_v<T, GroupBy>) {
          return GroupBy{clone(n.expr)};
        } else if constexpr (std::is_same_v<T, Coalesce>) {
          return Coalesce{};
        } else if constexpr (std::is_same_v<T, Select>) {
          return n;
        } else if constexpr (std::is_same_v<T, Pipeline>) {
          return clone(n);
        } else {
          return clone_aggregate(n);
        }
      },
      e.node);
}

RootExpr clone(const RootExpr& r) {
  RootExpr out;
  out.pipeline = clone(r.pipeline);
  out.hints = r.hints;
  if (r.metrics) {
    MetricsPipeline m;
    const MetricsAggregate& a = r.metrics->aggregate;
    m.aggregate.kind = a.kind;
    m.aggregate.attr = a.attr;
    m.aggregate.quantiles = a.quantiles;
    m.aggregate.by = a.by;
    if (a.compare_selection)
      m.aggregate.compare_selection = SpansetFilter{clone(a.compare_selection->expr)};
    m.aggregate.compare_top_n = a.compare_top_n;
    m.aggregate.compare_start = a.compare_start;
    m.aggregate.compare_end = a.compare_end;
    m.second_stage = r.metrics->second_stage;
    out.metrics = std::move(m);
  }
  return out;
}

}  // namespace tempo::traceql
