// Recursive-descent / precedence-climbing parser for TraceQL, equivalent to Tempo's yacc
// grammar (pkg/traceql/expr.y, v3.0.x). Precedence, lowest first, shared by all levels:
//   |   then  && ||   then  = != < <= > >= =~ !~ and the structural operators   then  + -
//   then unary !   then  * / %   then  ^ (right-associative)
// Unary minus binds like binary minus: `-a * b` is `-(a * b)`, `-a + b` is `(-a) + b`.
//
// Between `|` the parser reads one stage with a single precedence climb whose operands carry a
// kind (spanset, scalar, scalar pipeline, finished stage); the kinds decide what an operator
// means (`>` is "child" between spansets, "greater" between scalars) and reject the
// combinations Tempo's grammar does not derive.
//
// Errors unwind with an internal exception caught in parse_syntax(): nothing escapes the API.

#include "tempo/traceql/parser.h"

#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "traceql/lexer.h"

namespace tempo::traceql {
namespace {

struct ParseFailure {
  Status status;
};

enum class Kind {
  kSpanset,         // a filter, spanset operation or wrapped spanset pipeline
  kScalar,          // aggregates and numbers, with arithmetic
  kScalarPipeline,  // `( pipeline | aggregate )`, with arithmetic
  kStage,           // scalar filter, by(), coalesce(), select(): usable only as a whole stage
};

// Children live on the heap so that a recursion level costs little stack.
struct Item {
  Kind kind = Kind::kSpanset;
  std::unique_ptr<PipelineElement> elem;  // kSpanset, kStage
  std::unique_ptr<ScalarExpr> scalar;     // kScalar, kScalarPipeline
  bool bare_aggregate = false;
  int depth = 0;
  size_t start = 0;  // index of the first token
};

struct FE {
  FieldExpr e;
  int depth = 0;
};

int field_prec(Tok t) {
  switch (t) {
    case Tok::kAnd:
    case Tok::kOr:
      return 1;
    case Tok::kEq:
    case Tok::kNeq:
    case Tok::kLt:
    case Tok::kLte:
    case Tok::kGt:
    case Tok::kGte:
    case Tok::kRe:
    case Tok::kNre:
      return 2;
    case Tok::kAdd:
    case Tok::kSub:
      return 3;
    case Tok::kMul:
    case Tok::kDiv:
    case Tok::kMod:
      return 5;
    case Tok::kPow:
      return 6;
    default:
      return 0;
  }
}

// Stage level: the field operators plus the structural ones (all at the comparison level).
int stage_prec(Tok t) {
  switch (t) {
    case Tok::kDesc:
    case Tok::kAnce:
    case Tok::kSibl:
    case Tok::kNotChild:
    case Tok::kNotParent:
    case Tok::kNotDesc:
    case Tok::kNotAnce:
    case Tok::kUnionChild:
    case Tok::kUnionParent:
    case Tok::kUnionDesc:
    case Tok::kUnionAnce:
    case Tok::kUnionSibl:
      return 2;
    default:
      return field_prec(t);
  }
}

Op field_op(Tok t) {
  switch (t) {
    case Tok::kAnd:
      return Op::kAnd;
    case Tok::kOr:
      return Op::kOr;
    case Tok::kEq:
      return Op::kEqual;
    case Tok::kNeq:
      return Op::kNotEqual;
    case Tok::kLt:
      return Op::kLess;
    case Tok::kLte:
      return Op::kLessEqual;
    case Tok::kGt:
      return Op::kGreater;
    case Tok::kGte:
      return Op::kGreaterEqual;
    case Tok::kRe:
      return Op::kRegex;
    case Tok::kNre:
      return Op::kNotRegex;
    case Tok::kAdd:
      return Op::kAdd;
    case Tok::kSub:
      return Op::kSub;
    case Tok::kMul:
      return Op::kMult;
    case Tok::kDiv:
      return Op::kDiv;
    case Tok::kMod:
      return Op::kMod;
    case Tok::kPow:
      return Op::kPower;
    default:
      return Op::kNone;
  }
}

bool spanset_op(Tok t, SpansetOp* op) {
  switch (t) {
    case Tok::kAnd:
      *op = SpansetOp::kAnd;
      return true;
    case Tok::kOr:
      *op = SpansetOp::kOr;
      return true;
    case Tok::kGt:
      *op = SpansetOp::kChild;
      return true;
    case Tok::kLt:
      *op = SpansetOp::kParent;
      return true;
    case Tok::kDesc:
      *op = SpansetOp::kDescendant;
      return true;
    case Tok::kAnce:
      *op = SpansetOp::kAncestor;
      return true;
    case Tok::kSibl:
      *op = SpansetOp::kSibling;
      return true;
    case Tok::kNotChild:
      *op = SpansetOp::kNotChild;
      return true;
    case Tok::kNotParent:
      *op = SpansetOp::kNotParent;
      return true;
    case Tok::kNotDesc:
      *op = SpansetOp::kNotDescendant;
      return true;
    case Tok::kNotAnce:
      *op = SpansetOp::kNotAncestor;
      return true;
    case Tok::kNre:
      *op = SpansetOp::kNotSibling;
      return true;
    case Tok::kUnionChild:
      *op = SpansetOp::kUnionChild;
      return true;
    case Tok::kUnionParent:
      *op = SpansetOp::kUnionParent;
      return true;
    case Tok::kUnionDesc:
      *op = SpansetOp::kUnionDescendant;
      return true;
    case Tok::kUnionAnce:
      *op = SpansetOp::kUnionAncestor;
      return true;
    case Tok::kUnionSibl:
      *op = SpansetOp::kUnionSibling;
      return true;
    default:
      return false;
  }
}

bool is_arith(Tok t) {
  return t == Tok::kAdd || t == Tok::kSub || t == Tok::kMul || t == Tok::kDiv || t == Tok::kMod ||
         t == Tok::kPow;
}

bool is_comparison(Tok t) {
  return t == Tok::kEq || t == Tok::kNeq || t == Tok::kLt || t == Tok::kLte || t == Tok::kGt ||
         t == Tok::kGte;
}

bool is_metrics_fn(Tok t) {
  switch (t) {
    case Tok::kRate:
    case Tok::kCountOverTime:
    case Tok::kMinOverTime:
    case Tok::kMaxOverTime:
    case Tok::kAvgOverTime:
    case Tok::kSumOverTime:
    case Tok::kQuantileOverTime:
    case Tok::kHistogramOverTime:
    case Tok::kCompare:
      return true;
    default:
      return false;
  }
}

// The unscoped intrinsics (Tempo's intrinsicField).
bool bare_intrinsic(Tok t, Intrinsic* out) {
  switch (t) {
    case Tok::kIDuration:
      *out = Intrinsic::kDuration;
      return true;
    case Tok::kName:
      *out = Intrinsic::kName;
      return true;
    case Tok::kStatus:
      *out = Intrinsic::kStatus;
      return true;
    case Tok::kStatusMessage:
      *out = Intrinsic::kStatusMessage;
      return true;
    case Tok::kKind:
      *out = Intrinsic::kKind;
      return true;
    case Tok::kParent:
      *out = Intrinsic::kParent;
      return true;
    case Tok::kRootName:
      *out = Intrinsic::kTraceRootName;
      return true;
    case Tok::kRootServiceName:
      *out = Intrinsic::kTraceRootService;
      return true;
    case Tok::kTraceDuration:
      *out = Intrinsic::kTraceDuration;
      return true;
    case Tok::kNestedSetLeft:
      *out = Intrinsic::kNestedSetLeft;
      return true;
    case Tok::kNestedSetRight:
      *out = Intrinsic::kNestedSetRight;
      return true;
    case Tok::kNestedSetParent:
      *out = Intrinsic::kNestedSetParent;
      return true;
    default:
      return false;
  }
}

// `scope:word` intrinsics (Tempo's scopedIntrinsicField).
bool scoped_intrinsic(Tok scope, Tok word, Intrinsic* out) {
  struct Entry {
    Tok scope, word;
    Intrinsic intrinsic;
  };
  static constexpr Entry kTable[] = {
      {Tok::kTraceColon, Tok::kIDuration, Intrinsic::kTraceDuration},
      {Tok::kTraceColon, Tok::kRootName, Intrinsic::kTraceRootName},
      {Tok::kTraceColon, Tok::kRootService, Intrinsic::kTraceRootService},
      {Tok::kTraceColon, Tok::kId, Intrinsic::kTraceId},
      {Tok::kSpanColon, Tok::kIDuration, Intrinsic::kDuration},
      {Tok::kSpanColon, Tok::kName, Intrinsic::kName},
      {Tok::kSpanColon, Tok::kKind, Intrinsic::kKind},
      {Tok::kSpanColon, Tok::kStatus, Intrinsic::kStatus},
      {Tok::kSpanColon, Tok::kStatusMessage, Intrinsic::kStatusMessage},
      {Tok::kSpanColon, Tok::kId, Intrinsic::kSpanId},
      {Tok::kSpanColon, Tok::kParentIdWord, Intrinsic::kParentId},
      {Tok::kSpanColon, Tok::kChildCount, Intrinsic::kChildCount},
      {Tok::kEventColon, Tok::kName, Intrinsic::kEventName},
      {Tok::kEventColon, Tok::kTimeSinceStart, Intrinsic::kEventTimeSinceStart},
      {Tok::kLinkColon, Tok::kTraceIdWord, Intrinsic::kLinkTraceId},
      {Tok::kLinkColon, Tok::kSpanIdWord, Intrinsic::kLinkSpanId},
      {Tok::kInstrumentationColon, Tok::kName, Intrinsic::kInstrumentationName},
      {Tok::kInstrumentationColon, Tok::kVersion, Intrinsic::kInstrumentationVersion},
  };
  for (const Entry& e : kTable) {
    if (e.scope == scope && e.word == word) {
      *out = e.intrinsic;
      return true;
    }
  }
  return false;
}

bool is_scope_colon(Tok t) {
  return t == Tok::kTraceColon || t == Tok::kSpanColon || t == Tok::kEventColon ||
         t == Tok::kLinkColon || t == Tok::kInstrumentationColon;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : toks_(std::move(toks)) {}

  RootExpr parse_root() {
    RootExpr root;
    std::vector<Item> stages = parse_stages(/*root=*/true);
    root.pipeline = to_pipeline(std::move(stages));
    if (peek().kind == Tok::kPipe) {  // parse_stages stopped before `| <metrics function>`
      next();
      root.metrics = parse_metrics();
    }
    while (peek().kind == Tok::kWith) {
      // Tempo keeps only the last with(...).
      root.hints = parse_hints();
    }
    if (peek().kind != Tok::kEnd) fail_unexpected(peek());
    return root;
  }

 private:
  // ------------------------------------------------------------------ tokens and errors

  const Token& peek(size_t ahead = 0) const {
    size_t i = pos_ + ahead;
    return i < toks_.size() ? toks_[i] : toks_.back();
  }
  const Token& next() {
    const Token& t = peek();
    if (pos_ < toks_.size() - 1) ++pos_;
    return t;
  }

  [[noreturn]] static void fail(const Token& at, const std::string& msg) {
    throw ParseFailure{Status::invalid_argument("parse error at line " + std::to_string(at.line) +
                                                ", col " + std::to_string(at.col) + ": " + msg)};
  }
  [[noreturn]] static void fail_unexpected(const Token& t, std::string_view expecting = {}) {
    if (t.kind == Tok::kError) fail(t, t.text);  // a lexical error surfaces where it is met
    std::string msg = "syntax error: unexpected " + token_display(t);
    if (!expecting.empty()) {
      msg += ", expecting ";
      msg += expecting;
    }
    fail(t, msg);
  }
  const Token& expect(Tok kind, std::string_view spelling) {
    if (peek().kind != kind) fail_unexpected(peek(), spelling);
    return next();
  }

  // Guards recursion: every level of parentheses, braces or unary operators passes here.
  struct DepthGuard {
    DepthGuard(Parser* p, const Token& at) : p(p) {
      if (++p->depth_ > kMaxDepth) {
        fail(at, "query is nested too deeply (more than " + std::to_string(kMaxDepth) + " levels)");
      }
    }
    ~DepthGuard() { --p->depth_; }
    Parser* p;
  };
  // Guards tree depth: long operator chains build deep trees without deep recursion.
  static int combine_depth(int a, int b, const Token& at) {
    int d = 1 + std::max(a, b);
    if (d > kMaxDepth) {
      fail(at, "query is nested too deeply (more than " + std::to_string(kMaxDepth) + " levels)");
    }
    return d;
  }

  // ------------------------------------------------------------------ pipelines

  // stage ( `|` stage )*. At the root, stops before `| <metrics function>`.
  std::vector<Item> parse_stages(bool root) {
    std::vector<Item> stages;
    while (true) {
      if (stages.empty() && peek().kind == Tok::kCoalesce) fail_unexpected(peek());
      Item it = parse_stage(1);
      const bool scalar = it.kind == Kind::kScalar || it.kind == Kind::kScalarPipeline;
      if (scalar) {
        // A scalar is a stage only as the whole content of parentheses (`(count() + 1)`), or
        // as the closing aggregate of a parenthesised pipeline (`({ .a } | count())`).
        const bool closes = !root && peek().kind == Tok::kCloseParen;
        const bool ok =
            closes && (stages.empty() || (it.kind == Kind::kScalar && it.bare_aggregate));
        if (!ok) fail_unexpected(peek());
      }
      stages.push_back(std::move(it));
      if (peek().kind != Tok::kPipe) break;
      if (root && is_metrics_fn(peek(1).kind)) break;
      next();
    }
    return stages;
  }

  static Pipeline to_pipeline(std::vector<Item> stages) {
    Pipeline p;
    p.elements.reserve(stages.size());
    for (Item& it : stages) {
      if (it.kind == Kind::kScalar) {
        p.elements.emplace_back(std::move(std::get<Aggregate>(it.scalar->node)));
      } else {
        p.elements.push_back(std::move(*it.elem));
      }
    }
    return p;
  }

  // One stage: precedence climbing over operands of mixed kinds.
  Item parse_stage(int min_prec) {
    DepthGuard guard(this, peek());
    Item lhs = parse_stage_operand();
    while (true) {
      const Token& op_tok = peek();
      const int prec = stage_prec(op_tok.kind);
      if (prec == 0 || prec < min_prec) break;

      SpansetOp sop;
      if (lhs.kind == Kind::kSpanset && spanset_op(op_tok.kind, &sop)) {
        const Token& op = next();
        Item rhs = parse_stage(prec + 1);
        if (rhs.kind != Kind::kSpanset) fail_unexpected(toks_[rhs.start], "{ or (");
        Item out;
        out.kind = Kind::kSpanset;
        out.start = lhs.start;
        out.depth = combine_depth(lhs.depth, rhs.depth, op);
        SpansetOperation so;
        so.op = sop;
        so.lhs = std::move(lhs.elem);
        so.rhs = std::move(rhs.elem);
        out.elem = std::make_unique<PipelineElement>(std::move(so));
        lhs = std::move(out);
        continue;
      }
      const bool scalar = lhs.kind == Kind::kScalar || lhs.kind == Kind::kScalarPipeline;
      if (scalar && is_arith(op_tok.kind)) {
        const Token& op = next();
        Item rhs = parse_stage(op.kind == Tok::kPow ? prec : prec + 1);
        if (rhs.kind != lhs.kind) fail_unexpected(toks_[rhs.start]);
        Item out;
        out.kind = lhs.kind;
        out.start = lhs.start;
        out.depth = combine_depth(lhs.depth, rhs.depth, op);
        ScalarOp so;
        so.op = field_op(op.kind);
        so.lhs = std::move(lhs.scalar);
        so.rhs = std::move(rhs.scalar);
        out.scalar = std::make_unique<ScalarExpr>(std::move(so));
        lhs = std::move(out);
        continue;
      }
      if (scalar && is_comparison(op_tok.kind)) {
        const Token& op = next();
        ScalarFilter f;
        f.op = field_op(op.kind);
        int rhs_depth = 0;
        if (lhs.kind == Kind::kScalarPipeline && is_static_token(peek().kind)) {
          // Tempo: `(pipeline | aggregate) > <any literal>`.
          f.rhs = ScalarExpr(parse_static());
        } else {
          Item rhs = parse_stage(prec + 1);
          if (rhs.kind != lhs.kind) fail_unexpected(toks_[rhs.start]);
          rhs_depth = rhs.depth;
          f.rhs = std::move(*rhs.scalar);
        }
        f.lhs = std::move(*lhs.scalar);
        Item out;
        out.kind = Kind::kStage;
        out.start = lhs.start;
        out.depth = combine_depth(lhs.depth, rhs_depth, op);
        out.elem = std::make_unique<PipelineElement>(std::move(f));
        lhs = std::move(out);
        continue;
      }
      fail_unexpected(op_tok);
    }
    return lhs;
  }

  Item parse_stage_operand() {
    const size_t start = pos_;
    const Token& t = peek();
    Item it;
    it.start = start;
    switch (t.kind) {
      case Tok::kOpenBrace:
        it.kind = Kind::kSpanset;
        it.elem = std::make_unique<PipelineElement>(parse_spanset_filter(&it.depth));
        return it;
      case Tok::kOpenParen:
        return parse_paren();
      case Tok::kCount:
      case Tok::kAvg:
      case Tok::kMin:
      case Tok::kMax:
      case Tok::kSum:
        it.kind = Kind::kScalar;
        it.bare_aggregate = true;
        it.scalar = std::make_unique<ScalarExpr>(parse_aggregate(&it.depth));
        return it;
      case Tok::kInteger:
      case Tok::kFloat:
      case Tok::kDuration:
        it.kind = Kind::kScalar;
        it.scalar = std::make_unique<ScalarExpr>(parse_static());
        return it;
      case Tok::kSub: {
        // Only a literal can be negated in scalar position (Tempo: SUB INTEGER etc.).
        next();
        const Token& lit = peek();
        if (lit.kind != Tok::kInteger && lit.kind != Tok::kFloat && lit.kind != Tok::kDuration) {
          fail_unexpected(lit);
        }
        Static s = parse_static();
        if (s.type == StaticType::kFloat) {
          s.f = -s.f;
        } else {
          s.i = -s.i;
        }
        it.kind = Kind::kScalar;
        it.scalar = std::make_unique<ScalarExpr>(std::move(s));
        return it;
      }
      case Tok::kBy: {
        next();
        expect(Tok::kOpenParen, "(");
        FE e = parse_field(1);
        expect(Tok::kCloseParen, ")");
        it.kind = Kind::kStage;
        it.depth = e.depth + 1;
        it.elem = std::make_unique<PipelineElement>(GroupBy{std::move(e.e)});
        return it;
      }
      case Tok::kCoalesce:
        next();
        expect(Tok::kOpenParen, "(");
        expect(Tok::kCloseParen, ")");
        it.kind = Kind::kStage;
        it.elem = std::make_unique<PipelineElement>(Coalesce{});
        return it;
      case Tok::kSelect: {
        next();
        expect(Tok::kOpenParen, "(");
        Select s;
        s.attrs = parse_attribute_list();
        expect(Tok::kCloseParen, ")");
        it.kind = Kind::kStage;
        it.elem = std::make_unique<PipelineElement>(std::move(s));
        return it;
      }
      default:
        fail_unexpected(t);
    }
  }

  // `( ... )` at stage level: a full pipeline inside, classified by what it holds.
  Item parse_paren() {
    const size_t start = pos_;
    next();  // (
    std::vector<Item> stages = parse_stages(/*root=*/false);
    expect(Tok::kCloseParen, ")");
    if (stages.size() == 1) {
      Item it = std::move(stages[0]);
      it.start = start;
      if (it.kind != Kind::kStage) return it;  // parentheses only group
      Item out;
      out.kind = Kind::kSpanset;
      out.start = start;
      out.depth = it.depth + 1;
      Pipeline p;
      p.elements.push_back(std::move(*it.elem));
      out.elem = std::make_unique<PipelineElement>(std::move(p));
      return out;
    }
    int depth = 0;
    for (const Item& s : stages) depth = std::max(depth, s.depth);
    Item out;
    out.start = start;
    out.depth = combine_depth(depth, 0, toks_[start]);
    const bool scalar = stages.back().kind == Kind::kScalar;
    Pipeline p = to_pipeline(std::move(stages));
    if (scalar) {
      out.kind = Kind::kScalarPipeline;
      out.scalar = std::make_unique<ScalarExpr>(std::move(p));
    } else {
      out.kind = Kind::kSpanset;
      out.elem = std::make_unique<PipelineElement>(std::move(p));
    }
    return out;
  }

  SpansetFilter parse_spanset_filter(int* depth) {
    DepthGuard guard(this, peek());
    next();  // {
    if (peek().kind == Tok::kCloseBrace) {
      next();
      *depth = 1;
      return SpansetFilter{FieldExpr(Static::boolean(true))};
    }
    FE e = parse_field(1);
    expect(Tok::kCloseBrace, "}");
    *depth = e.depth + 1;
    return SpansetFilter{std::move(e.e)};
  }

  Aggregate parse_aggregate(int* depth) {
    const Token& t = next();
    Aggregate a;
    expect(Tok::kOpenParen, "(");
    *depth = 1;
    switch (t.kind) {
      case Tok::kCount:
        a.kind = Aggregate::Kind::kCount;
        expect(Tok::kCloseParen, ")");
        return a;
      case Tok::kAvg:
        a.kind = Aggregate::Kind::kAvg;
        break;
      case Tok::kMin:
        a.kind = Aggregate::Kind::kMin;
        break;
      case Tok::kMax:
        a.kind = Aggregate::Kind::kMax;
        break;
      default:
        a.kind = Aggregate::Kind::kSum;
        break;
    }
    FE e = parse_field(1);
    expect(Tok::kCloseParen, ")");
    *depth = e.depth + 1;
    a.expr = std::move(e.e);
    return a;
  }

  // ------------------------------------------------------------------ field expressions

  FE parse_field(int min_prec) {
    DepthGuard guard(this, peek());
    FE lhs = parse_field_unary();
    while (true) {
      const Token& op_tok = peek();
      const int prec = field_prec(op_tok.kind);
      if (prec == 0 || prec < min_prec) break;
      const Token& op = next();
      if ((op.kind == Tok::kEq || op.kind == Tok::kNeq) && peek().kind == Tok::kNil) {
        // `x = nil` / `x != nil` test presence (Tempo's OpNotExists / OpExists).
        next();
        lhs.depth = combine_depth(lhs.depth, 0, op);
        lhs.e = make_unary(op.kind == Tok::kEq ? Op::kNotExists : Op::kExists, std::move(lhs.e));
        continue;
      }
      FE rhs = parse_field(op.kind == Tok::kPow ? prec : prec + 1);
      lhs.depth = combine_depth(lhs.depth, rhs.depth, op);
      lhs.e = make_binary(field_op(op.kind), std::move(lhs.e), std::move(rhs.e));
    }
    return lhs;
  }

  FE parse_field_unary() {
    const Token& t = peek();
    if (t.kind == Tok::kSub || t.kind == Tok::kNot) {
      const Token& op = next();
      // The operand takes every operator binding tighter than unary ! (* / % ^).
      FE operand = parse_field(5);
      if (op.kind == Tok::kSub) {
        // A negated numeric literal is a negative literal, as in Tempo.
        if (const Static* s = operand.e.as_static()) {
          if (s->type == StaticType::kFloat) return FE{FieldExpr(Static::floating(-s->f)), 0};
          if ((s->type == StaticType::kInt || s->type == StaticType::kDuration) &&
              s->i != std::numeric_limits<int64_t>::min()) {
            Static neg = *s;
            neg.i = -neg.i;
            return FE{FieldExpr(std::move(neg)), 0};
          }
        }
      }
      FE out;
      out.depth = combine_depth(operand.depth, 0, op);
      out.e = make_unary(op.kind == Tok::kSub ? Op::kNeg : Op::kNot, std::move(operand.e));
      return out;
    }
    return parse_field_primary();
  }

  FE parse_field_primary() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::kOpenParen: {
        next();
        FE e = parse_field(1);
        expect(Tok::kCloseParen, ")");
        return e;
      }
      case Tok::kNil: {
        // `nil = x` / `nil != x`; `nil = nil` and `nil != nil` are false, as in Tempo.
        next();
        const Token& op = peek();
        if (op.kind != Tok::kEq && op.kind != Tok::kNeq) fail_unexpected(op, "= or !=");
        const Token& op_copy = next();
        if (peek().kind == Tok::kNil) {
          next();
          return FE{FieldExpr(Static::boolean(false)), 0};
        }
        FE operand = parse_field(3);
        FE out;
        out.depth = combine_depth(operand.depth, 0, op_copy);
        out.e = make_unary(op_copy.kind == Tok::kEq ? Op::kNotExists : Op::kExists,
                           std::move(operand.e));
        return out;
      }
      default:
        break;
    }
    if (is_static_token(t.kind)) return FE{FieldExpr(parse_static()), 0};
    Attribute a;
    if (try_parse_attribute(&a)) return FE{FieldExpr(std::move(a)), 0};
    fail_unexpected(t);
  }

