// Field expressions over a row group: one value at a cursor (the general path), and whole
// columns at once for the common condition shapes (the fast path).

#include <cstring>
#include <utility>

#include "tempo/util/hex.h"
#include "traceql/eval_context.h"

namespace tempo::traceql {

using columnar::AttrOwner;
using columnar::AttrTable;
using columnar::kNoRow;
using columnar::SpanTable;
using columnar::ValueType;

namespace {

AttrOwner owner_of(AttributeScope s) {
  switch (s) {
    case AttributeScope::kResource: return AttrOwner::kResource;
    case AttributeScope::kInstrumentation: return AttrOwner::kScope;
    case AttributeScope::kEvent: return AttrOwner::kEvent;
    case AttributeScope::kLink: return AttrOwner::kLink;
    default: return AttrOwner::kSpan;
  }
}

size_t owner_count(const SpanTable& t, AttrOwner o) {
  switch (o) {
    case AttrOwner::kResource: return t.resource_count();
    case AttrOwner::kScope: return t.scope_count();
    case AttrOwner::kSpan: return t.span_count();
    case AttrOwner::kEvent: return t.event_count();
    case AttrOwner::kLink: return t.link_count();
  }
  return 0;
}

// Row of `key` for every owner (the first when an owner repeats a key).
const AttrTable* resolve(const SpanTable& t, AttrOwner o, const std::string& name,
                         std::vector<uint32_t>* rows) {
  const AttrTable& at = t.attr(o);
  auto key = t.strings.find(name);
  if (!key || at.type.empty()) return nullptr;
  const auto* run = at.run(*key);
  if (!run) return nullptr;
  rows->assign(owner_count(t, o), kNoRow);
  for (uint32_t i = run->end; i > run->begin; --i) (*rows)[at.owner[i - 1]] = i - 1;
  return &at;
}

Value owned_string_value(std::string s) {
  Value v;
  v.type = Value::Type::kString;
  v.owned = std::move(s);
  v.s = v.owned;
  return v;
}

Value hex_value(std::string_view raw) { return owned_string_value(hex::encode(raw)); }

Value span_id_value(uint64_t id) { return owned_string_value(hex::encode_u64(id)); }

Value str(const SpanTable& t, uint32_t id) {
  Value v;
  v.type = Value::Type::kString;
  v.s = t.strings.get(id);
  return v;
}

Value num(Value::Type type, int64_t i) {
  Value v;
  v.type = type;
  v.i = i;
  return v;
}

// OTLP status code -> TraceQL's StatusValue.
int64_t status_of(uint8_t code) {
  switch (code) {
    case 1: return static_cast<int64_t>(StatusValue::kOk);
    case 2: return static_cast<int64_t>(StatusValue::kError);
    default: return static_cast<int64_t>(StatusValue::kUnset);
  }
}

Value intrinsic(const SpanTable& t, Intrinsic in, const Cursor& cur) {
  const auto& sp = t.spans;
  const uint32_t s = cur.span;
  auto loaded = [](const auto& col) { return !col.empty(); };
  switch (in) {
    case Intrinsic::kName: return loaded(sp.name) ? str(t, sp.name[s]) : Value{};
    case Intrinsic::kStatus:
      return loaded(sp.status_code) ? num(Value::Type::kStatus, status_of(sp.status_code[s])) : Value{};
    case Intrinsic::kStatusMessage:
      return loaded(sp.status_message) ? str(t, sp.status_message[s]) : Value{};
    case Intrinsic::kDuration:
      return num(Value::Type::kDuration,
                 static_cast<int64_t>(columnar::effective_duration(sp.duration[s])));
    case Intrinsic::kKind: return loaded(sp.kind) ? num(Value::Type::kKind, sp.kind[s]) : Value{};
    case Intrinsic::kSpanId: return span_id_value(sp.id[s]);
    case Intrinsic::kParentId: return sp.parent_id[s] ? span_id_value(sp.parent_id[s]) : Value{};
    case Intrinsic::kChildCount: return num(Value::Type::kInt, sp.child_count[s]);
    case Intrinsic::kTraceId: return hex_value(t.traces.id[sp.trace[s]].view());
    case Intrinsic::kTraceRootName: {
      uint32_t tr = sp.trace[s];
      return t.traces.root[tr] == kNoRow ? Value{} : str(t, t.traces.root_name[tr]);
    }
    case Intrinsic::kTraceRootService: {
      uint32_t tr = sp.trace[s];
      return t.traces.root[tr] == kNoRow ? Value{} : str(t, t.traces.root_service[tr]);
    }
    case Intrinsic::kTraceDuration: {
      uint32_t tr = sp.trace[s];
      return num(Value::Type::kDuration, static_cast<int64_t>(t.traces.end[tr] - t.traces.start[tr]));
    }
    case Intrinsic::kEventName:
      return cur.event == kNoRow || !loaded(t.events.name) ? Value{} : str(t, t.events.name[cur.event]);
    case Intrinsic::kEventTimeSinceStart:
      if (cur.event == kNoRow || !loaded(t.events.time)) return {};
      return num(Value::Type::kDuration,
                 static_cast<int64_t>(t.events.time[cur.event] - sp.start[s]));
    case Intrinsic::kLinkTraceId:
      if (cur.link == kNoRow || !loaded(t.links.trace_id)) return {};
      return hex_value(t.links.trace_id[cur.link].view());
    case Intrinsic::kLinkSpanId:
      if (cur.link == kNoRow || !loaded(t.links.span_id)) return {};
      return span_id_value(t.links.span_id[cur.link]);
    case Intrinsic::kInstrumentationName:
      return loaded(t.scopes.name) ? str(t, t.scopes.name[sp.scope[s]]) : Value{};
    case Intrinsic::kInstrumentationVersion:
      return loaded(t.scopes.version) ? str(t, t.scopes.version[sp.scope[s]]) : Value{};
    case Intrinsic::kNestedSetLeft: return num(Value::Type::kInt, sp.nested_left[s]);
    case Intrinsic::kNestedSetRight: return num(Value::Type::kInt, sp.nested_right[s]);
    case Intrinsic::kNestedSetParent:
      return num(Value::Type::kInt, sp.parent[s] == kNoRow ? -1 : sp.nested_left[sp.parent[s]]);
    default: return {};
  }
}

}  // namespace

RowCtx::RowCtx(const SpanTable& table, const QueryShared& shared) : t(table), q(shared) {
  lookups.resize(q.slots.size());
  for (size_t i = 0; i < q.slots.size(); ++i) {
    const Attribute& a = q.slots[i];
    if (a.scope == AttributeScope::kIntrinsic) continue;
    AttrLookup& l = lookups[i];
    l.table = resolve(t, owner_of(a.scope), a.name, &l.row_of_owner);
    if (a.scope == AttributeScope::kNone) {
      l.res_table = resolve(t, AttrOwner::kResource, a.name, &l.res_row_of_owner);
    }
  }
}

Value read_attribute_row(const SpanTable& t, const AttrTable& at, uint32_t row) {
  Value v;
  const uint64_t raw = at.value[row];
  switch (at.type[row]) {
    case ValueType::kString:
      v.type = Value::Type::kString;
      v.s = t.strings.get(static_cast<uint32_t>(raw));
      break;
    case ValueType::kInt:
      v.type = Value::Type::kInt;
      v.i = static_cast<int64_t>(raw);
      break;
    case ValueType::kDouble:
      v.type = Value::Type::kFloat;
      std::memcpy(&v.f, &raw, 8);
      break;
    case ValueType::kBool:
      v.type = Value::Type::kBool;
      v.i = raw != 0;
      break;
    case ValueType::kArray:
      if (raw < t.blobs.size()) {
        v.type = Value::Type::kArray;
        v.s = t.blobs[raw];
      }
      break;
    default:
      break;  // kvlist, bytes and empty values do not take part in TraceQL comparisons
  }
  return v;
}

Value read_attribute(const RowCtx& c, const Attribute& a, const Cursor& cur) {
  if (a.scope == AttributeScope::kIntrinsic) return intrinsic(c.t, a.intrinsic, cur);
  const AttrLookup& l = c.lookup(a);
  uint32_t owner = kNoRow;
  switch (a.scope) {
    case AttributeScope::kResource: owner = c.t.spans.resource[cur.span]; break;
    case AttributeScope::kInstrumentation: owner = c.t.spans.scope[cur.span]; break;
    case AttributeScope::kEvent: owner = cur.event; break;
    case AttributeScope::kLink: owner = cur.link; break;
    default: owner = cur.span; break;
  }
  if (l.table && owner != kNoRow && l.row_of_owner[owner] != kNoRow) {
    return read_attribute_row(c.t, *l.table, l.row_of_owner[owner]);
  }
  if (a.scope == AttributeScope::kNone && l.res_table) {
    uint32_t r = l.res_row_of_owner[c.t.spans.resource[cur.span]];
    if (r != kNoRow) return read_attribute_row(c.t, *l.res_table, r);
  }
  return {};
}

Value eval_field(const RowCtx& c, const FieldExpr& e, const Cursor& cur) {
  if (const auto* s = e.as_static()) return static_value(*s);
  if (const auto* a = e.as_attribute()) return read_attribute(c, *a, cur);
  if (const auto* u = e.as_unary()) {
    Value v = eval_field(c, *u->expr, cur);
    Value out;
    switch (u->op) {
      case Op::kNot:
        if (v.type != Value::Type::kBool) return out;  // !nil stays nil: never true
        out.type = Value::Type::kBool;
        out.i = !v.i;
        return out;
      case Op::kNeg:
        if (v.type == Value::Type::kFloat) {
          out = v;
          out.f = -v.f;
        } else if (v.is_numeric()) {
          out = v;
          out.i = static_cast<int64_t>(0 - static_cast<uint64_t>(v.i));
        }
        return out;
      case Op::kExists:
        out.type = Value::Type::kBool;
        out.i = !v.is_nil();
        return out;
      case Op::kNotExists:
        out.type = Value::Type::kBool;
        out.i = v.is_nil();
        return out;
      default:
        return out;
    }
  }
  const auto* b = e.as_binary();
  Value out;
  if (!b) return out;
  if (b->op == Op::kAnd || b->op == Op::kOr) {
    bool l = truthy(eval_field(c, *b->lhs, cur));
    out.type = Value::Type::kBool;
    if (b->op == Op::kAnd && !l) return out;
    if (b->op == Op::kOr && l) {
      out.i = 1;
      return out;
    }
    out.i = truthy(eval_field(c, *b->rhs, cur));
    return out;
  }
  Value l = eval_field(c, *b->lhs, cur);
  Value r = eval_field(c, *b->rhs, cur);
  switch (b->op) {
    case Op::kAdd:
    case Op::kSub:
    case Op::kMult:
    case Op::kDiv:
    case Op::kMod:
    case Op::kPower:
      return arithmetic(l, b->op, r);
    default: {
      const RE2* re = nullptr;
      if (b->op == Op::kRegex || b->op == Op::kNotRegex) {
        if (const auto* st = b->rhs->as_static()) {
          auto it = c.q.regexes.find(st);
          if (it != c.q.regexes.end()) re = it->second.get();
        }
      }
      out.type = Value::Type::kBool;
      out.i = compare(l, b->op, r, re);
      return out;
    }
  }
}

bool reads_events(const FieldExpr& e) {
  if (const auto* a = e.as_attribute()) {
    return a->scope == AttributeScope::kEvent || a->intrinsic == Intrinsic::kEventName ||
           a->intrinsic == Intrinsic::kEventTimeSinceStart;
  }
  if (const auto* u = e.as_unary()) return reads_events(*u->expr);
  if (const auto* b = e.as_binary()) return reads_events(*b->lhs) || reads_events(*b->rhs);
  return false;
}

bool reads_links(const FieldExpr& e) {
  if (const auto* a = e.as_attribute()) {
    return a->scope == AttributeScope::kLink || a->intrinsic == Intrinsic::kLinkTraceId ||
           a->intrinsic == Intrinsic::kLinkSpanId;
  }
  if (const auto* u = e.as_unary()) return reads_links(*u->expr);
  if (const auto* b = e.as_binary()) return reads_links(*b->lhs) || reads_links(*b->rhs);
  return false;
}

namespace {

bool is_comparison(Op op) {
  switch (op) {
    case Op::kEqual:
    case Op::kNotEqual:
    case Op::kRegex:
    case Op::kNotRegex:
    case Op::kGreater:
    case Op::kGreaterEqual:
    case Op::kLess:
    case Op::kLessEqual:
      return true;
    default:
      return false;
  }
}



// Per-string-id results of one comparison against a literal: each distinct string of the
// group is compared once, however many spans carry it.
class StringMatcher {
 public:
  StringMatcher(const SpanTable& t, Op op, const Value& lit, const RE2* re)
      : t_(t), op_(op), lit_(lit), re_(re), cache_(t.strings.size(), -1) {}
  bool operator()(uint32_t id) {
    int8_t& c = cache_[id];
    if (c < 0) c = compare(str(t_, id), op_, lit_, re_) ? 1 : 0;
    return c != 0;
  }

