// CompiledQuery: compilation (attribute slots, regexes, columns), and the per-trace pipeline
// walk over spansets.

#include "tempo/traceql/engine.h"

#include <algorithm>
#include <unordered_map>

#include "traceql/eval_context.h"

namespace tempo::traceql {

using columnar::AttrOwner;
using columnar::kNoRow;
using columnar::SpanTable;

struct CompiledQuery::Impl {
  RootExpr root;
  QueryShared shared;
  columnar::ColumnSet columns;
  std::vector<Attribute> result_attrs;
};

namespace {

// ---- compilation -------------------------------------------------------------------------

struct Compiler {
  CompiledQuery::Impl& q;
  Status status;

  void attr(const Attribute& a) {
    auto it = std::find(q.shared.slots.begin(), q.shared.slots.end(), a);
    int slot = static_cast<int>(it - q.shared.slots.begin());
    if (it == q.shared.slots.end()) q.shared.slots.push_back(a);
    q.shared.slot_of[&a] = slot;
    add_attribute_columns(a, &q.columns);
  }
  void result_attr(const Attribute& a) {
    if (a.scope == AttributeScope::kIntrinsic &&
        (a.intrinsic == Intrinsic::kName || a.intrinsic == Intrinsic::kDuration ||
         a.intrinsic == Intrinsic::kSpanId || a.intrinsic == Intrinsic::kTraceId ||
         a.intrinsic == Intrinsic::kTraceRootName || a.intrinsic == Intrinsic::kTraceRootService ||
         a.intrinsic == Intrinsic::kTraceDuration)) {
      return;  // already part of every search result
    }
    if (std::find(q.result_attrs.begin(), q.result_attrs.end(), a) == q.result_attrs.end()) {
      q.result_attrs.push_back(a);
    }
  }
  void field(const FieldExpr& e, bool report) {
    if (const auto* a = e.as_attribute()) {
      attr(*a);
      if (report) result_attr(*a);
    } else if (const auto* u = e.as_unary()) {
      field(*u->expr, report);
    } else if (const auto* b = e.as_binary()) {
      field(*b->lhs, report);
      field(*b->rhs, report);
      if ((b->op == Op::kRegex || b->op == Op::kNotRegex)) {
        if (const auto* st = b->rhs->as_static(); st && st->type == StaticType::kString) {
          RE2::Options opts;
          opts.set_log_errors(false);
          auto re = std::make_unique<RE2>(anchored_regex(st->s), opts);
          if (!re->ok()) {
            status = Status::invalid_argument("invalid regex \"" + st->s + "\": " + re->error());
            return;
          }
          q.shared.regexes[st] = std::move(re);
        }
      }
    }
  }
  void scalar(const ScalarExpr& e) {
    if (const auto* a = std::get_if<Aggregate>(&e.node)) {
      if (a->expr) field(*a->expr, false);
    } else if (const auto* o = std::get_if<ScalarOp>(&e.node)) {
      scalar(*o->lhs);
      scalar(*o->rhs);
    } else if (const auto* p = std::get_if<Pipeline>(&e.node)) {
      pipeline(*p);
    }
  }
  void element(const PipelineElement& el) {
    std::visit(
        [&](const auto& n) {
          using T = std::decay_t<decltype(n)>;
          if constexpr (std::is_same_v<T, SpansetFilter>) {
            field(n.expr, true);
          } else if constexpr (std::is_same_v<T, SpansetOperation>) {
            element(*n.lhs);
            element(*n.rhs);
          } else if constexpr (std::is_same_v<T, ScalarFilter>) {
            scalar(n.lhs);
            scalar(n.rhs);
          } else if constexpr (std::is_same_v<T, GroupBy>) {
            field(n.expr, false);
          } else if constexpr (std::is_same_v<T, Select>) {
            for (const auto& a : n.attrs) {
              attr(a);
              result_attr(a);
            }
          } else if constexpr (std::is_same_v<T, Pipeline>) {
            pipeline(n);
          } else if constexpr (std::is_same_v<T, Aggregate>) {
            if (n.expr) field(*n.expr, false);
          }
        },
        el.node);
  }
  void pipeline(const Pipeline& p) {
    for (const auto& el : p.elements) element(el);
  }
};

// ---- statistics-based pruning ------------------------------------------------------------

const columnar::AttrKeyStats* key_stats(const columnar::RowGroupStats& st, AttributeScope scope,
                                        const std::string& name, bool resource_fallback) {
  switch (scope) {
    case AttributeScope::kResource: return st.attr(AttrOwner::kResource, name);
    case AttributeScope::kInstrumentation: return st.attr(AttrOwner::kScope, name);
    case AttributeScope::kEvent: return st.attr(AttrOwner::kEvent, name);
    case AttributeScope::kLink: return st.attr(AttrOwner::kLink, name);
    case AttributeScope::kNone:
      if (resource_fallback) return st.attr(AttrOwner::kResource, name);
      return st.attr(AttrOwner::kSpan, name);
    default: return st.attr(AttrOwner::kSpan, name);
  }
}

bool range_may_hold(double lo, double hi, Op op, double x) {
  switch (op) {
    case Op::kEqual: return lo <= x && x <= hi;
    case Op::kGreater: return hi > x;
    case Op::kGreaterEqual: return hi >= x;
    case Op::kLess: return lo < x;
    case Op::kLessEqual: return lo <= x;
    default: return true;
  }
}


bool key_may_hold(const columnar::RowGroupStats& st, const columnar::AttrKeyStats* ks, Op op,
                  const Static& lit) {
  using VT = columnar::ValueType;
  if (!ks) return false;
  auto has = [&](VT t) { return (ks->types >> static_cast<int>(t)) & 1; };
  if (has(VT::kArray)) return true;  // arrays are matched element by element at run time
  switch (lit.type) {
    case StaticType::kString:
      if (!has(VT::kString)) return false;
      if (op == Op::kEqual) return st.may_contain_string(lit.s);
      return true;
    case StaticType::kInt:
    case StaticType::kFloat:
    case StaticType::kDuration: {
      if (op == Op::kNotEqual) return has(VT::kInt) || has(VT::kDouble);
      const double x = lit.type == StaticType::kFloat ? lit.f : static_cast<double>(lit.i);
      bool ok = false;
      if (has(VT::kInt)) {
        ok |= range_may_hold(static_cast<double>(ks->int_min), static_cast<double>(ks->int_max), op, x);
      }
      if (has(VT::kDouble)) ok |= range_may_hold(ks->double_min, ks->double_max, op, x);
      return ok;
    }
    case StaticType::kBool:
      return has(VT::kBool);
    default:
      return true;
  }
}

bool expr_may_match(const FieldExpr& e, const columnar::RowGroupStats& st) {
  if (const auto* s = e.as_static()) return !(s->type == StaticType::kBool && !s->b);
  if (const auto* u = e.as_unary()) {
    if (u->op == Op::kExists) {
      if (const auto* a = u->expr->as_attribute(); a && a->scope != AttributeScope::kIntrinsic) {
        return key_stats(st, a->scope, a->name, false) ||
               (a->scope == AttributeScope::kNone && key_stats(st, a->scope, a->name, true));
      }
    }
    return true;
  }
  const auto* b = e.as_binary();
  if (!b) return true;
  if (b->op == Op::kAnd) return expr_may_match(*b->lhs, st) && expr_may_match(*b->rhs, st);
  if (b->op == Op::kOr) return expr_may_match(*b->lhs, st) || expr_may_match(*b->rhs, st);
  const Attribute* a = b->lhs->as_attribute();
  const Static* lit = b->rhs->as_static();
  Op op = b->op;
  if (!a && b->rhs->as_attribute() && b->lhs->as_static()) {
    a = b->rhs->as_attribute();
    lit = b->lhs->as_static();
    op = mirror(op);
  }
  if (!a || !lit || op == Op::kRegex || op == Op::kNotRegex) {
    // A regex still needs the key to exist.
    if (a && a->scope != AttributeScope::kIntrinsic && a->scope != AttributeScope::kNone) {
      return key_stats(st, a->scope, a->name, false) != nullptr;
    }
    return true;
  }
  if (lit->type == StaticType::kNil) return true;
  if (a->scope == AttributeScope::kIntrinsic) {
    switch (a->intrinsic) {
      case Intrinsic::kName:
      case Intrinsic::kStatusMessage:
        if (op == Op::kEqual && lit->type == StaticType::kString) {
          return st.may_contain_string(lit->s);
        }
        return true;
      case Intrinsic::kDuration:
        if (lit->type == StaticType::kDuration || lit->type == StaticType::kInt) {
          return range_may_hold(static_cast<double>(st.duration_min),
                                static_cast<double>(st.duration_max), op, static_cast<double>(lit->i));
        }
        return true;
      default:
        return true;
    }
  }
  if (a->scope == AttributeScope::kNone) {
    return key_may_hold(st, key_stats(st, a->scope, a->name, false), op, *lit) ||
           key_may_hold(st, key_stats(st, a->scope, a->name, true), op, *lit);
  }
  return key_may_hold(st, key_stats(st, a->scope, a->name, false), op, *lit);
}

bool element_may_match(const PipelineElement& el, const columnar::RowGroupStats& st) {
  if (const auto* f = std::get_if<SpansetFilter>(&el.node)) return expr_may_match(f->expr, st);
  if (const auto* p = std::get_if<Pipeline>(&el.node)) {
    return p->elements.empty() || element_may_match(p->elements.front(), st);
  }
  if (const auto* o = std::get_if<SpansetOperation>(&el.node)) {
    switch (o->op) {
      case SpansetOp::kOr:
        return element_may_match(*o->lhs, st) || element_may_match(*o->rhs, st);
      case SpansetOp::kNotChild:
      case SpansetOp::kNotParent:
      case SpansetOp::kNotDescendant:
      case SpansetOp::kNotAncestor:
      case SpansetOp::kNotSibling:
        return element_may_match(*o->rhs, st);
      default:
        return element_may_match(*o->lhs, st) && element_may_match(*o->rhs, st);
    }
  }
  return true;
}

// ---- evaluation --------------------------------------------------------------------------

using Spansets = std::vector<SpansetOut>;

std::vector<uint32_t> merge_unique(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  std::vector<uint32_t> out;
  out.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::vector<uint32_t> all_spans(const Spansets& sets) {
  std::vector<uint32_t> out;
  for (const auto& s : sets) out = merge_unique(out, s.spans);
  return out;
}

struct TraceEval {
  const RowCtx& c;
  std::unordered_map<const SpansetFilter*, std::vector<uint8_t>>& masks;
  uint32_t begin, end;  // the trace's span rows

  const std::vector<uint8_t>& mask(const SpansetFilter& f) {
    auto it = masks.find(&f);
    if (it == masks.end()) {
      it = masks.emplace(&f, std::vector<uint8_t>()).first;
      eval_mask(c, f.expr, &it->second);
    }
    return it->second;
  }

  Spansets pipeline(const Pipeline& p, Spansets in) {
    for (const auto& el : p.elements) {
      if (in.empty()) break;
      in = element(el, std::move(in));
    }
    return in;
  }

  Spansets element(const PipelineElement& el, Spansets in) {
    Spansets out;
    if (const auto* f = std::get_if<SpansetFilter>(&el.node)) {
      const auto& m = mask(*f);
      for (auto& ss : in) {
        SpansetOut o;
        for (uint32_t s : ss.spans) {
          if (m[s]) o.spans.push_back(s);
        }
        if (o.spans.empty()) continue;
        o.scalar = ss.scalar;
        o.scalar_name = ss.scalar_name;
        o.by = ss.by;
        out.push_back(std::move(o));
      }
      return out;
    }
    if (const auto* p = std::get_if<Pipeline>(&el.node)) return pipeline(*p, std::move(in));
    if (const auto* o = std::get_if<SpansetOperation>(&el.node)) {
      for (auto& ss : in) {
        Spansets l = element(*o->lhs, {ss});
        Spansets r = element(*o->rhs, {ss});
        auto spans = relate(o->op, l, r);
        if (spans.empty()) continue;
        SpansetOut res;
        res.spans = std::move(spans);
        res.by = ss.by;
        out.push_back(std::move(res));
      }
      return out;
    }
    if (const auto* sf = std::get_if<ScalarFilter>(&el.node)) {
      for (auto& ss : in) {
        std::string name;
        auto lv = scalar(sf->lhs, ss, &name);
        auto rv = scalar(sf->rhs, ss, nullptr);
        if (!lv || !rv || !compare(*lv, sf->op, *rv, nullptr)) continue;
        if (!name.empty()) {
          ss.scalar = lv->as_double();
          ss.scalar_name = name;
        }
        out.push_back(std::move(ss));
      }
      return out;
    }
    if (const auto* g = std::get_if<GroupBy>(&el.node)) {
      const std::string label = "by(" + to_string(g->expr) + ")";
      for (auto& ss : in) {
        std::vector<std::pair<Value, SpansetOut>> groups;
        for (uint32_t s : ss.spans) {
          Cursor cur;
          cur.span = s;
          Value v = eval_field(c, g->expr, cur);
          auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& gr) {
            return gr.first.type == v.type && gr.first.i == v.i && gr.first.f == v.f &&
                   gr.first.s == v.s;
          });
          if (it == groups.end()) {
            SpansetOut o;
            o.by = ss.by;
            o.by.emplace_back(label, v);
            groups.emplace_back(v, std::move(o));
            it = groups.end() - 1;
          }
          it->second.spans.push_back(s);
        }
        for (auto& gr : groups) out.push_back(std::move(gr.second));
      }
      return out;
    }
    if (std::get_if<Coalesce>(&el.node)) {
      SpansetOut o;
      o.spans = all_spans(in);
      if (!o.spans.empty()) out.push_back(std::move(o));
      return out;
    }
    return in;  // select(), a trailing aggregate: spansets pass unchanged
  }