  static bool is_static_token(Tok t) {
    switch (t) {
      case Tok::kString:
      case Tok::kInteger:
      case Tok::kFloat:
      case Tok::kDuration:
      case Tok::kTrue:
      case Tok::kFalse:
      case Tok::kStatusOk:
      case Tok::kStatusError:
      case Tok::kStatusUnset:
      case Tok::kKindUnspecified:
      case Tok::kKindInternal:
      case Tok::kKindServer:
      case Tok::kKindClient:
      case Tok::kKindProducer:
      case Tok::kKindConsumer:
      case Tok::kIdentifier:
        return true;
      default:
        return false;
    }
  }

  // Tempo's `static`: one literal token. Bare identifiers are only minInt / maxInt.
  Static parse_static() {
    const Token& t = next();
    switch (t.kind) {
      case Tok::kString:
        return Static::string(t.text);
      case Tok::kInteger:
        return Static::integer(t.i);
      case Tok::kFloat:
        return Static::floating(t.f);
      case Tok::kDuration:
        return Static::duration_ns(t.i);
      case Tok::kTrue:
        return Static::boolean(true);
      case Tok::kFalse:
        return Static::boolean(false);
      case Tok::kStatusOk:
        return Static::status(StatusValue::kOk);
      case Tok::kStatusError:
        return Static::status(StatusValue::kError);
      case Tok::kStatusUnset:
        return Static::status(StatusValue::kUnset);
      case Tok::kKindUnspecified:
        return Static::kind(KindValue::kUnspecified);
      case Tok::kKindInternal:
        return Static::kind(KindValue::kInternal);
      case Tok::kKindServer:
        return Static::kind(KindValue::kServer);
      case Tok::kKindClient:
        return Static::kind(KindValue::kClient);
      case Tok::kKindProducer:
        return Static::kind(KindValue::kProducer);
      case Tok::kKindConsumer:
        return Static::kind(KindValue::kConsumer);
      case Tok::kIdentifier:
        if (t.text == "minInt") return Static::integer(std::numeric_limits<int64_t>::min());
        if (t.text == "maxInt") return Static::integer(std::numeric_limits<int64_t>::max());
        fail(t, "unknown identifier: " + t.text);
      default:
        fail_unexpected(t);
    }
  }

