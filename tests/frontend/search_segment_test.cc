// A streamed search reply is split into messages within query_frontend.
// max_grpc_streaming_packet_size, each with the metrics, none losing or repeating a trace.

#include <catch2/catch.hpp>

#include "frontend/search_queries.h"

using namespace tempo;
using namespace tempo::frontend;

namespace {

tempopb::SearchResponse reply(int traces, size_t name_bytes) {
  tempopb::SearchResponse r;
  for (int i = 0; i < traces; ++i) {
    auto* t = r.add_traces();
    t->set_traceid(std::to_string(1000 + i));
    t->set_rootservicename(std::string(name_bytes, 'a' + i % 26));
  }
  r.mutable_metrics()->set_inspectedspans(77);
  r.mutable_metrics()->set_totaljobs(3);
  return r;
}

}  // namespace

TEST_CASE("streamed search replies are split by size, each part with the metrics") {
  const auto r = reply(20, 100);
  const size_t one = r.traces(0).ByteSizeLong();
  for (uint64_t max : {uint64_t{0}, uint64_t{1}, uint64_t{one * 3 + 40}, uint64_t{1} << 20}) {
    INFO("max " << max);
    auto parts = segment(r, max);
    REQUIRE(!parts.empty());
    std::vector<std::string> ids;
    for (const auto& p : parts) {
      CHECK(p.metrics().inspectedspans() == 77);
      CHECK(p.metrics().totaljobs() == 3);
      CHECK(p.traces_size() >= 1);
      // Within the size, unless one trace alone is larger.
      if (max != 0 && p.traces_size() > 1) CHECK(p.ByteSizeLong() <= max);
      for (const auto& t : p.traces()) ids.push_back(t.traceid());
    }
    std::vector<std::string> want;
    for (const auto& t : r.traces()) want.push_back(t.traceid());
    CHECK(ids == want);
    if (max == 0 || max == (uint64_t{1} << 20)) CHECK(parts.size() == 1);
    if (max == 1) CHECK(parts.size() == 20);
    if (max == one * 3 + 40) CHECK(parts.size() == 7);  // three per part: 20 = 6*3 + 2
  }
  // No traces: one part with the metrics (the final message of a search that found nothing).
  auto empty = segment(reply(0, 0), 100);
  REQUIRE(empty.size() == 1);
  CHECK(empty[0].metrics().totaljobs() == 3);
}