  std::optional<Value> aggregate(const Aggregate& a, const std::vector<uint32_t>& spans) {
    Value v;
    if (a.kind == Aggregate::Kind::kCount) {
      v.type = Value::Type::kInt;
      v.i = static_cast<int64_t>(spans.size());
      return v;
    }
    double acc = 0;
    size_t n = 0;
    bool all_duration = true, all_int = true;
    for (uint32_t s : spans) {
      Cursor cur;
      cur.span = s;
      Value x = eval_field(c, *a.expr, cur);
      if (!x.is_numeric()) continue;
      all_duration &= x.type == Value::Type::kDuration;
      all_int &= x.type != Value::Type::kFloat;
      double d = x.as_double();
      if (n == 0) {
        acc = d;
      } else {
        switch (a.kind) {
          case Aggregate::Kind::kMin: acc = std::min(acc, d); break;
          case Aggregate::Kind::kMax: acc = std::max(acc, d); break;
          default: acc += d; break;
        }
      }
      ++n;
    }
    if (n == 0) return std::nullopt;
    if (a.kind == Aggregate::Kind::kAvg) acc /= static_cast<double>(n);
    if (all_duration || (all_int && a.kind != Aggregate::Kind::kAvg)) {
      v.type = all_duration ? Value::Type::kDuration : Value::Type::kInt;
      v.i = static_cast<int64_t>(acc);
      if (a.kind == Aggregate::Kind::kAvg) {
        v.type = Value::Type::kFloat;
        v.f = acc;
      }
    } else {
      v.type = Value::Type::kFloat;
      v.f = acc;
    }
    return v;
  }