  // An attribute, bare intrinsic or scoped intrinsic at the current token, if there is one.
  bool try_parse_attribute(Attribute* out) {
    const Token& t = peek();
    Intrinsic in;
    if (t.kind == Tok::kAttribute) {
      if (t.text.empty()) {
        fail(t, "syntax error: unexpected end of attribute, expecting attribute name after " +
                    token_display(t));
      }
      *out = Attribute::scoped(t.scope, t.text, t.parent);
      next();
      return true;
    }
    if (bare_intrinsic(t.kind, &in)) {
      next();
      *out = Attribute::of_intrinsic(in);
      return true;
    }
    if (is_scope_colon(t.kind)) {
      const Token& scope = next();
      if (!scoped_intrinsic(scope.kind, peek().kind, &in)) fail_unexpected(peek());
      next();
      *out = Attribute::of_intrinsic(in);
      return true;
    }
    return false;
  }

  Attribute parse_attribute() {
    Attribute a;
    if (!try_parse_attribute(&a)) fail_unexpected(peek());
    return a;
  }

  std::vector<Attribute> parse_attribute_list() {
    std::vector<Attribute> out;
    out.push_back(parse_attribute());
    while (peek().kind == Tok::kComma) {
      next();
      out.push_back(parse_attribute());
    }
    return out;
  }

