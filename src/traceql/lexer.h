#pragma once
// TraceQL tokens. The lexer follows Tempo's (pkg/traceql/lexer.go, itself Go's text/scanner):
// Go-style strings and comments, numbers immediately followed by a unit become durations, and
// after a scope prefix (`.`, `span.`, `parent.`, ...) everything up to a delimiter is the
// attribute name. Tokenising does not depend on the parser, so the whole query is lexed up front.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/traceql/ast.h"

namespace tempo::traceql {

enum class Tok {
  kEnd,
  kError,  // text holds the message; always the last token
  kIdentifier,
  kString,
  kInteger,
  kFloat,
  kDuration,
  kAttribute,  // scope + name (+ parent); name may be empty (a syntax error when used)
  // punctuation and operators
  kComma,
  kOpenBrace,
  kCloseBrace,
  kOpenParen,
  kCloseParen,
  kEq,
  kNeq,
  kRe,
  kNre,
  kGt,
  kGte,
  kLt,
  kLte,
  kAdd,
  kSub,
  kDiv,
  kMod,
  kMul,
  kPow,
  kAnd,
  kOr,
  kNot,
  kPipe,
  kDesc,
  kAnce,
  kSibl,
  kNotChild,
  kNotParent,
  kNotDesc,
  kNotAnce,
  kUnionSibl,
  kUnionChild,
  kUnionParent,
  kUnionDesc,
  kUnionAnce,
  // literals
  kTrue,
  kFalse,
  kNil,
  kStatusOk,
  kStatusError,
  kStatusUnset,
  kKindUnspecified,
  kKindInternal,
  kKindServer,
  kKindClient,
  kKindProducer,
  kKindConsumer,
  // intrinsic words (alone, or after a `scope:` prefix)
  kIDuration,
  kChildCount,
  kName,
  kStatus,
  kStatusMessage,
  kKind,
  kRootName,
  kRootServiceName,
  kRootService,
  kTraceDuration,
  kNestedSetLeft,
  kNestedSetRight,
  kNestedSetParent,
  kId,
  kTraceIdWord,
  kSpanIdWord,
  kParentIdWord,
  kTimeSinceStart,
  kVersion,
  kParent,
  // scoped-intrinsic prefixes
  kTraceColon,
  kSpanColon,
  kEventColon,
  kLinkColon,
  kInstrumentationColon,
  // functions and keywords
  kCount,
  kAvg,
  kMax,
  kMin,
  kSum,
  kBy,
  kCoalesce,
  kSelect,
  kRate,
  kCountOverTime,
  kMinOverTime,
  kMaxOverTime,
  kAvgOverTime,
  kSumOverTime,
  kQuantileOverTime,
  kHistogramOverTime,
  kCompare,
  kTopK,
  kBottomK,
  kWith,
};

struct Token {
  Tok kind = Tok::kEnd;
  int line = 1;      // 1-based
  int col = 1;       // 1-based, in characters (as Go's scanner counts)
  std::string text;  // identifier / unescaped string / attribute name / error message
  int64_t i = 0;     // kInteger; kDuration in ns
  double f = 0;      // kFloat
  AttributeScope scope = AttributeScope::kNone;  // kAttribute
  bool parent = false;                           // kAttribute
};

// How a token is named in "unexpected X" messages: its spelling for keywords and operators
// (as Tempo's parser prints them), a class name for literals, `$end` for the end.
std::string token_display(const Token& t);

// Lexes the whole query. Stops at the first lexical error, which becomes a trailing kError
// token; otherwise the last token is kEnd. At most `max_tokens` tokens are produced (then a
// kError), which bounds memory on hostile input.
std::vector<Token> lex(std::string_view query, size_t max_tokens);

// Go's time.ParseDuration and Prometheus' model.ParseDuration, tried in Tempo's order.
// Returns false if `text` is neither.
bool parse_duration(std::string_view text, int64_t* ns);

}  // namespace tempo::traceql
