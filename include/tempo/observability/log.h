#pragma once
// Structured logging in logfmt, like Tempo's:
//   level=info ts=2026-11-25T03:30:22.123456Z caller=wal.cc:88 msg="replayed wal" records=12
// Usage: log::info("replayed wal", {{"records", n}, {"path", dir}});

#include <cstdint>
#include <initializer_list>
#include <source_location>
#include <string>
#include <string_view>

namespace tempo::log {

// Where a log call is, for caller=. std::source_location where the library has it; libstdc++
// 12 offers it only to compilers with __builtin_source_location, which clang 14 (the fuzzing
// build, scripts/fuzz.sh) lacks, so there the same two fields come from the older builtins.
#if defined(__cpp_lib_source_location)
using SourceLocation = std::source_location;
#else
struct SourceLocation {
  static constexpr SourceLocation current(const char* file = __builtin_FILE(),
                                          uint_least32_t line = __builtin_LINE()) noexcept {
    return SourceLocation{file, line};
  }
  constexpr const char* file_name() const noexcept { return file; }
  constexpr uint_least32_t line() const noexcept { return line_number; }
  const char* file = "";
  uint_least32_t line_number = 0;
};
#endif

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class Format { kLogfmt, kJson };

// A key and its value, already rendered to text.
struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
  Field(std::string_view k, double v);
  template <typename I>
    requires std::is_integral_v<I>
  Field(std::string_view k, I v) : key(k), value(std::to_string(v)) {}

  std::string_view key;
  std::string value;
};

// Parses "debug", "info", "warn", "error"; false if unknown.
bool parse_level(std::string_view s, Level* out);
void set_level(Level level);
void set_format(Format format);
bool enabled(Level level);

void write(Level level, std::string_view msg, std::initializer_list<Field> fields,
           const SourceLocation& loc);

inline void debug(std::string_view msg, std::initializer_list<Field> fields = {},
                  const SourceLocation& loc = SourceLocation::current()) {
  if (enabled(Level::kDebug)) write(Level::kDebug, msg, fields, loc);
}
inline void info(std::string_view msg, std::initializer_list<Field> fields = {},
                 const SourceLocation& loc = SourceLocation::current()) {
  if (enabled(Level::kInfo)) write(Level::kInfo, msg, fields, loc);
}
inline void warn(std::string_view msg, std::initializer_list<Field> fields = {},
                 const SourceLocation& loc = SourceLocation::current()) {
  if (enabled(Level::kWarn)) write(Level::kWarn, msg, fields, loc);
}
inline void error(std::string_view msg, std::initializer_list<Field> fields = {},
                  const SourceLocation& loc = SourceLocation::current()) {
  if (enabled(Level::kError)) write(Level::kError, msg, fields, loc);
}

// Renders one logfmt line (no trailing newline); exposed for tests.
std::string format_logfmt(Level level, std::string_view ts, std::string_view caller,
                          std::string_view msg, std::initializer_list<Field> fields);

}  // namespace tempo::log