  // ------------------------------------------------------------------ metrics and hints

  MetricsPipeline parse_metrics() {
    MetricsPipeline m;
    MetricsAggregate& a = m.aggregate;
    const Token& fn = next();
    expect(Tok::kOpenParen, "(");
    switch (fn.kind) {
      case Tok::kRate:
        a.kind = MetricsAggregate::Kind::kRate;
        break;
      case Tok::kCountOverTime:
        a.kind = MetricsAggregate::Kind::kCountOverTime;
        break;
      case Tok::kMinOverTime:
        a.kind = MetricsAggregate::Kind::kMinOverTime;
        a.attr = parse_attribute();
        break;
      case Tok::kMaxOverTime:
        a.kind = MetricsAggregate::Kind::kMaxOverTime;
        a.attr = parse_attribute();
        break;
      case Tok::kAvgOverTime:
        a.kind = MetricsAggregate::Kind::kAvgOverTime;
        a.attr = parse_attribute();
        break;
      case Tok::kSumOverTime:
        a.kind = MetricsAggregate::Kind::kSumOverTime;
        a.attr = parse_attribute();
        break;
      case Tok::kHistogramOverTime:
        a.kind = MetricsAggregate::Kind::kHistogramOverTime;
        a.attr = parse_attribute();
        break;
      case Tok::kQuantileOverTime:
        a.kind = MetricsAggregate::Kind::kQuantileOverTime;
        a.attr = parse_attribute();
        expect(Tok::kComma, ",");
        a.quantiles.push_back(parse_plain_number());
        while (peek().kind == Tok::kComma) {
          next();
          a.quantiles.push_back(parse_plain_number());
        }
        break;
      default: {  // compare({filter}[, topN[, start, end]])
        a.kind = MetricsAggregate::Kind::kCompare;
        if (peek().kind != Tok::kOpenBrace) fail_unexpected(peek(), "{");
        int depth = 0;
        a.compare_selection = parse_spanset_filter(&depth);
        if (peek().kind == Tok::kComma) {
          next();
          a.compare_top_n = expect(Tok::kInteger, "INTEGER").i;
          if (peek().kind == Tok::kComma) {
            next();
            a.compare_start = expect(Tok::kInteger, "INTEGER").i;
            expect(Tok::kComma, ",");
            a.compare_end = expect(Tok::kInteger, "INTEGER").i;
          }
        }
        break;
      }
    }
    expect(Tok::kCloseParen, ")");
    if (a.kind != MetricsAggregate::Kind::kCompare && peek().kind == Tok::kBy) {
      next();
      expect(Tok::kOpenParen, "(");
      a.by = parse_attribute_list();
      expect(Tok::kCloseParen, ")");
    }
    // Second stage: `| topk(n)`, `| bottomk(n)` and bare comparisons (`> 10`), in any order.
    while (true) {
      if (peek().kind == Tok::kPipe) {
        next();
        const Token& fn2 = peek();
        if (fn2.kind != Tok::kTopK && fn2.kind != Tok::kBottomK) fail_unexpected(fn2);
        next();
        MetricsSecondStage s;
        s.kind = fn2.kind == Tok::kTopK ? MetricsSecondStage::Kind::kTopK
                                        : MetricsSecondStage::Kind::kBottomK;
        expect(Tok::kOpenParen, "(");
        s.limit = expect(Tok::kInteger, "INTEGER").i;
        expect(Tok::kCloseParen, ")");
        m.second_stage.push_back(s);
      } else if (is_comparison(peek().kind)) {
        MetricsSecondStage s;
        s.kind = MetricsSecondStage::Kind::kFilter;
        s.op = field_op(next().kind);
        bool neg = false;
        if (peek().kind == Tok::kSub) {
          next();
          neg = true;
        }
        const Token& v = peek();
        if (v.kind == Tok::kInteger) {
          s.value = static_cast<double>(v.i);
        } else if (v.kind == Tok::kFloat) {
          s.value = v.f;
        } else if (v.kind == Tok::kDuration) {
          s.value = static_cast<double>(v.i) / 1e9;  // seconds, as Tempo
        } else {
          fail_unexpected(v);
        }
        next();
        if (neg) s.value = -s.value;
        m.second_stage.push_back(s);
      } else {
        break;
      }
    }
    return m;
  }

