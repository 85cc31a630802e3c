// TraceQL: the q of /api/search and the query endpoints, parsed and validated
// (traceql::parse), compiled and evaluated over the engine tests' dataset as the querier
// runs a search; also the tag-name form (traceql::parse_identifier) of the tag endpoints.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "tempo/columnar/otlp_columns.h"
#include "tempo/traceql/engine.h"
#include "tempo/traceql/parser.h"
#include "traceql/engine_dataset.h"

namespace {

const tempo::columnar::SpanTable& dataset() {
  static const tempo::columnar::SpanTable table = [] {
    tempo::columnar::SpanTable t;
    tempo::engine_testing::build_dataset(&t);
    return t;
  }();
  return table;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  tempo::traceql::Attribute attr;
  (void)tempo::traceql::parse_identifier(query, &attr);

  tempo::traceql::RootExpr root;
  if (!tempo::traceql::parse(query, &root).is_ok()) return 0;
  (void)tempo::traceql::to_string(root);
  (void)tempo::traceql::referenced_attributes(root);
  std::unique_ptr<tempo::traceql::CompiledQuery> compiled;
  if (!tempo::traceql::CompiledQuery::compile(std::move(root), &compiled).is_ok()) return 0;
  std::vector<tempo::traceql::TraceMatch> matches;
  compiled->evaluate(dataset(), 0, 0, &matches);
  return 0;
}
