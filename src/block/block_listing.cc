// Operations over the set of blocks in a backend (declared in tempo/block/block.h).

#include "block/block_format.h"
#include "tempo/block/block.h"
#include "tempo/observability/log.h"

namespace tempo::block {

Status list_tenants(backend::Backend& backend, std::vector<std::string>* out) {
  return backend.list("", out);
}

Status parse_listed_meta(std::string_view json, std::string_view tenant, std::string_view id,
                         BlockMeta* out) {
  TEMPO_RETURN_IF_ERROR(BlockMeta::from_json(json, out));
  if (out->tenant_id != tenant || out->block_id != id) {
    return Status::corruption("meta.json names block " + out->tenant_id + "/" + out->block_id);
  }
  return Status::ok();
}

Status parse_listed_compacted_meta(std::string_view json, std::string_view tenant,
                                   std::string_view id, CompactedBlockMeta* out) {
  TEMPO_RETURN_IF_ERROR(CompactedBlockMeta::from_json(json, out));
  if (out->meta.tenant_id != tenant || out->meta.block_id != id) {
    return Status::corruption("meta.compacted.json names block " + out->meta.tenant_id + "/" +
                              out->meta.block_id);
  }
  return Status::ok();
}

Status list_blocks(backend::Backend& backend, std::string_view tenant,
                   std::vector<BlockMeta>* out) {
  return list_blocks(backend, tenant, out, nullptr);
}

Status list_blocks(backend::Backend& backend, std::string_view tenant, std::vector<BlockMeta>* out,
                   std::vector<CompactedBlockMeta>* compacted) {
  out->clear();
  if (compacted) compacted->clear();
  std::vector<std::string> ids;
  const std::string prefix = std::string(tenant) + "/";
  TEMPO_RETURN_IF_ERROR(backend.list(prefix, &ids));
  std::string json;
  for (const auto& id : ids) {
    // The marker first: a compacted block is one read, and is never listed as live (the
    // compactor writes the marker after the block that replaces it is complete).
    Status s = backend.read(prefix + id + "/" + std::string(format::kCompactedMetaObject), &json);
    if (s.is_ok()) {
      CompactedBlockMeta cm;
      s = parse_listed_compacted_meta(json, tenant, id, &cm);
      if (!s.is_ok()) {
        log::warn("skipping unreadable compacted block",
                  {{"tenant", tenant}, {"block", id}, {"err", s.to_string()}});
      } else if (compacted) {
        compacted->push_back(std::move(cm));
      }
      continue;
    }
    if (!s.is(Status::Code::kNotFound)) return s;
    s = backend.read(prefix + id + "/" + std::string(format::kMetaObject), &json);
    if (s.is(Status::Code::kNotFound)) continue;  // being written, half-deleted, or no block
    TEMPO_RETURN_IF_ERROR(s);
    BlockMeta meta;
    s = parse_listed_meta(json, tenant, id, &meta);
    if (!s.is_ok()) {
      log::warn("skipping unreadable block",
                {{"tenant", tenant}, {"block", id}, {"err", s.to_string()}});
      continue;
    }
    out->push_back(std::move(meta));
  }
  return Status::ok();
}

Status mark_compacted(backend::Backend& backend, const BlockMeta& meta,
                      uint64_t compacted_unix_nano) {
  CompactedBlockMeta cm{meta, compacted_unix_nano};
  return backend.write(
      meta.tenant_id + "/" + meta.block_id + "/" + std::string(format::kCompactedMetaObject),
      cm.to_json());
}

Status delete_block(backend::Backend& backend, std::string_view tenant, std::string_view block_id) {
  const std::string prefix = std::string(tenant) + "/" + std::string(block_id) + "/";
  TEMPO_RETURN_IF_ERROR(backend.remove(prefix + std::string(format::kMetaObject)));
  std::vector<std::string> objects;
  TEMPO_RETURN_IF_ERROR(backend.list(prefix, &objects));
  bool marked = false;
  for (const auto& name : objects) {
    if (name == format::kCompactedMetaObject) {
      marked = true;
      continue;
    }
    TEMPO_RETURN_IF_ERROR(backend.remove(prefix + name));
  }
  if (marked)
    TEMPO_RETURN_IF_ERROR(backend.remove(prefix + std::string(format::kCompactedMetaObject)));
  return Status::ok();
}

}  // namespace tempo::block