  double parse_plain_number() {
    const Token& t = peek();
    if (t.kind == Tok::kInteger) {
      next();
      return static_cast<double>(t.i);
    }
    if (t.kind == Tok::kFloat) {
      next();
      return t.f;
    }
    fail_unexpected(t);
  }

  Hints parse_hints() {
    next();  // with
    expect(Tok::kOpenParen, "(");
    Hints h;
    while (true) {
      const Token& key = peek();
      if (key.kind != Tok::kIdentifier) fail_unexpected(key, "IDENTIFIER");
      std::string name = next().text;
      expect(Tok::kEq, "=");
      if (!is_static_token(peek().kind)) fail_unexpected(peek());
      h.entries.emplace_back(std::move(name), parse_static());
      if (peek().kind != Tok::kComma) break;
      next();
    }
    expect(Tok::kCloseParen, ")");
    return h;
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Status parse_syntax(std::string_view query, RootExpr* out) {
  *out = RootExpr{};
  if (query.size() > kMaxQueryBytes) {
    return Status::invalid_argument("parse error : query is longer than " +
                                    std::to_string(kMaxQueryBytes) + " bytes");
  }
  try {
    Parser p(lex(query, query.size() + 2));
    *out = p.parse_root();
    return Status::ok();
  } catch (const ParseFailure& f) {
    return f.status;
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted("parse error : out of memory");
  }
}

Status parse(std::string_view query, RootExpr* out) {
  *out = RootExpr{};
  RootExpr root;
  TEMPO_RETURN_IF_ERROR(parse_syntax(query, &root));
  TEMPO_RETURN_IF_ERROR(validate(root));
  *out = std::move(root);
  return Status::ok();
}

}  // namespace tempo::traceql
