// TraceQL values: comparison, arithmetic and rendering.

#include <cmath>
#include <cstdio>

#include "opentelemetry/proto/common/v1/common.pb.h"
#include "traceql/eval_context.h"

namespace tempo::traceql {

Value& Value::operator=(const Value& o) {
  if (this == &o) return *this;
  type = o.type;
  i = o.i;
  f = o.f;
  if (!o.owned.empty() && o.s.data() == o.owned.data()) {
    owned = o.owned;
    s = owned;
  } else {
    owned.clear();
    s = o.s;
  }
  return *this;
}

Value static_value(const Static& st) {
  Value v;
  switch (st.type) {
    case StaticType::kInt:
      v.type = Value::Type::kInt;
      v.i = st.i;
      break;
    case StaticType::kFloat:
      v.type = Value::Type::kFloat;
      v.f = st.f;
      break;
    case StaticType::kString:
      v.type = Value::Type::kString;
      v.s = st.s;
      break;
    case StaticType::kBool:
      v.type = Value::Type::kBool;
      v.i = st.b ? 1 : 0;
      break;
    case StaticType::kDuration:
      v.type = Value::Type::kDuration;
      v.i = st.i;
      break;
    case StaticType::kStatus:
      v.type = Value::Type::kStatus;
      v.i = st.i;
      break;
    case StaticType::kKind:
      v.type = Value::Type::kKind;
      v.i = st.i;
      break;
    default:
      break;  // nil, arrays (never literals)
  }
  return v;
}

bool truthy(const Value& v) { return v.type == Value::Type::kBool && v.i != 0; }

namespace {

Value from_any(const opentelemetry::proto::common::v1::AnyValue& a) {
  Value v;
  using AV = opentelemetry::proto::common::v1::AnyValue;
  switch (a.value_case()) {
    case AV::kStringValue:
      v.type = Value::Type::kString;
      v.owned = a.string_value();
      v.s = v.owned;
      break;
    case AV::kIntValue:
      v.type = Value::Type::kInt;
      v.i = a.int_value();
      break;
    case AV::kDoubleValue:
      v.type = Value::Type::kFloat;
      v.f = a.double_value();
      break;
    case AV::kBoolValue:
      v.type = Value::Type::kBool;
      v.i = a.bool_value();
      break;
    default:
      break;
  }
  return v;
}



}  // namespace

bool compare(const Value& a, Op op, const Value& b, const RE2* regex) {
  using T = Value::Type;
  if (a.type == T::kNil || b.type == T::kNil) return false;
  if (a.type == T::kArray || b.type == T::kArray) {
    // An array attribute matches when one of its elements does; its negations hold when no
    // element matches the positive form.
    const Value& arr = a.type == T::kArray ? a : b;
    opentelemetry::proto::common::v1::AnyValue any;
    if (!any.ParseFromArray(arr.s.data(), static_cast<int>(arr.s.size()))) return false;
    const bool negated = op == Op::kNotEqual || op == Op::kNotRegex;
    const Op positive = op == Op::kNotEqual ? Op::kEqual : op == Op::kNotRegex ? Op::kRegex : op;
    bool any_match = false;
    for (const auto& el : any.array_value().values()) {
      Value e = from_any(el);
      bool m = a.type == T::kArray ? compare(e, positive, b, regex) : compare(a, positive, e, regex);
      if (m) {
        any_match = true;
        break;
      }
    }
    return negated ? !any_match : any_match;
  }
  if (a.is_numeric() && b.is_numeric()) {
    if (a.type != T::kFloat && b.type != T::kFloat) return ordered(a.i, op, b.i);
    return ordered(a.as_double(), op, b.as_double());
  }
  if (a.type != b.type) return false;
  switch (a.type) {
    case T::kString:
      switch (op) {
        case Op::kRegex:
          return regex && RE2::FullMatch(re2::StringPiece(a.s.data(), a.s.size()), *regex);
        case Op::kNotRegex:
          return regex && !RE2::FullMatch(re2::StringPiece(a.s.data(), a.s.size()), *regex);
        case Op::kEqual: return a.s == b.s;
        case Op::kNotEqual: return a.s != b.s;
        case Op::kGreater: return a.s > b.s;
        case Op::kGreaterEqual: return a.s >= b.s;
        case Op::kLess: return a.s < b.s;
        case Op::kLessEqual: return a.s <= b.s;
        default: return false;
      }
    case T::kBool:
    case T::kStatus:
    case T::kKind:
      if (op == Op::kEqual) return a.i == b.i;
      if (op == Op::kNotEqual) return a.i != b.i;
      return false;
    default:
      return false;
  }
}

Value arithmetic(const Value& a, Op op, const Value& b) {
  using T = Value::Type;
  Value out;
  if (!a.is_numeric() || !b.is_numeric()) return out;
  const bool ints = a.type != T::kFloat && b.type != T::kFloat;
  if (ints && op != Op::kDiv && op != Op::kPower) {
    int64_t r = 0;
    switch (op) {
      case Op::kAdd: r = static_cast<int64_t>(static_cast<uint64_t>(a.i) + static_cast<uint64_t>(b.i)); break;
      case Op::kSub: r = static_cast<int64_t>(static_cast<uint64_t>(a.i) - static_cast<uint64_t>(b.i)); break;
      case Op::kMult: r = static_cast<int64_t>(static_cast<uint64_t>(a.i) * static_cast<uint64_t>(b.i)); break;
      case Op::kMod:
        if (b.i == 0 || (a.i == INT64_MIN && b.i == -1)) return out;
        r = a.i % b.i;
        break;
      default: return out;
    }
    out.type = (a.type == T::kDuration || b.type == T::kDuration) ? T::kDuration : T::kInt;
    out.i = r;
    return out;
  }
  double x = a.as_double(), y = b.as_double(), r = 0;
  switch (op) {
    case Op::kAdd: r = x + y; break;
    case Op::kSub: r = x - y; break;
    case Op::kMult: r = x * y; break;
    case Op::kDiv:
      if (y == 0) return out;
      r = x / y;
      break;
    case Op::kMod:
      if (y == 0) return out;
      r = std::fmod(x, y);
      break;
    case Op::kPower: r = std::pow(x, y); break;
    default: return out;
  }
  out.type = T::kFloat;
  out.f = r;
  return out;
}

std::string value_type_name(const Value& v) {
  switch (v.type) {
    case Value::Type::kInt: return "int";
    case Value::Type::kFloat: return "float";
    case Value::Type::kString: return "string";
    case Value::Type::kBool: return "bool";
    case Value::Type::kDuration: return "duration";
    case Value::Type::kStatus: return "keyword";
    case Value::Type::kKind: return "keyword";
    case Value::Type::kArray: return "array";
    case Value::Type::kNil: return "nil";
  }
  return "nil";
}

std::string value_to_string(const Value& v) {
  switch (v.type) {
    case Value::Type::kInt: return std::to_string(v.i);
    case Value::Type::kFloat: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%g", v.f);
      return buf;
    }
    case Value::Type::kString: return std::string(v.s);
    case Value::Type::kBool: return v.i ? "true" : "false";
    case Value::Type::kDuration: {
      Static s = Static::duration_ns(v.i);
      return to_string(s);
    }
    case Value::Type::kStatus: {
      static const char* const kNames[] = {"error", "ok", "unset"};
      return v.i >= 0 && v.i < 3 ? kNames[v.i] : "unset";
    }
    case Value::Type::kKind: {
      static const char* const kNames[] = {"unspecified", "internal", "server",
                                           "client",      "producer", "consumer"};
      return v.i >= 0 && v.i < 6 ? kNames[v.i] : "unspecified";
    }
    case Value::Type::kArray: return "[array]";
    case Value::Type::kNil: return "nil";
  }
  return "nil";
}

}  // namespace tempo::traceql
