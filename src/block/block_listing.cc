// Operations over the set of blocks in a backend (declared in tempo/block/block.h).

#include "block/block_format.h"
#include "tempo/block/block.h"
#include "tempo/observability/log.h"

namespace tempo::block {

Status list_tenants(backend::Backend& backend, std::vector<std::string>* out) {
  return backend.list("", out);
}

Status list_blocks(backend::Backend& backend, std::string_view tenant,
                   std::vector<BlockMeta>* out) {
  out->clear();
  std::vector<std::string> ids;
  const std::string prefix = std::string(tenant) + "/";
  TEMPO_RETURN_IF_ERROR(backend.list(prefix, &ids));
  std::string json;
  for (const auto& id : ids) {
    Status s = backend.read(prefix + id + "/" + std::string(format::kMetaObject), &json);
    if (s.is(Status::Code::kNotFound)) continue;  // being written, half-deleted, or no block
    TEMPO_RETURN_IF_ERROR(s);
    BlockMeta meta;
    s = BlockMeta::from_json(json, &meta);
    if (s.is_ok() && (meta.tenant_id != tenant || meta.block_id != id)) {
      s = Status::corruption("meta.json names block " + meta.tenant_id + "/" + meta.block_id);
    }
    if (!s.is_ok()) {
      log::warn("skipping unreadable block",
                {{"tenant", tenant}, {"block", id}, {"err", s.to_string()}});
      continue;
    }
    out->push_back(std::move(meta));
  }
  return Status::ok();
}

Status delete_block(backend::Backend& backend, std::string_view tenant, std::string_view block_id) {
  const std::string prefix = std::string(tenant) + "/" + std::string(block_id) + "/";
  TEMPO_RETURN_IF_ERROR(backend.remove(prefix + std::string(format::kMetaObject)));
  std::vector<std::string> objects;
  TEMPO_RETURN_IF_ERROR(backend.list(prefix, &objects));
  for (const auto& name : objects) TEMPO_RETURN_IF_ERROR(backend.remove(prefix + name));
  return Status::ok();
}

}  // namespace tempo::block
