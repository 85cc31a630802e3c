#pragma once
// The set of blocks readers may consult, per tenant, plus a cache of opened readers.
// Writers (ingester flushes, later the compactor) add and remove metas; the querier reads.
// Thread-safe.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/backend/backend.h"
#include "tempo/block/block.h"
#include "tempo/util/status.h"

namespace tempo::block {

class BlockList {
 public:
  explicit BlockList(backend::Backend& backend) : backend_(backend) {}

  // Replaces the list with what the backend holds now (startup and polling).
  Status load();
  void add(const BlockMeta& meta);
  void remove(const std::string& tenant, const std::string& block_id);

  std::vector<BlockMeta> metas(std::string_view tenant) const;
  std::vector<std::string> tenants() const;

  // An opened reader for a listed block; opened once and shared.
  Status reader(const BlockMeta& meta, std::shared_ptr<BlockReader>* out);

 private:
  void update_length_metric(const std::string& tenant);

  backend::Backend& backend_;
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, BlockMeta>> by_tenant_;  // tenant -> id -> meta
  std::map<std::string, std::shared_ptr<BlockReader>> readers_;       // block id -> reader
};

}  // namespace tempo::block
