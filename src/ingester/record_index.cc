#include "ingester/record_index.h"

namespace tempo::ingester {

RecordIndex::RecordIndex() : traces_(0, Hash{&records_}, Eq{&records_}) {}

void RecordIndex::add(const TraceId& id, uint64_t offset) {
  const auto n = static_cast<uint32_t>(records_.size());
  records_.push_back(
      {id, static_cast<uint32_t>(offset), static_cast<uint32_t>(offset >> 32), kNone});
  // Hashes and compares through records_[n], which is in place now.
  auto [it, fresh] = traces_.insert(Trace{n, n});
  if (!fresh) {
    records_[it->last].next = n;
    it->last = n;
  }
}

bool RecordIndex::offsets_of(const TraceId& id, std::vector<uint64_t>* out) const {
  auto it = traces_.find(id);
  if (it == traces_.end()) return false;
  out->clear();
  chain_offsets(it->first, out);
  return true;
}

void RecordIndex::chain_offsets(uint32_t first, std::vector<uint64_t>* out) const {
  for (uint32_t r = first; r != kNone; r = records_[r].next) out->push_back(records_[r].offset());
}

}  // namespace tempo::ingester
