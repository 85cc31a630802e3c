#pragma once
// filter_policies of the span-metrics processor, with Tempo's semantics: a span is kept when,
// for every policy, it matches the `include` (if given) and does not match the `exclude` (if
// given). A match needs every listed attribute to match: `resource.x` / `span.x` attributes
// by value (strict: equal and of the same type; regex: RE2 over string values) and the
// intrinsics `name`, `status` (STATUS_CODE_*) and `kind` (SPAN_KIND_*).

#include <memory>
#include <vector>

#include "generator/attributes.h"
#include "tempo/config/config.h"
#include "tempo/util/status.h"

namespace re2 {
class RE2;
}

namespace tempo::generator {

class SpanFilter {
 public:
  // Fails with a message naming the bad key or pattern.
  static Status create(const std::vector<config::FilterPolicy>& policies,
                       std::unique_ptr<SpanFilter>* out);
  ~SpanFilter();

  bool empty() const { return policies_.empty(); }
  bool keep(const Attributes& resource, const opentelemetry::proto::trace::v1::Span& span) const;

 private:
  enum class Scope { kResource, kSpan, kName, kStatus, kKind };
  struct Condition {
    Scope scope;
    std::string key;  // attribute name without its scope
    config::FilterValue value;
    std::shared_ptr<re2::RE2> regex;  // regex match_type
  };
  struct Match {
    std::vector<Condition> conditions;
  };
  struct Policy {
    std::unique_ptr<Match> include, exclude;
  };
  static Status compile(const config::FilterPolicyMatch& m, std::unique_ptr<Match>* out);
  static bool matches(const Match& m, const Attributes& resource,
                      const opentelemetry::proto::trace::v1::Span& span);

  std::vector<Policy> policies_;
};

}  // namespace tempo::generator