 private:
  const SpanTable& t_;
  Op op_;
  const Value& lit_;
  const RE2* re_;
  std::vector<int8_t> cache_;
};

// out[owner] for the rows of one attribute table holding `op lit`; `has[owner]` records
// presence of the key (for unscoped fallback).
void attr_rows_mask(const SpanTable& t, const AttrTable& at, const std::vector<uint32_t>& rows,
                    Op op, const Value& lit, const RE2* re, std::vector<uint8_t>* out) {
  StringMatcher sm(t, op, lit, re);
  const size_t n = rows.size();
  out->assign(n, 0);
  for (size_t o = 0; o < n; ++o) {
    uint32_t r = rows[o];
    if (r == kNoRow) continue;
    switch (at.type[r]) {
      case ValueType::kString:
        if (lit.type == Value::Type::kString) (*out)[o] = sm(static_cast<uint32_t>(at.value[r]));
        break;
      case ValueType::kInt:
        if (lit.is_numeric()) {
          const auto v = static_cast<int64_t>(at.value[r]);
          (*out)[o] = lit.type == Value::Type::kFloat
                          ? ordered(static_cast<double>(v), op, lit.f)
                          : ordered(v, op, lit.i);
        }
        break;
      case ValueType::kDouble:
        if (lit.is_numeric()) {
          double v;
          std::memcpy(&v, &at.value[r], 8);
          (*out)[o] = ordered(v, op, lit.as_double());
        }
        break;
      default:
        (*out)[o] = compare(read_attribute_row(t, at, r), op, lit, re);
        break;
    }
  }
}

// Fast path for `<attribute or intrinsic> op <literal>`; false when the shape is not one it
// handles (the caller then evaluates span by span).
bool fast_compare(const RowCtx& c, const Attribute& a, Op op, const Value& lit, const RE2* re,
                  std::vector<uint8_t>* out) {
  const SpanTable& t = c.t;
  const auto& sp = t.spans;
  const size_t ns = t.span_count();
  out->assign(ns, 0);
  if (a.scope == AttributeScope::kIntrinsic) {
    switch (a.intrinsic) {
      case Intrinsic::kName: {
        if (lit.type != Value::Type::kString) return true;
        if (op == Op::kEqual) {
          auto id = t.strings.find(lit.s);
          if (!id) return true;
          for (size_t s = 0; s < ns; ++s) (*out)[s] = sp.name[s] == *id;
          return true;
        }
        StringMatcher sm(t, op, lit, re);
        for (size_t s = 0; s < ns; ++s) (*out)[s] = sm(sp.name[s]);
        return true;
      }
      case Intrinsic::kDuration: {
        if (!lit.is_numeric()) return true;
        if (lit.type == Value::Type::kFloat) return false;
        const int64_t x = lit.i;
        for (size_t s = 0; s < ns; ++s) {
          const auto d = static_cast<int64_t>(columnar::effective_duration(sp.duration[s]));
          (*out)[s] = ordered(d, op, x);
        }
        return true;
      }
      case Intrinsic::kStatus: {
        if (lit.type != Value::Type::kStatus || sp.status_code.empty()) return false;
        for (size_t s = 0; s < ns; ++s) {
          int64_t v = status_of(sp.status_code[s]);
          (*out)[s] = op == Op::kEqual ? v == lit.i : op == Op::kNotEqual ? v != lit.i : false;
        }
        return true;
      }
      case Intrinsic::kKind: {
        if (lit.type != Value::Type::kKind || sp.kind.empty()) return false;
        for (size_t s = 0; s < ns; ++s) {
          int64_t v = sp.kind[s];
          (*out)[s] = op == Op::kEqual ? v == lit.i : op == Op::kNotEqual ? v != lit.i : false;
        }
        return true;
      }
      case Intrinsic::kTraceRootService:
      case Intrinsic::kTraceRootName:
      case Intrinsic::kTraceDuration: {
        std::vector<uint8_t> per_trace(t.trace_count(), 0);
        for (uint32_t tr = 0; tr < t.trace_count(); ++tr) {
          Cursor cur;
          cur.span = t.traces.span_begin[tr];
          if (t.traces.span_begin[tr] == t.traces.span_end[tr]) continue;
          per_trace[tr] = compare(intrinsic(t, a.intrinsic, cur), op, lit, re);
        }
        for (size_t s = 0; s < ns; ++s) (*out)[s] = per_trace[sp.trace[s]];
        return true;
      }
      default:
        return false;
    }
  }
  const AttrLookup& l = c.lookup(a);
  std::vector<uint8_t> owner_mask;
  switch (a.scope) {
    case AttributeScope::kSpan:
      if (l.table) attr_rows_mask(t, *l.table, l.row_of_owner, op, lit, re, out);
      return true;
    case AttributeScope::kResource:
    case AttributeScope::kInstrumentation: {
      if (!l.table) return true;
      attr_rows_mask(t, *l.table, l.row_of_owner, op, lit, re, &owner_mask);
      const auto& owner = a.scope == AttributeScope::kResource ? sp.resource : sp.scope;
      for (size_t s = 0; s < ns; ++s) (*out)[s] = owner_mask[owner[s]];
      return true;
    }
    case AttributeScope::kNone: {
      if (l.table) attr_rows_mask(t, *l.table, l.row_of_owner, op, lit, re, out);
      if (l.res_table) {
        attr_rows_mask(t, *l.res_table, l.res_row_of_owner, op, lit, re, &owner_mask);
        for (size_t s = 0; s < ns; ++s) {
          // The span's own attribute wins over its resource's.
          if (l.table && l.row_of_owner[s] != kNoRow) continue;
          (*out)[s] = owner_mask[sp.resource[s]];
        }
      }
      return true;
    }
    default:
      return false;
  }
}

}  // namespace


void eval_mask(const RowCtx& c, const FieldExpr& e, std::vector<uint8_t>* out) {
  const size_t ns = c.t.span_count();
  const bool ev = reads_events(e), ln = reads_links(e);
  if (!ev && !ln) {
    if (const auto* s = e.as_static()) {
      out->assign(ns, static_value(*s).type == Value::Type::kBool && s->b ? 1 : 0);
      return;
    }
    if (const auto* b = e.as_binary()) {
      if (b->op == Op::kAnd || b->op == Op::kOr) {
        std::vector<uint8_t> rhs;
        eval_mask(c, *b->lhs, out);
        eval_mask(c, *b->rhs, &rhs);
        if (b->op == Op::kAnd) {
          for (size_t i = 0; i < ns; ++i) (*out)[i] &= rhs[i];
        } else {
          for (size_t i = 0; i < ns; ++i) (*out)[i] |= rhs[i];
        }
        return;
      }
      if (is_comparison(b->op)) {
        const Attribute* attr = b->lhs->as_attribute();
        const Static* lit = b->rhs->as_static();
        Op op = b->op;
        if (!attr && b->rhs->as_attribute() && b->lhs->as_static() && op != Op::kRegex &&
            op != Op::kNotRegex) {
          attr = b->rhs->as_attribute();
          lit = b->lhs->as_static();
          op = mirror(op);
        }
        if (attr && lit) {
          const RE2* re = nullptr;
          if (op == Op::kRegex || op == Op::kNotRegex) {
            auto it = c.q.regexes.find(lit);
            if (it != c.q.regexes.end()) re = it->second.get();
          }
          Value lv = static_value(*lit);
          if (lv.is_nil()) {
            out->assign(ns, 0);
            return;
          }
          if (fast_compare(c, *attr, op, lv, re, out)) return;
        }
      }
    }
  }
  // General path: span by span; event/link-scoped reads hold when some event/link does.
  out->assign(ns, 0);
  const auto& sp = c.t.spans;
  for (uint32_t s = 0; s < ns; ++s) {
    Cursor cur;
    cur.span = s;
    uint32_t e0 = kNoRow, e1 = kNoRow, l0 = kNoRow, l1 = kNoRow;
    if (ev && !c.t.events.time.empty()) {
      e0 = sp.event_offsets[s];
      e1 = sp.event_offsets[s + 1];
    }
    if (ln && !c.t.links.span_id.empty()) {
      l0 = sp.link_offsets[s];
      l1 = sp.link_offsets[s + 1];
    }
    bool hit = false;
    // With no events (links), one pass with nil event (link) values.
    for (uint32_t ei = e0; !hit && (ei == kNoRow || ei < e1 || e0 == e1);) {
      cur.event = (ei == kNoRow || e0 == e1) ? kNoRow : ei;
      for (uint32_t li = l0; !hit && (li == kNoRow || li < l1 || l0 == l1);) {
        cur.link = (li == kNoRow || l0 == l1) ? kNoRow : li;
        hit = truthy(eval_field(c, e, cur));
        if (li == kNoRow || l0 == l1) break;
        ++li;
      }
      if (ei == kNoRow || e0 == e1) break;
      ++ei;
    }
    (*out)[s] = hit;
  }
}

}  // namespace tempo::traceql
