#include "traceql/lexer.h"

#include <cctype>
#include <charconv>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

namespace tempo::traceql {
namespace {

struct Word {
  std::string_view text;
  Tok tok;
};

// Every fixed spelling the lexer knows, as in Tempo's tokenMap.
constexpr Word kWords[] = {
    {",", Tok::kComma},
    {"{", Tok::kOpenBrace},
    {"}", Tok::kCloseBrace},
    {"(", Tok::kOpenParen},
    {")", Tok::kCloseParen},
    {"=", Tok::kEq},
    {"!=", Tok::kNeq},
    {"=~", Tok::kRe},
    {"!~", Tok::kNre},
    {">", Tok::kGt},
    {">=", Tok::kGte},
    {"<", Tok::kLt},
    {"<=", Tok::kLte},
    {"+", Tok::kAdd},
    {"-", Tok::kSub},
    {"/", Tok::kDiv},
    {"%", Tok::kMod},
    {"*", Tok::kMul},
    {"^", Tok::kPow},
    {"&&", Tok::kAnd},
    {"||", Tok::kOr},
    {"!", Tok::kNot},
    {"|", Tok::kPipe},
    {">>", Tok::kDesc},
    {"<<", Tok::kAnce},
    {"~", Tok::kSibl},
    {"!>", Tok::kNotChild},
    {"!<", Tok::kNotParent},
    {"!>>", Tok::kNotDesc},
    {"!<<", Tok::kNotAnce},
    {"&~", Tok::kUnionSibl},
    {"&>", Tok::kUnionChild},
    {"&<", Tok::kUnionParent},
    {"&>>", Tok::kUnionDesc},
    {"&<<", Tok::kUnionAnce},
    {"true", Tok::kTrue},
    {"false", Tok::kFalse},
    {"nil", Tok::kNil},
    {"ok", Tok::kStatusOk},
    {"error", Tok::kStatusError},
    {"unset", Tok::kStatusUnset},
    {"unspecified", Tok::kKindUnspecified},
    {"internal", Tok::kKindInternal},
    {"server", Tok::kKindServer},
    {"client", Tok::kKindClient},
    {"producer", Tok::kKindProducer},
    {"consumer", Tok::kKindConsumer},
    {"duration", Tok::kIDuration},
    {"childCount", Tok::kChildCount},
    {"name", Tok::kName},
    {"status", Tok::kStatus},
    {"statusMessage", Tok::kStatusMessage},
    {"kind", Tok::kKind},
    {"rootName", Tok::kRootName},
    {"rootServiceName", Tok::kRootServiceName},
    {"rootService", Tok::kRootService},
    {"traceDuration", Tok::kTraceDuration},
    {"nestedSetLeft", Tok::kNestedSetLeft},
    {"nestedSetRight", Tok::kNestedSetRight},
    {"nestedSetParent", Tok::kNestedSetParent},
    {"id", Tok::kId},
    {"traceID", Tok::kTraceIdWord},
    {"spanID", Tok::kSpanIdWord},
    {"parentID", Tok::kParentIdWord},
    {"timeSinceStart", Tok::kTimeSinceStart},
    {"version", Tok::kVersion},
    {"parent", Tok::kParent},
    {"trace:", Tok::kTraceColon},
    {"span:", Tok::kSpanColon},
    {"event:", Tok::kEventColon},
    {"link:", Tok::kLinkColon},
    {"instrumentation:", Tok::kInstrumentationColon},
    {"count", Tok::kCount},
    {"avg", Tok::kAvg},
    {"max", Tok::kMax},
    {"min", Tok::kMin},
    {"sum", Tok::kSum},
    {"by", Tok::kBy},
    {"coalesce", Tok::kCoalesce},
    {"select", Tok::kSelect},
    {"rate", Tok::kRate},
    {"count_over_time", Tok::kCountOverTime},
    {"min_over_time", Tok::kMinOverTime},
    {"max_over_time", Tok::kMaxOverTime},
    {"avg_over_time", Tok::kAvgOverTime},
    {"sum_over_time", Tok::kSumOverTime},
    {"quantile_over_time", Tok::kQuantileOverTime},
    {"histogram_over_time", Tok::kHistogramOverTime},
    {"compare", Tok::kCompare},
    {"topk", Tok::kTopK},
    {"bottomk", Tok::kBottomK},
    {"with", Tok::kWith},
};

std::optional<Tok> lookup_word(std::string_view s) {
  for (const Word& w : kWords) {
    if (w.text == s) return w.tok;
  }
  return std::nullopt;
}

// Attribute-scope prefixes: a word followed by '.' that starts an attribute name.
struct ScopePrefix {
  std::string_view word;
  AttributeScope scope;
  bool parent;
};
constexpr ScopePrefix kScopePrefixes[] = {
    {"span", AttributeScope::kSpan, false},
    {"resource", AttributeScope::kResource, false},
    {"event", AttributeScope::kEvent, false},
    {"link", AttributeScope::kLink, false},
    {"instrumentation", AttributeScope::kInstrumentation, false},
    {"parent", AttributeScope::kNone, true},
};

// Length of the UTF-8 sequence starting at s[0], or 0 if it is not valid UTF-8.
size_t utf8_len(std::string_view s) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (s.size() < n) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  // Reject overlong forms, surrogates and values past U+10FFFF, as Go's decoder does.
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    return 0;
  }
  return n;
}

