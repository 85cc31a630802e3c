#include "generator/span_filter.h"

#include <re2/re2.h>

namespace tempo::generator {

using config::FilterValue;
using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::trace::v1::Span;

SpanFilter::~SpanFilter() = default;

Status SpanFilter::compile(const config::FilterPolicyMatch& m, std::unique_ptr<Match>* out) {
  if (!m.present) return Status::ok();
  auto match = std::make_unique<Match>();
  const bool regex = m.match_type == "regex";
  for (const auto& [key, value] : m.attributes) {
    Condition c;
    c.value = value;
    if (key.rfind("resource.", 0) == 0) {
      c.scope = Scope::kResource;
      c.key = key.substr(9);
    } else if (key.rfind("span.", 0) == 0) {
      c.scope = Scope::kSpan;
      c.key = key.substr(5);
    } else if (key == "name") {
      c.scope = Scope::kName;
    } else if (key == "status") {
      c.scope = Scope::kStatus;
    } else if (key == "kind") {
      c.scope = Scope::kKind;
    } else {
      return Status::invalid_argument("filter_policies: attribute \"" + key +
                                      "\" must be resource.<name>, span.<name>, name, status or "
                                      "kind");
    }
    const bool intrinsic = c.scope != Scope::kResource && c.scope != Scope::kSpan;
    if (intrinsic && value.kind != FilterValue::Kind::kString) {
      return Status::invalid_argument("filter_policies: the value of \"" + key +
                                      "\" must be a string");
    }
    if (regex) {
      if (value.kind != FilterValue::Kind::kString) {
        return Status::invalid_argument("filter_policies: a regex value of \"" + key +
                                        "\" must be a string");
      }
      c.regex = std::make_shared<re2::RE2>(value.s, re2::RE2::Quiet);
      if (!c.regex->ok()) {
        return Status::invalid_argument("filter_policies: invalid regex for \"" + key +
                                        "\": " + c.regex->error());
      }
    } else if (c.scope == Scope::kKind && std::string_view(value.s).substr(0, 10) != "SPAN_KIND_") {
      return Status::invalid_argument("filter_policies: unsupported kind value \"" + value.s +
                                      "\" (use SPAN_KIND_SERVER, SPAN_KIND_CLIENT, ...)");
    } else if (c.scope == Scope::kStatus &&
               std::string_view(value.s).substr(0, 12) != "STATUS_CODE_") {
      return Status::invalid_argument("filter_policies: unsupported status value \"" + value.s +
                                      "\" (use STATUS_CODE_OK, STATUS_CODE_ERROR, "
                                      "STATUS_CODE_UNSET)");
    }
    match->conditions.push_back(std::move(c));
  }
  *out = std::move(match);
  return Status::ok();
}

Status SpanFilter::create(const std::vector<config::FilterPolicy>& policies,
                          std::unique_ptr<SpanFilter>* out) {
  auto f = std::unique_ptr<SpanFilter>(new SpanFilter());
  for (const auto& p : policies) {
    Policy pol;
    TEMPO_RETURN_IF_ERROR(compile(p.include, &pol.include));
    TEMPO_RETURN_IF_ERROR(compile(p.exclude, &pol.exclude));
    if (pol.include || pol.exclude) f->policies_.push_back(std::move(pol));
  }
  *out = std::move(f);
  return Status::ok();
}

namespace {

bool text_matches(std::string_view text, const re2::RE2* regex, const std::string& want) {
  if (regex) return re2::RE2::PartialMatch(text, *regex);
  return text == want;
}

bool value_matches(const AnyValue& v, const FilterValue& want, const re2::RE2* regex) {
  switch (v.value_case()) {
    case AnyValue::kStringValue:
      return want.kind == FilterValue::Kind::kString &&
             text_matches(v.string_value(), regex, want.s);
    case AnyValue::kIntValue:
      return !regex && want.kind == FilterValue::Kind::kInt && v.int_value() == want.i;
    case AnyValue::kDoubleValue:
      return !regex && want.kind == FilterValue::Kind::kDouble && v.double_value() == want.d;
    case AnyValue::kBoolValue:
      return !regex && want.kind == FilterValue::Kind::kBool && v.bool_value() == want.b;
    default:
      return false;
  }
}

}  // namespace

bool SpanFilter::matches(const Match& m, const Attributes& resource, const Span& span) {
  for (const auto& c : m.conditions) {
    bool ok = false;
    switch (c.scope) {
      case Scope::kResource:
      case Scope::kSpan: {
        const AnyValue* v =
            find_attribute(c.scope == Scope::kResource ? resource : span.attributes(), c.key);
        ok = v && value_matches(*v, c.value, c.regex.get());
        break;
      }
      case Scope::kName:
        ok = text_matches(span.name(), c.regex.get(), c.value.s);
        break;
      case Scope::kStatus:
        ok = text_matches(status_name(span.status().code()), c.regex.get(), c.value.s);
        break;
      case Scope::kKind:
        ok = text_matches(kind_name(span.kind()), c.regex.get(), c.value.s);
        break;
    }
    if (!ok) return false;
  }
  return true;
}

bool SpanFilter::keep(const Attributes& resource, const Span& span) const {
  for (const auto& p : policies_) {
    if (p.include && !matches(*p.include, resource, span)) return false;
    if (p.exclude && matches(*p.exclude, resource, span)) return false;
  }
  return true;
}

}  // namespace tempo::generator
