// Semantic checks on a parsed query, following Tempo's ast_validate.go (v3.0.x): the same rules
// in the same order, so the same queries fail with the same reason. Messages quote the
// offending node in canonical form (ast.h to_string).

#include <re2/re2.h>

#include <string>

#include "tempo/traceql/parser.h"

namespace tempo::traceql {
namespace {

Status error(std::string msg) { return Status::invalid_argument(std::move(msg)); }
Status unsupported(std::string feature) {
  return Status::invalid_argument(std::move(feature) + " not yet supported");
}

bool is_numeric(StaticType t) {
  return t == StaticType::kInt || t == StaticType::kFloat || t == StaticType::kDuration;
}

bool matching_operand(StaticType a, StaticType b);

bool matching_array_element(StaticType a, StaticType b) {
  auto element = [](StaticType t) {
    switch (t) {
      case StaticType::kIntArray:
        return StaticType::kInt;
      case StaticType::kFloatArray:
        return StaticType::kFloat;
      case StaticType::kStringArray:
        return StaticType::kString;
      case StaticType::kBoolArray:
        return StaticType::kBool;
      default:
        return StaticType::kAttribute;  // not an array
    }
  };
  if (element(a) != StaticType::kAttribute) return matching_operand(element(a), b);
  if (element(b) != StaticType::kAttribute) return matching_operand(element(b), a);
  return false;
}

// Whether two types can meet in a binary operator at all (Tempo's isMatchingOperand).
bool matching_operand(StaticType a, StaticType b) {
  if (a == StaticType::kAttribute || b == StaticType::kAttribute) return true;
  if (a == b) return true;
  if (is_numeric(a) && is_numeric(b)) return true;
  if (a == StaticType::kNil || b == StaticType::kNil) return true;
  return matching_array_element(a, b);
}

// Whether `op` applies to a value of type `t` (Tempo's binaryTypeValid).
bool binary_type_valid(Op op, StaticType t) {
  switch (t) {
    case StaticType::kAttribute:
      return true;
    case StaticType::kBool:
    case StaticType::kBoolArray:
      return op == Op::kAnd || op == Op::kOr || op == Op::kEqual || op == Op::kNotEqual;
    case StaticType::kFloat:
    case StaticType::kFloatArray:
    case StaticType::kInt:
    case StaticType::kIntArray:
    case StaticType::kDuration:
      return op == Op::kAdd || op == Op::kSub || op == Op::kMult || op == Op::kDiv ||
             op == Op::kMod || op == Op::kPower || op == Op::kEqual || op == Op::kNotEqual ||
             op == Op::kGreater || op == Op::kGreaterEqual || op == Op::kLess ||
             op == Op::kLessEqual;
    case StaticType::kString:
    case StaticType::kStringArray:
      return op == Op::kEqual || op == Op::kNotEqual || op == Op::kRegex || op == Op::kNotRegex ||
             op == Op::kGreater || op == Op::kGreaterEqual || op == Op::kLess ||
             op == Op::kLessEqual;
    case StaticType::kNil:
    case StaticType::kStatus:
    case StaticType::kKind:
      return op == Op::kEqual || op == Op::kNotEqual;
  }
  return false;
}

bool unary_type_valid(Op op, StaticType t) {
  if (t == StaticType::kAttribute) return true;
  switch (op) {
    case Op::kNeg:
      return is_numeric(t);
    case Op::kNot:
      return t == StaticType::kBool;
    case Op::kExists:
    case Op::kNotExists:
      return true;
    default:
      return false;
  }
}

Status check_regex(const std::string& pattern, const FieldExpr& rhs) {
  RE2::Options opts;
  opts.set_log_errors(false);
  // Go's regexp accepts the same RE2 syntax; the pattern is validated alone (an unbalanced
  // `)` must not be hidden by the anchoring group) and anchored as the engine will run it.
  RE2 bare(pattern, opts);
  if (!bare.ok()) return error("invalid regex: " + to_string(rhs) + ": " + bare.error());
  RE2 anchored(anchored_regex(pattern), opts);
  if (!anchored.ok()) return error("invalid regex: " + to_string(rhs) + ": " + anchored.error());
  return Status::ok();
}

Status validate_attribute(const Attribute& a) {
  if (a.parent) return unsupported("parent");
  if (a.scope == AttributeScope::kIntrinsic && a.intrinsic == Intrinsic::kParent) {
    return unsupported("intrinsic (parent)");
  }
  return Status::ok();
}

Status validate_field(const FieldExpr& e) {
  if (e.as_static()) return Status::ok();
  if (const auto* a = e.as_attribute()) return validate_attribute(*a);
  if (const auto* b = e.as_binary()) {
    TEMPO_RETURN_IF_ERROR(validate_field(*b->lhs));
    TEMPO_RETURN_IF_ERROR(validate_field(*b->rhs));
    const StaticType lt = implied_type(*b->lhs);
    const StaticType rt = implied_type(*b->rhs);
    if (!matching_operand(lt, rt)) {
      return error("binary operations must operate on the same type: " + to_string(e));
    }
    if (!binary_type_valid(b->op, lt) || !binary_type_valid(b->op, rt)) {
      return error("illegal operation for the given types: " + to_string(e));
    }
    if (b->op == Op::kRegex || b->op == Op::kNotRegex) {
      const Static* s = b->rhs->as_static();
      if (!s || s->type != StaticType::kString) {
        return error("invalid type for =~ or !~: " + to_string(*b->rhs));
      }
      TEMPO_RETURN_IF_ERROR(check_regex(s->s, *b->rhs));
    }
    return Status::ok();
  }
  const auto& u = std::get<UnaryOp>(e.node);
  TEMPO_RETURN_IF_ERROR(validate_field(*u.expr));
  if (u.op == Op::kNotExists) {
    if (const Attribute* a = u.expr->as_attribute()) {
      if (a->scope == AttributeScope::kIntrinsic) {
        return error(to_string(*a) + "=nil is not valid because intrinsics cannot be nil");
      }
      if (*a == Attribute::scoped(AttributeScope::kResource, "service.name")) {
        return error(to_string(*a) +
                     "=nil is not valid because resource.service.name cannot be nil");
      }
    }
  }
  if (!unary_type_valid(u.op, implied_type(*u.expr))) {
    return error("illegal operation for the given type: " + to_string(e));
  }
  return Status::ok();
}

Status validate_aggregate(const Aggregate& a) {
  if (!a.expr) return Status::ok();
  TEMPO_RETURN_IF_ERROR(validate_field(*a.expr));
  const StaticType t = implied_type(*a.expr);
  if (t != StaticType::kAttribute && !is_numeric(t)) {
    return error("aggregate field expressions must resolve to a number type: " + to_string(a));
  }
  if (!references_span(*a.expr)) {
    return error("aggregate field expressions must reference the span: " + to_string(a));
  }
  return Status::ok();
}

Status validate_pipeline(const Pipeline& p);

Status validate_scalar(const ScalarExpr& e) {
  if (const auto* a = std::get_if<Aggregate>(&e.node)) return validate_aggregate(*a);
  if (std::holds_alternative<Static>(e.node)) return Status::ok();
  if (const auto* o = std::get_if<ScalarOp>(&e.node)) {
    TEMPO_RETURN_IF_ERROR(validate_scalar(*o->lhs));
    TEMPO_RETURN_IF_ERROR(validate_scalar(*o->rhs));
    const StaticType lt = implied_type(*o->lhs);
    const StaticType rt = implied_type(*o->rhs);
    if (!matching_operand(lt, rt)) {
      return error("binary operations must operate on the same type: " + to_string(e));
    }
    if (!binary_type_valid(o->op, lt) || !binary_type_valid(o->op, rt)) {
      return error("illegal operation for the given types: " + to_string(e));
    }
    return Status::ok();
  }
  return validate_pipeline(std::get<Pipeline>(e.node));
}

Status validate_scalar_filter(const ScalarFilter& f) {
  TEMPO_RETURN_IF_ERROR(validate_scalar(f.lhs));
  TEMPO_RETURN_IF_ERROR(validate_scalar(f.rhs));
  const StaticType lt = implied_type(f.lhs);
  const StaticType rt = implied_type(f.rhs);
  if (!matching_operand(lt, rt)) {
    return error("binary operations must operate on the same type: " + to_string(f));
  }
  if (!binary_type_valid(f.op, lt) || !binary_type_valid(f.op, rt)) {
    return error("illegal operation for the given types: " + to_string(f));
  }
  // Tempo evaluates only `aggregate <op> literal` so far.
  if (!std::holds_alternative<Aggregate>(f.lhs.node)) {
    return unsupported("scalar filter lhs " + to_string(f.lhs));
  }
  if (!std::holds_alternative<Static>(f.rhs.node)) {
    return unsupported("scalar filter rhs " + to_string(f.rhs));
  }
  return Status::ok();
}

Status validate_filter(const SpansetFilter& f) {
  TEMPO_RETURN_IF_ERROR(validate_field(f.expr));
  const StaticType t = implied_type(f.expr);
  if (t != StaticType::kAttribute && t != StaticType::kBool) {
    return error("span filter field expressions must resolve to a boolean: " + to_string(f));
  }
  return Status::ok();
}

Status validate_element(const PipelineElement& e) {
  return std::visit(
      [](const auto& n) -> Status {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, SpansetFilter>) {
          return validate_filter(n);
        } else if constexpr (std::is_same_v<T, SpansetOperation>) {
          TEMPO_RETURN_IF_ERROR(validate_element(*n.lhs));
          return validate_element(*n.rhs);
        } else if constexpr (std::is_same_v<T, ScalarFilter>) {
          return validate_scalar_filter(n);
        } else if constexpr (std::is_same_v<T, GroupBy>) {
          if (!references_span(n.expr)) {
            return error("grouping field expressions must reference the span: " + to_string(n));
          }
          return validate_field(n.expr);
        } else if constexpr (std::is_same_v<T, Coalesce>) {
          return Status::ok();
        } else if constexpr (std::is_same_v<T, Select>) {
          for (const Attribute& a : n.attrs) TEMPO_RETURN_IF_ERROR(validate_attribute(a));
          return Status::ok();
        } else if constexpr (std::is_same_v<T, Pipeline>) {
          return validate_pipeline(n);
        } else {
          return validate_aggregate(n);
        }
      },
      e.node);
}

Status validate_pipeline(const Pipeline& p) {
  for (const PipelineElement& e : p.elements) TEMPO_RETURN_IF_ERROR(validate_element(e));
  return Status::ok();
}

// Tempo's limit on metrics group-bys (engine_metrics.go maxGroupBys).
constexpr size_t kMaxGroupBys = 5;

Status validate_metrics(const MetricsPipeline& m) {
  const MetricsAggregate& a = m.aggregate;
  using K = MetricsAggregate::Kind;
  if (a.attr) TEMPO_RETURN_IF_ERROR(validate_attribute(*a.attr));
  for (const Attribute& b : a.by) TEMPO_RETURN_IF_ERROR(validate_attribute(b));
  switch (a.kind) {
    case K::kHistogramOverTime:
    case K::kAvgOverTime:
      // One label is reserved for the bucket / the count series.
      if (a.by.size() >= kMaxGroupBys) {
        return unsupported("metrics group by " + std::to_string(a.by.size()) + " values");
      }
      break;
    case K::kQuantileOverTime:
      if (a.by.size() >= kMaxGroupBys) {
        return unsupported("metrics group by " + std::to_string(a.by.size()) + " values");
      }
      for (double q : a.quantiles) {
        if (q < 0 || q > 1) {
          return error("quantile must be between 0 and 1: " + std::to_string(q));
        }
      }
      break;
    case K::kCompare:
      if (a.compare_selection) TEMPO_RETURN_IF_ERROR(validate_filter(*a.compare_selection));
      if (a.compare_top_n <= 0) {
        return error("compare() top number of values must be integer greater than 0");
      }
      if (a.compare_start != 0 || a.compare_end != 0) {
        if (a.compare_start <= 0 || a.compare_end <= 0) {
          return error("compare() timestamps must be positive integer unix nanoseconds");
        }
        if (a.compare_end <= a.compare_start) {
          return error("compare() end timestamp must be greater than start timestamp");
        }
      }
      break;
    default:
      break;
  }
  if (a.by.size() > kMaxGroupBys) {
    return unsupported("metrics group by " + std::to_string(a.by.size()) + " values");
  }
  for (const MetricsSecondStage& s : m.second_stage) {
    if (s.kind != MetricsSecondStage::Kind::kFilter && s.limit <= 0) {
      return error("limit must be greater than 0");
    }
  }
  if (a.kind == K::kCompare && !m.second_stage.empty()) {
    return error("`compare()` cannot be used with second stage functions");
  }
  return Status::ok();
}

// ------------------------------------------------------------------ referenced attributes

struct Collector {
  std::vector<Attribute> out;