  std::optional<Value> scalar(const ScalarExpr& e, const SpansetOut& ss, std::string* name) {
    if (const auto* st = std::get_if<Static>(&e.node)) return static_value(*st);
    if (const auto* a = std::get_if<Aggregate>(&e.node)) {
      if (name) *name = to_string(*a);
      return aggregate(*a, ss.spans);
    }
    if (const auto* o = std::get_if<ScalarOp>(&e.node)) {
      auto l = scalar(*o->lhs, ss, nullptr), r = scalar(*o->rhs, ss, nullptr);
      if (!l || !r) return std::nullopt;
      Value v = arithmetic(*l, o->op, *r);
      if (v.is_nil()) return std::nullopt;
      return v;
    }
    if (const auto* p = std::get_if<Pipeline>(&e.node)) {
      if (p->elements.empty()) return std::nullopt;
      const auto* agg = std::get_if<Aggregate>(&p->elements.back().node);
      if (!agg) return std::nullopt;
      Spansets cur{ss};
      for (size_t i = 0; i + 1 < p->elements.size() && !cur.empty(); ++i) {
        cur = element(p->elements[i], std::move(cur));
      }
      if (name) *name = to_string(*agg);
      return aggregate(*agg, all_spans(cur));
    }
    return std::nullopt;
  }