uint32_t decode_rune(std::string_view s, size_t n) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (n == 1) return b0;
  uint32_t cp = b0 & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[k]) & 0x3F);
  return cp;
}

// Go's unicode.IsSpace.
bool is_unicode_space(uint32_t r) {
  switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

// Tempo's isAttributeRune: everything but whitespace and the characters that can end an
// attribute in an expression.
bool is_attribute_rune(uint32_t r) {
  if (is_unicode_space(r)) return false;
  switch (r) {
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
      return false;
    default:
      return true;
  }
}

bool is_digit(uint32_t r) { return r >= '0' && r <= '9'; }
bool is_ident_start(uint32_t r) {
  return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r == '_' || r >= 0x80;
}
bool is_ident_char(uint32_t r) { return is_ident_start(r) || is_digit(r); }

constexpr uint32_t kMicroSign = 0xB5;  // µ
constexpr uint32_t kGreekMu = 0x3BC;   // μ

bool is_duration_rune(uint32_t r) {
  switch (r) {
    case 'n':
    case 's':
    case 'u':
    case 'm':
    case 'h':
    case kMicroSign:
    case 'd':
    case 'w':
    case 'y':
      return true;
    default:
      return false;
  }
}

constexpr uint64_t kMaxDurationMagnitude = uint64_t{1} << 63;

// Go's time.ParseDuration (without a sign; the lexer never sees one).
bool go_parse_duration(std::string_view s, int64_t* out) {
  if (s == "0") {
    *out = 0;
    return true;
  }
  if (s.empty()) return false;
  uint64_t d = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || (s[0] >= '0' && s[0] <= '9'))) return false;
    uint64_t v = 0;
    size_t k = 0;
    for (; k < s.size() && s[k] >= '0' && s[k] <= '9'; ++k) {
      if (v > (kMaxDurationMagnitude - 1) / 10) return false;
      v = v * 10 + static_cast<uint64_t>(s[k] - '0');
      if (v > kMaxDurationMagnitude - 1) return false;
    }
    bool pre = k > 0;
    s.remove_prefix(k);
    uint64_t frac = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      size_t j = 0;
      bool overflow = false;
      for (; j < s.size() && s[j] >= '0' && s[j] <= '9'; ++j) {
        if (overflow) continue;
        if (frac > (std::numeric_limits<int64_t>::max() - 9) / 10) {
          overflow = true;  // Go stops accumulating precision, keeps consuming digits
          continue;
        }
        frac = frac * 10 + static_cast<uint64_t>(s[j] - '0');
        scale *= 10;
      }
      post = j > 0;
      s.remove_prefix(j);
    }
    if (!pre && !post) return false;
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !(s[u] >= '0' && s[u] <= '9')) ++u;
    if (u == 0) return false;
    std::string_view unit_text = s.substr(0, u);
    s.remove_prefix(u);
    uint64_t unit;
    if (unit_text == "ns") {
      unit = 1;
    } else if (unit_text == "us" || unit_text == "\xC2\xB5s" || unit_text == "\xCE\xBCs") {
      unit = 1000;
    } else if (unit_text == "ms") {
      unit = 1000000;
    } else if (unit_text == "s") {
      unit = 1000000000ull;
    } else if (unit_text == "m") {
      unit = 60ull * 1000000000ull;
    } else if (unit_text == "h") {
      unit = 3600ull * 1000000000ull;
    } else {
      return false;
    }
    if (v > kMaxDurationMagnitude / unit) return false;
    v *= unit;
    if (frac > 0) {
      v += static_cast<uint64_t>(static_cast<double>(frac) * (static_cast<double>(unit) / scale));
      if (v > kMaxDurationMagnitude) return false;
    }
    d += v;
    if (d > kMaxDurationMagnitude) return false;
  }
  if (d > kMaxDurationMagnitude - 1) return false;
  *out = static_cast<int64_t>(d);
  return true;
}

