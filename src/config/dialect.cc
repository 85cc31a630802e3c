#include "config/dialect.h"

#include "config/yaml_reader.h"

namespace tempo::config {
namespace {

struct DialectMapping {
  const char* from;  // 3.x key
  const char* to;    // 2.x key this build reads
  // The two keys are different settings in Tempo 3.x, both valid at once: `from` is what
  // this build uses and replaces `to` instead of conflicting with it.
  bool distinct_in_3x = false;
};

constexpr DialectMapping kDialect3[] = {
    {"live_store.max_trace_idle", "ingester.trace_idle_period"},
    {"live_store.flush_check_period", "ingester.flush_check_period"},
    {"live_store.max_block_bytes", "ingester.max_block_bytes"},
    {"live_store.max_block_duration", "ingester.max_block_duration"},
    {"live_store.complete_block_timeout", "ingester.complete_block_timeout"},
    {"live_store.complete_block_concurrency", "ingester.concurrent_flushes"},
    // Tempo 3.x keeps storage.trace.wal.path for the WAL of its other components (block
    // builder, generator) and gives the live store a WAL of its own; this build's ingester is
    // the live store, so its WAL is the live store's.
    {"live_store.wal.path", "storage.trace.wal.path", true},
    {"backend_worker.compaction.block_retention", "compactor.compaction.block_retention"},
    {"backend_scheduler.provider.compaction.compaction.block_retention",
     "compactor.compaction.block_retention"},
    {"backend_worker.compaction.compacted_block_retention", "compactor.compaction.compacted_block_retention"},
    {"backend_scheduler.provider.compaction.compaction.compacted_block_retention",
     "compactor.compaction.compacted_block_retention"},
    {"backend_worker.compaction.compaction_window", "compactor.compaction.compaction_window"},
    {"backend_scheduler.provider.compaction.compaction.compaction_window",
     "compactor.compaction.compaction_window"},
    {"backend_worker.compaction.compaction_cycle", "compactor.compaction.compaction_cycle"},
    {"backend_scheduler.provider.compaction.compaction.compaction_cycle",
     "compactor.compaction.compaction_cycle"},
    {"backend_worker.compaction.max_compaction_objects", "compactor.compaction.max_compaction_objects"},
    {"backend_scheduler.provider.compaction.compaction.max_compaction_objects",
     "compactor.compaction.max_compaction_objects"},
    {"backend_worker.compaction.max_block_bytes", "compactor.compaction.max_block_bytes"},
    {"backend_scheduler.provider.compaction.compaction.max_block_bytes",
     "compactor.compaction.max_block_bytes"},
    {"backend_scheduler.provider.compaction.min_input_blocks", "compactor.min_input_blocks"},
    {"backend_scheduler.provider.compaction.max_input_blocks", "compactor.max_input_blocks"},
    {"backend_worker.compaction.retention_concurrency", "compactor.compaction.retention_concurrency"},
    {"backend_scheduler.provider.compaction.compaction.retention_concurrency",
     "compactor.compaction.retention_concurrency"},
};

// Sets `value` at a dotted path, creating the maps on the way.
void set_path(YAML::Node root, const std::string& path, const YAML::Node& value) {
  YAML::Node node = root;
  size_t start = 0;
  for (;;) {
    size_t dot = path.find('.', start);
    std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (dot == std::string::npos) {
      node[part] = value;
      return;
    }
    if (!node[part] || node[part].IsNull()) node[part] = YAML::Node(YAML::NodeType::Map);
    node.reset(node[part]);
    start = dot + 1;
  }
}

}  // namespace

Status map_dialect(YAML::Node root, std::vector<std::string>* mapped) {
  for (const auto& m : kDialect3) {
    YamlReader r(root);
    YAML::Node from = r.at(m.from);
    if (!from.IsDefined() || from.IsNull()) continue;
    YAML::Node to = r.at(m.to);
    if (to.IsDefined() && !to.IsNull()) {
      if (to.IsScalar() && from.IsScalar() && to.Scalar() == from.Scalar()) continue;
      if (m.distinct_in_3x) {
        const std::string unused = to.IsScalar() ? to.Scalar() : "";
        set_path(root, m.to, from);
        mapped->push_back(std::string(m.from) + " -> " + m.to + " (replaces \"" + unused +
                          "\", which only Tempo 3.x components absent here would use)");
        continue;
      }
      return Status::invalid_argument(line_of(from) + ": config key \"" + std::string(m.from) +
                                      "\" conflicts with \"" + m.to + "\" (" + line_of(to) +
                                      "); they are the same setting in Tempo 3.x and 2.x, so "
                                      "keep only one");
    }
    set_path(root, m.to, from);
    mapped->push_back(std::string(m.from) + " -> " + m.to);
  }
  return Status::ok();
}

}  // namespace tempo::config