  enum class Rel { kChildOf, kParentOf, kDescendantOf, kAncestorOf, kSiblingOf };

  // out[i]: span begin+i stands in `rel` to some span marked in `set` (both trace-local).
  // Linear in the trace's spans (plus a sort for descendants), whatever the sets' sizes, and
  // bounded on hostile parent cycles.
  std::vector<uint8_t> related(Rel rel, const std::vector<uint8_t>& set) {
    const auto& sp = c.t.spans;
    const uint32_t n = end - begin;
    std::vector<uint8_t> out(n, 0);
    auto parent = [&](uint32_t i) -> uint32_t {  // trace-local parent index or kNoRow
      uint32_t p = sp.parent[begin + i];
      return p == kNoRow ? kNoRow : p - begin;
    };
    switch (rel) {
      case Rel::kChildOf:
        for (uint32_t i = 0; i < n; ++i) {
          uint32_t p = parent(i);
          out[i] = p != kNoRow && set[p];
        }
        break;
      case Rel::kParentOf:
        for (uint32_t i = 0; i < n; ++i) {
          uint32_t p = parent(i);
          if (set[i] && p != kNoRow) out[p] = 1;
        }
        break;
      case Rel::kDescendantOf: {
        // In pre-order a parent comes before its children, so one pass settles every span.
        std::vector<uint32_t> order(n);
        for (uint32_t i = 0; i < n; ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
          return sp.nested_left[begin + a] < sp.nested_left[begin + b];
        });
        for (uint32_t i : order) {
          uint32_t p = parent(i);
          out[i] = p != kNoRow && (set[p] || out[p]);
        }
        break;
      }
      case Rel::kAncestorOf:
        for (uint32_t i = 0; i < n; ++i) {
          if (!set[i]) continue;
          uint32_t steps = 0;
          for (uint32_t p = parent(i); p != kNoRow && !out[p] && steps < n; p = parent(p), ++steps) {
            out[p] = 1;
          }
        }
        break;
      case Rel::kSiblingOf: {
        std::unordered_map<uint32_t, uint32_t> members;  // parent -> spans of `set` under it
        for (uint32_t i = 0; i < n; ++i) {
          if (set[i] && parent(i) != kNoRow) ++members[parent(i)];
        }
        for (uint32_t i = 0; i < n; ++i) {
          uint32_t p = parent(i);
          if (p == kNoRow) continue;
          auto it = members.find(p);
          out[i] = it != members.end() && it->second > (set[i] ? 1u : 0u);
        }
        break;
      }
    }
    return out;
  }

