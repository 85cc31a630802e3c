#pragma once
// A querier over a real ingester and a local backend in a temporary folder, for the querier
// tests: push the engine dataset's traces, query them live, flush, query them in blocks.

#include <catch2/catch.hpp>
#include <memory>

#include "tempo/backend/backend.h"
#include "tempo/block/block_list.h"
#include "tempo/ingester/ingester.h"
#include "tempo/querier/querier.h"
#include "testing/temp_dir.h"
#include "traceql/engine_dataset.h"

namespace tempo::querier_testing {

struct QuerierFixture {
  testing::TempDir dir;
  std::unique_ptr<backend::Backend> backend = backend::make_local_backend(dir.sub("blocks"));
  block::BlockList blocks{*backend};
  std::unique_ptr<ingester::Ingester> ing;
  std::unique_ptr<querier::Querier> q;

  // `row_group_spans`: small groups give a small dataset several row groups to split.
  explicit QuerierFixture(size_t row_group_spans = 2000) {
    ingester::IngesterOptions o;
    o.wal_path = dir.sub("wal");
    o.wal_sync = false;
    o.block_options.row_group_spans = row_group_spans;
    ing = std::make_unique<ingester::Ingester>(
        o, *backend, [this](const block::BlockMeta& m) { blocks.add(m); });
    REQUIRE(ing->start().is_ok());
    q = std::make_unique<querier::Querier>(*ing, blocks, 2);
  }
  ~QuerierFixture() { ing->stop(); }

  void push(
      const std::vector<std::pair<TraceId, opentelemetry::proto::trace::v1::TracesData>>& traces) {
    std::vector<model::TraceSegment> segs;
    for (const auto& [id, d] : traces) {
      model::TraceSegment s;
      s.id = id;
      d.SerializeToString(&s.bytes);
      s.start_unix_nano = engine_testing::kBase;
      s.end_unix_nano = engine_testing::kBase + 30'000'000'000ULL;
      segs.push_back(std::move(s));
    }
    ingester::Refused refused;
    REQUIRE(ing->push("t1", segs, &refused).is_ok());
  }
};

}  // namespace tempo::querier_testing
