#include "tempo/block/compacted_meta.h"

#include <nlohmann/json.hpp>

namespace tempo::block {

std::string CompactedBlockMeta::to_json() const {
  nlohmann::json j = nlohmann::json::parse(meta.to_json());
  j["compactedTime"] = format_rfc3339_nano(compacted_unix_nano);
  return j.dump();
}

Status CompactedBlockMeta::from_json(std::string_view json, CompactedBlockMeta* out) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::corruption("meta.compacted.json is not a JSON object");
  }
  CompactedBlockMeta m;
  auto it = j.find("compactedTime");
  if (it == j.end() || !it->is_string() ||
      !parse_rfc3339(it->get<std::string>(), &m.compacted_unix_nano)) {
    return Status::corruption("meta.compacted.json has no valid compactedTime");
  }
  // The rest is a meta.json; BlockMeta ignores the field it does not know.
  TEMPO_RETURN_IF_ERROR(BlockMeta::from_json(json, &m.meta));
  *out = std::move(m);
  return Status::ok();
}

std::string compacted_meta_key(std::string_view tenant, std::string_view block_id) {
  return std::string(tenant) + "/" + std::string(block_id) + "/" +
         std::string(kCompactedMetaObject);
}

}  // namespace tempo::block