  // Structural and logical relations between the spans of two operand results.
  std::vector<uint32_t> relate(SpansetOp op, const Spansets& l, const Spansets& r) {
    if (op == SpansetOp::kAnd) {
      if (l.empty() || r.empty()) return {};
      return merge_unique(all_spans(l), all_spans(r));
    }
    if (op == SpansetOp::kOr) return merge_unique(all_spans(l), all_spans(r));
    auto ls = all_spans(l), rs = all_spans(r);
    const uint32_t n = end - begin;
    std::vector<uint8_t> in_l(n, 0), in_r(n, 0);
    for (uint32_t s : ls) in_l[s - begin] = 1;
    for (uint32_t s : rs) in_r[s - begin] = 1;
    Rel rel = Rel::kChildOf, back = Rel::kParentOf;
    bool negated = false, with_lhs = false;
    switch (op) {
      case SpansetOp::kNotChild: negated = true; [[fallthrough]];
      case SpansetOp::kChild: rel = Rel::kChildOf; back = Rel::kParentOf; break;
      case SpansetOp::kUnionChild: with_lhs = true; rel = Rel::kChildOf; back = Rel::kParentOf; break;
      case SpansetOp::kNotParent: negated = true; [[fallthrough]];
      case SpansetOp::kParent: rel = Rel::kParentOf; back = Rel::kChildOf; break;
      case SpansetOp::kUnionParent: with_lhs = true; rel = Rel::kParentOf; back = Rel::kChildOf; break;
      case SpansetOp::kNotDescendant: negated = true; [[fallthrough]];
      case SpansetOp::kDescendant: rel = Rel::kDescendantOf; back = Rel::kAncestorOf; break;
      case SpansetOp::kUnionDescendant:
        with_lhs = true;
        rel = Rel::kDescendantOf;
        back = Rel::kAncestorOf;
        break;
      case SpansetOp::kNotAncestor: negated = true; [[fallthrough]];
      case SpansetOp::kAncestor: rel = Rel::kAncestorOf; back = Rel::kDescendantOf; break;
      case SpansetOp::kUnionAncestor:
        with_lhs = true;
        rel = Rel::kAncestorOf;
        back = Rel::kDescendantOf;
        break;
      case SpansetOp::kNotSibling: negated = true; [[fallthrough]];
      case SpansetOp::kSibling: rel = back = Rel::kSiblingOf; break;
      case SpansetOp::kUnionSibling: with_lhs = true; rel = back = Rel::kSiblingOf; break;
      default: return {};
    }
    std::vector<uint8_t> fwd = related(rel, in_l);
    std::vector<uint8_t> bwd;
    if (with_lhs) bwd = related(back, in_r);
    std::vector<uint32_t> out;
    bool any_rhs = false;
    for (uint32_t i = 0; i < n; ++i) {
      if (in_r[i] && (fwd[i] != 0) != negated) any_rhs = true;
    }
    if (!any_rhs) return out;
    for (uint32_t i = 0; i < n; ++i) {
      bool keep = in_r[i] && (fwd[i] != 0) != negated;
      if (with_lhs && in_l[i] && bwd[i]) keep = true;
      if (keep) out.push_back(begin + i);
    }
    return out;
  }
};

}  // namespace