// Prometheus' model.ParseDuration: integer amounts of y w d h m s ms, largest unit first,
// each unit at most once.
bool prom_parse_duration(std::string_view s, int64_t* out) {
  if (s == "0") {
    *out = 0;
    return true;
  }
  if (s.empty()) return false;
  struct Unit {
    std::string_view name;
    uint64_t mult;
  };
  static constexpr uint64_t kSec = 1000000000ull;
  static constexpr Unit kUnits[] = {
      {"y", 365 * 24 * 3600 * kSec},
      {"w", 7 * 24 * 3600 * kSec},
      {"d", 24 * 3600 * kSec},
      {"h", 3600 * kSec},
      {"m", 60 * kSec},
      {"s", kSec},
      {"ms", 1000000ull},
  };
  uint64_t d = 0;
  int last = -1;
  while (!s.empty()) {
    if (!(s[0] >= '0' && s[0] <= '9')) return false;
    uint64_t v = 0;
    size_t k = 0;
    for (; k < s.size() && s[k] >= '0' && s[k] <= '9'; ++k) {
      if (v > (std::numeric_limits<uint64_t>::max() - 9) / 10) return false;
      v = v * 10 + static_cast<uint64_t>(s[k] - '0');
    }
    s.remove_prefix(k);
    size_t u = 0;
    while (u < s.size() && !(s[u] >= '0' && s[u] <= '9')) ++u;
    if (u == 0) return false;
    std::string_view unit_text = s.substr(0, u);
    s.remove_prefix(u);
    int idx = -1;
    for (int j = 0; j < static_cast<int>(std::size(kUnits)); ++j) {
      if (kUnits[j].name == unit_text) idx = j;
    }
    if (idx < 0 || idx <= last) return false;
    last = idx;
    if (v > kMaxDurationMagnitude / kUnits[idx].mult) return false;
    d += v * kUnits[idx].mult;
    if (d > kMaxDurationMagnitude - 1) return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

class Lexer {
 public:
  Lexer(std::string_view src, size_t max_tokens) : src_(src), max_tokens_(max_tokens) {
    // Go's scanner rejects invalid UTF-8 and NUL wherever it meets them. Lexing stops at the
    // first such byte; reaching it is reported as that error rather than as the end.
    limit_ = src_.size();
    for (size_t p = 0; p < src_.size();) {
      size_t n = utf8_len(src_.substr(p));
      if (n == 0 || src_[p] == '\0') {
        limit_ = p;
        bad_message_ = n == 0 ? "invalid UTF-8 encoding" : "invalid character NUL";
        break;
      }
      p += n;
    }
    // A leading byte-order mark is ignored, as by Go's scanner.
    if (src_.substr(0, limit_).starts_with("\xEF\xBB\xBF")) pos_ = 3;
  }

  std::vector<Token> run() {
    std::vector<Token> out;
    while (true) {
      if (out.size() + 1 >= max_tokens_) {
        out.push_back(error_at(line_, col_, "query has too many tokens"));
        return out;
      }
      Token t = next();
      const bool done = t.kind == Tok::kEnd || t.kind == Tok::kError;
      out.push_back(std::move(t));
      if (done) return out;
    }
  }

 private:
  bool at_end() const { return pos_ >= limit_; }
  uint32_t peek(size_t* len = nullptr) const {
    if (at_end()) return 0;
    size_t n = utf8_len(src_.substr(pos_));
    if (len) *len = n;
    return decode_rune(src_.substr(pos_), n);
  }
  uint32_t peek_at(size_t p) const {
    if (p >= limit_) return 0;
    return decode_rune(src_.substr(p), utf8_len(src_.substr(p)));
  }
  void advance() {
    size_t n = 1;
    uint32_t r = peek(&n);
    pos_ += n;
    if (r == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
  }

  Token make(Tok kind, int line, int col) const {
    Token t;
    t.kind = kind;
    t.line = line;
    t.col = col;
    return t;
  }
  Token error_at(int line, int col, std::string msg) const {
    Token t = make(Tok::kError, line, col);
    t.text = std::move(msg);
    return t;
  }
  // An error caused by running out of input: if the input was cut short by a bad byte, that
  // byte is the real problem.
  Token eof_error(std::string msg) const {
    if (limit_ < src_.size()) return error_at(line_, col_, bad_message_);
    return error_at(line_, col_, std::move(msg));
  }

  Token next() {
    // Go's default whitespace; comments are skipped too.
    while (!at_end()) {
      uint32_t r = peek();
      if (r == ' ' || r == '\t' || r == '\n' || r == '\r') {
        advance();
      } else if (r == '/' && peek_at(pos_ + 1) == '/') {
        while (!at_end() && peek() != '\n') advance();
      } else if (r == '/' && peek_at(pos_ + 1) == '*') {
        const int line = line_, col = col_;
        advance();
        advance();
        bool closed = false;
        while (!at_end()) {
          if (peek() == '*' && peek_at(pos_ + 1) == '/') {
            advance();
            advance();
            closed = true;
            break;
          }
          advance();
        }
        if (!closed) {
          if (limit_ < src_.size()) return eof_error("");
          return error_at(line, col, "comment not terminated");
        }
      } else {
        break;
      }
    }
    if (at_end()) {
      if (limit_ < src_.size()) return eof_error("");
      return make(Tok::kEnd, line_, col_);
    }
    const int line = line_, col = col_;
    const uint32_t r = peek();
    if (is_digit(r) || (r == '.' && is_digit(peek_at(pos_ + 1)))) return number(line, col);
    if (r == '"') return quoted_string(line, col);
    if (r == '`') return raw_string(line, col);
    if (is_ident_start(r)) return word(line, col);
    return punctuation(line, col);
  }

  Token word(int line, int col) {
    const size_t start = pos_;
    while (!at_end() && is_ident_char(peek())) advance();
    std::string_view w = src_.substr(start, pos_ - start);
    const uint32_t after = peek();
    if (after == '.') {
      for (const ScopePrefix& p : kScopePrefixes) {
        if (p.word == w) {
          advance();  // the '.'
          return attribute(line, col, p.scope, p.parent);
        }
      }
    } else if (after == ':') {
      std::string with_colon(w);
      with_colon += ':';
      if (auto tok = lookup_word(with_colon)) {
        advance();
        return make(*tok, line, col);
      }
    }
    if (auto tok = lookup_word(w)) return make(*tok, line, col);
    Token t = make(Tok::kIdentifier, line, col);
    t.text = std::string(w);
    return t;
  }

  // After a scope prefix: the attribute name runs to the next delimiter; `"..."` parts may
  // contain delimiters.
  Token attribute(int line, int col, AttributeScope scope, bool parent) {
    Token t = make(Tok::kAttribute, line, col);
    t.scope = scope;
    t.parent = parent;
    if (parent) {
      // `parent.span.x` / `parent.resource.x`
      for (std::string_view sub : {std::string_view("span."), std::string_view("resource.")}) {
        if (src_.substr(pos_, limit_ - pos_).starts_with(sub)) {
          for (size_t k = 0; k < sub.size(); ++k) advance();
          t.scope = sub == "span." ? AttributeScope::kSpan : AttributeScope::kResource;
          break;
        }
      }
    }
    std::string name;
    while (!at_end()) {
      const uint32_t r = peek();
      if (r == '"') {
        advance();
        bool closed = false;
        while (!at_end()) {
          const uint32_t c = peek();
          if (c == '"') {
            advance();
            closed = true;
            break;
          }
          if (c == '\\') {
            advance();
            const uint32_t e = peek();
            if (e != '"' && e != '\\') return error_at(line_, col_, "invalid escape sequence");
            name += static_cast<char>(e);
            advance();
            continue;
          }
          size_t n = 1;
          peek(&n);
          name.append(src_.substr(pos_, n));
          advance();
        }
        if (!closed) {
          if (limit_ < src_.size()) return eof_error("");
          return error_at(line, col, "unexpected EOF, expecting \"");
        }
      } else if (is_attribute_rune(r)) {
        size_t n = 1;
        peek(&n);
        name.append(src_.substr(pos_, n));
        advance();
      } else {
        break;
      }
    }
    t.text = std::move(name);
    return t;
  }

  Token number(int line, int col) {
    const size_t start = pos_;
    bool is_float = false;
    // Go's scanner also lexes 0x/0o/0b prefixes and '_' separators; Tempo then fails to
    // convert them, so they are scanned only to be rejected as one token.
    bool bad = false;
    if (peek() == '0' &&
        (peek_at(pos_ + 1) == 'x' || peek_at(pos_ + 1) == 'X' || peek_at(pos_ + 1) == 'o' ||
         peek_at(pos_ + 1) == 'O' || peek_at(pos_ + 1) == 'b' || peek_at(pos_ + 1) == 'B')) {
      advance();
      advance();
      while (!at_end() && (std::isxdigit(static_cast<int>(peek())) || peek() == '_')) advance();
      bad = true;
    } else {
      while (!at_end() && (is_digit(peek()) || peek() == '_')) advance();
      if (peek() == '.') {
        is_float = true;
        advance();
        while (!at_end() && (is_digit(peek()) || peek() == '_')) advance();
      }
      if (peek() == 'e' || peek() == 'E') {
        // An exponent only if digits follow; otherwise the 'e' is left for what follows
        // (Go reports "exponent has no digits").
        size_t p = pos_ + 1;
        if (peek_at(p) == '+' || peek_at(p) == '-') ++p;
        if (!is_digit(peek_at(p))) return error_at(line_, col_, "exponent has no digits");
        is_float = true;
        while (pos_ < p) advance();
        while (!at_end() && is_digit(peek())) advance();
      }
    }
    std::string_view text = src_.substr(start, pos_ - start);

    // Tempo: a number followed (without space) by digits, '.' and unit letters is a duration
    // if the whole run parses as one; otherwise the number stands alone.
    size_t end = pos_;
    while (end < limit_) {
      const uint32_t c = peek_at(end);
      if (!(is_digit(c) || is_duration_rune(c) || c == '.')) break;
      end += utf8_len(src_.substr(end));
    }
    if (end > pos_ && !bad) {
      int64_t ns;
      if (parse_duration(src_.substr(start, end - start), &ns)) {
        while (pos_ < end) advance();
        Token t = make(Tok::kDuration, line, col);
        t.i = ns;
        return t;
      }
    }
    if (bad || text.find('_') != std::string_view::npos) {
      return error_at(line, col, "invalid number literal: " + std::string(text));
    }
    if (is_float) {
      double v = 0;
      std::string s(text);
      if (s[0] == '.') s.insert(s.begin(), '0');
      auto res = std::from_chars(s.data(), s.data() + s.size(), v);
      if (res.ec != std::errc() || res.ptr != s.data() + s.size()) {
        return error_at(line, col, "invalid number literal: " + std::string(text));
      }
      Token t = make(Tok::kFloat, line, col);
      t.f = v;
      return t;
    }
    int64_t v = 0;
    auto res = std::from_chars(text.data(), text.data() + text.size(), v);
    if (res.ec == std::errc::result_out_of_range) {
      return error_at(line, col, "integer out of range: " + std::string(text));
    }
    if (res.ec != std::errc() || res.ptr != text.data() + text.size()) {
      return error_at(line, col, "invalid number literal: " + std::string(text));
    }
    Token t = make(Tok::kInteger, line, col);
    t.i = v;
    return t;
  }

  static void append_utf8(std::string* out, uint32_t cp) {
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xC0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *out += static_cast<char>(0xE0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *out += static_cast<char>(0xF0 | (cp >> 18));
      *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  static int hex_value(uint32_t c) {
    if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<int>(c - 'A' + 10);
    return -1;
  }

  // A Go interpreted string literal: no raw newlines, Go's escapes (as strconv.Unquote).
  Token quoted_string(int line, int col) {
    advance();  // opening quote
    std::string value;
    while (true) {
      if (at_end()) return eof_error("literal not terminated");
      const uint32_t c = peek();
      if (c == '\n') return error_at(line, col, "literal not terminated");
      if (c == '"') {
        advance();
        break;
      }
      if (c != '\\') {
        size_t n = 1;
        peek(&n);
        value.append(src_.substr(pos_, n));
        advance();
        continue;
      }
      const int eline = line_, ecol = col_;
      advance();
      if (at_end()) return eof_error("literal not terminated");
      const uint32_t e = peek();
      advance();
      switch (e) {
        case 'a':
          value += '\a';
          break;
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'n':
          value += '\n';
          break;
        case 'r':
          value += '\r';
          break;
        case 't':
          value += '\t';
          break;
        case 'v':
          value += '\v';
          break;
        case '\\':
          value += '\\';
          break;
        case '"':
          value += '"';
          break;
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7': {
          uint32_t v = e - '0';
          for (int k = 0; k < 2; ++k) {
            const uint32_t d = peek();
            if (!(d >= '0' && d <= '7')) return error_at(eline, ecol, "invalid escape sequence");
            v = v * 8 + (d - '0');
            advance();
          }
          if (v > 255) return error_at(eline, ecol, "invalid escape sequence");
          value += static_cast<char>(v);
          break;
        }
        case 'x':
        case 'u':
        case 'U': {
          const int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          uint32_t v = 0;
          for (int k = 0; k < digits; ++k) {
            const int h = hex_value(peek());
            if (h < 0) return error_at(eline, ecol, "invalid escape sequence");
            v = v * 16 + static_cast<uint32_t>(h);
            advance();
          }
          if (e == 'x') {
            value += static_cast<char>(v);
          } else {
            if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
              return error_at(eline, ecol, "invalid escape sequence");
            }
            append_utf8(&value, v);
          }
          break;
        }
        default:
          return error_at(eline, ecol, "invalid escape sequence");
      }
    }
    Token t = make(Tok::kString, line, col);
    t.text = std::move(value);
    return t;
  }

  // A Go raw string: anything up to the next backtick; carriage returns are dropped.
  Token raw_string(int line, int col) {
    advance();
    std::string value;
    while (true) {
      if (at_end()) return eof_error("literal not terminated");
      const uint32_t c = peek();
      if (c == '`') {
        advance();
        break;
      }
      size_t n = 1;
      peek(&n);
      if (c != '\r') value.append(src_.substr(pos_, n));
      advance();
    }
    Token t = make(Tok::kString, line, col);
    t.text = std::move(value);
    return t;
  }

  // Operators: the longest spelling in the table that the input continues with, extended one
  // character at a time as Tempo does (so "&" alone is no operator but "&&" and "&>" are).
  Token punctuation(int line, int col) {
    size_t n = 1;
    peek(&n);
    std::string text(src_.substr(pos_, n));
    advance();
    if (text == ".") return attribute(line, col, AttributeScope::kNone, false);
    std::optional<Tok> tok = lookup_word(text);
    while (!at_end()) {
      size_t m = 1;
      peek(&m);
      std::string longer = text + std::string(src_.substr(pos_, m));
      auto t = lookup_word(longer);
      if (!t) break;
      text = std::move(longer);
      tok = t;
      advance();
    }
    if (tok) return make(*tok, line, col);
    Token t = make(Tok::kIdentifier, line, col);
    t.text = std::move(text);
    return t;
  }

  std::string_view src_;
  size_t max_tokens_;
  size_t limit_ = 0;
  std::string bad_message_;
  size_t pos_ = 0;
  int line_ = 1;
  int col_ = 1;
};

}  // namespace

bool parse_duration(std::string_view text, int64_t* ns) {
  return prom_parse_duration(text, ns) || go_parse_duration(text, ns);
}

std::vector<Token> lex(std::string_view query, size_t max_tokens) {
  return Lexer(query, max_tokens < 2 ? 2 : max_tokens).run();
}

std::string token_display(const Token& t) {
  switch (t.kind) {
    case Tok::kEnd:
      return "$end";
    case Tok::kError:
      return "error";
    case Tok::kIdentifier:
      return "IDENTIFIER";
    case Tok::kString:
      return "STRING";
    case Tok::kInteger:
      return "INTEGER";
    case Tok::kFloat:
      return "FLOAT";
    case Tok::kDuration:
      return "DURATION";
    case Tok::kAttribute:
      // Tempo's parser sees the scope prefix first, so that is what it names.
      if (t.parent) return "parent.";
      if (t.scope == AttributeScope::kNone) return ".";
      return std::string(scope_name(t.scope)) + ".";
    default:
      break;
  }
  for (const Word& w : kWords) {
    if (w.tok == t.kind) return std::string(w.text);
  }
  return "?";
}

}  // namespace tempo::traceql