  void add(const Attribute& a) {
    for (const Attribute& seen : out) {
      if (seen == a) return;
    }
    out.push_back(a);
  }
  void field(const FieldExpr& e) {
    if (const auto* a = e.as_attribute()) {
      add(*a);
    } else if (const auto* b = e.as_binary()) {
      field(*b->lhs);
      field(*b->rhs);
    } else if (const auto* u = e.as_unary()) {
      field(*u->expr);
    }
  }
  void aggregate(const Aggregate& a) {
    if (a.expr) field(*a.expr);
  }
  void scalar(const ScalarExpr& e) {
    if (const auto* a = std::get_if<Aggregate>(&e.node)) {
      aggregate(*a);
    } else if (const auto* o = std::get_if<ScalarOp>(&e.node)) {
      scalar(*o->lhs);
      scalar(*o->rhs);
    } else if (const auto* p = std::get_if<Pipeline>(&e.node)) {
      pipeline(*p);
    }
  }
  void element(const PipelineElement& e) {
    std::visit(
        [this](const auto& n) {
          using T = std::decay_t<decltype(n)>;
          if constexpr (std::is_same_v<T, SpansetFilter>) {
            field(n.expr);
          } else if constexpr (std::is_same_v<T, SpansetOperation>) {
            element(*n.lhs);
            element(*n.rhs);
          } else if constexpr (std::is_same_v<T, ScalarFilter>) {
            scalar(n.lhs);
            scalar(n.rhs);
          } else if constexpr (std::is_same_v<T, GroupBy>) {
            field(n.expr);
          } else if constexpr (std::is_same_v<T, Select>) {
            for (const Attribute& a : n.attrs) add(a);
          } else if constexpr (std::is_same_v<T, Pipeline>) {
            pipeline(n);
          } else if constexpr (std::is_same_v<T, Aggregate>) {
            aggregate(n);
          }
        },
        e.node);
  }
  void pipeline(const Pipeline& p) {
    for (const PipelineElement& e : p.elements) element(e);
  }
};

}  // namespace

Status validate(const RootExpr& root) {
  TEMPO_RETURN_IF_ERROR(validate_pipeline(root.pipeline));
  if (root.metrics) TEMPO_RETURN_IF_ERROR(validate_metrics(*root.metrics));
  return Status::ok();
}

std::vector<Attribute> referenced_attributes(const RootExpr& root) {
  Collector c;
  c.pipeline(root.pipeline);
  if (root.metrics) {
    const MetricsAggregate& a = root.metrics->aggregate;
    if (a.compare_selection) c.field(a.compare_selection->expr);
    if (a.attr) c.add(*a.attr);
    for (const Attribute& b : a.by) c.add(b);
  }
  return std::move(c.out);
}

}  // namespace tempo::traceql