void add_attribute_columns(const Attribute& a, columnar::ColumnSet* out) {
  auto& cs = *out;
  switch (a.scope) {
    case AttributeScope::kSpan:
      cs.attr_keys[static_cast<int>(AttrOwner::kSpan)].push_back(a.name);
      break;
    case AttributeScope::kResource:
      cs.attr_keys[static_cast<int>(AttrOwner::kResource)].push_back(a.name);
      break;
    case AttributeScope::kNone:
      cs.attr_keys[static_cast<int>(AttrOwner::kSpan)].push_back(a.name);
      cs.attr_keys[static_cast<int>(AttrOwner::kResource)].push_back(a.name);
      break;
    case AttributeScope::kEvent:
      cs.events = true;
      cs.attr_keys[static_cast<int>(AttrOwner::kEvent)].push_back(a.name);
      break;
    case AttributeScope::kLink:
      cs.links = true;
      cs.attr_keys[static_cast<int>(AttrOwner::kLink)].push_back(a.name);
      break;
    case AttributeScope::kInstrumentation:
      cs.scopes = true;
      cs.attr_keys[static_cast<int>(AttrOwner::kScope)].push_back(a.name);
      break;
    case AttributeScope::kIntrinsic:
      switch (a.intrinsic) {
        case Intrinsic::kKind: cs.span_kind = true; break;
        case Intrinsic::kStatus:
        case Intrinsic::kStatusMessage: cs.span_status = true; break;
        case Intrinsic::kEventName:
        case Intrinsic::kEventTimeSinceStart: cs.events = true; break;
        case Intrinsic::kLinkSpanId:
        case Intrinsic::kLinkTraceId: cs.links = true; break;
        case Intrinsic::kInstrumentationName:
        case Intrinsic::kInstrumentationVersion: cs.scopes = true; break;
        default: break;
      }
      break;
  }
}

CompiledQuery::CompiledQuery(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CompiledQuery::~CompiledQuery() = default;

Status CompiledQuery::compile(RootExpr root, std::unique_ptr<CompiledQuery>* out) {
  if (root.metrics) {
    return Status::invalid_argument(
        "metrics queries are not supported by search; use /api/metrics/query_range");
  }
  auto impl = std::make_unique<Impl>();
  impl->root = std::move(root);
  Compiler c{*impl, Status::ok()};
  c.pipeline(impl->root.pipeline);
  TEMPO_RETURN_IF_ERROR(c.status);
  for (auto& keys : impl->columns.attr_keys) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  }
  out->reset(new CompiledQuery(std::move(impl)));
  return Status::ok();
}

const RootExpr& CompiledQuery::root() const { return impl_->root; }
const columnar::ColumnSet& CompiledQuery::columns() const { return impl_->columns; }
const std::vector<Attribute>& CompiledQuery::result_attributes() const { return impl_->result_attrs; }

bool CompiledQuery::may_match(const columnar::RowGroupStats& stats) const {
  const auto& els = impl_->root.pipeline.elements;
  return els.empty() || element_may_match(els.front(), stats);
}

void CompiledQuery::evaluate(const columnar::RowGroup& group, uint64_t start_ns,
                             uint64_t end_ns, std::vector<TraceMatch>* out) const {
  const SpanTable& table = group.table;
  RowCtx ctx(table, impl_->shared);
  std::unordered_map<const SpansetFilter*, std::vector<uint8_t>> masks;
  const auto& els = impl_->root.pipeline.elements;
  const SpansetFilter* first_filter =
      els.empty() ? nullptr : std::get_if<SpansetFilter>(&els.front().node);
  for (uint32_t t = 0; t < table.trace_count(); ++t) {
    const uint32_t b = table.traces.span_begin[t], e = table.traces.span_end[t];
    if (b == e || group.skipped(t)) continue;
    if (start_ns && table.traces.end[t] < start_ns) continue;
    if (end_ns && table.traces.start[t] > end_ns) continue;
    TraceEval te{ctx, masks, b, e};
    Spansets sets;
    size_t from = 0;
    if (first_filter) {
      // Most queries start with a filter: take its matches straight from the mask, so a trace
      // without any costs one pass over its mask bytes.
      const auto& m = te.mask(*first_filter);
      SpansetOut ss;
      for (uint32_t s = b; s < e; ++s) {
        if (m[s]) ss.spans.push_back(s);
      }
      if (ss.spans.empty()) continue;
      sets.push_back(std::move(ss));
      from = 1;
    } else {
      SpansetOut ss;
      for (uint32_t s = b; s < e; ++s) ss.spans.push_back(s);
      sets.push_back(std::move(ss));
    }
    for (size_t i = from; i < els.size() && !sets.empty(); ++i) {
      sets = te.element(els[i], std::move(sets));
    }
    if (sets.empty()) continue;
    out->push_back(TraceMatch{t, std::move(sets)});
  }
}

struct AttributeReader::State {
  Attribute attr;
  QueryShared shared;
  std::unique_ptr<RowCtx> ctx;
};

AttributeReader::AttributeReader(Attribute attr) : s_(std::make_unique<State>()) {
  s_->attr = std::move(attr);
  s_->shared.slots.push_back(s_->attr);
  s_->shared.slot_of[&s_->attr] = 0;
}
AttributeReader::AttributeReader(AttributeReader&&) noexcept = default;
AttributeReader& AttributeReader::operator=(AttributeReader&&) noexcept = default;
AttributeReader::~AttributeReader() = default;

void AttributeReader::bind(const SpanTable& table) {
  s_->ctx = std::make_unique<RowCtx>(table, s_->shared);
}

Value AttributeReader::read(uint32_t span) const {
  const SpanTable& table = s_->ctx->t;
  Cursor cur;
  cur.span = span;
  const Attribute& attr = s_->attr;
  if (attr.scope == AttributeScope::kEvent || attr.intrinsic == Intrinsic::kEventName ||
      attr.intrinsic == Intrinsic::kEventTimeSinceStart) {
    if (!table.events.time.empty() && table.spans.event_offsets[span] < table.spans.event_offsets[span + 1]) {
      cur.event = table.spans.event_offsets[span];
    }
  }
  if (attr.scope == AttributeScope::kLink || attr.intrinsic == Intrinsic::kLinkSpanId ||
      attr.intrinsic == Intrinsic::kLinkTraceId) {
    if (!table.links.span_id.empty() && table.spans.link_offsets[span] < table.spans.link_offsets[span + 1]) {
      cur.link = table.spans.link_offsets[span];
    }
  }
  return read_attribute(*s_->ctx, attr, cur);
}

}  // namespace tempo::traceql
