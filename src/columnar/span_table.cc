#include "tempo/columnar/span_table.h"

#include <absl/container/flat_hash_set.h>
#include <absl/hash/hash.h>

#include <algorithm>

namespace tempo::columnar {

// The index holds ids; its hash and equality look the strings up in the pool, and take a
// string_view too (heterogeneous lookup), so intern() and find() never build a std::string.
struct StringPool::Index {
  struct Hash {
    using is_transparent = void;
    const std::vector<std::string>* strings;
    size_t operator()(uint32_t id) const { return (*this)(std::string_view((*strings)[id])); }
    size_t operator()(std::string_view s) const { return absl::Hash<std::string_view>{}(s); }
  };
  struct Eq {
    using is_transparent = void;
    const std::vector<std::string>* strings;
    std::string_view at(uint32_t id) const { return (*strings)[id]; }
    bool operator()(uint32_t a, uint32_t b) const { return a == b; }
    bool operator()(uint32_t a, std::string_view b) const { return at(a) == b; }
    bool operator()(std::string_view a, uint32_t b) const { return a == at(b); }
  };
  explicit Index(const std::vector<std::string>* strings) : ids(0, Hash{strings}, Eq{strings}) {
    ids.reserve(strings->size());
    for (uint32_t i = 0; i < strings->size(); ++i) ids.insert(i);
  }
  absl::flat_hash_set<uint32_t, Hash, Eq> ids;
};

StringPool::StringPool() { strings_.emplace_back(); }
StringPool::~StringPool() = default;
StringPool::StringPool(const StringPool& other) : strings_(other.strings_) {}
StringPool& StringPool::operator=(const StringPool& other) {
  if (this != &other) {
    strings_ = other.strings_;
    index_.reset();
  }
  return *this;
}
// The index points at strings_, whose buffer a move hands over as is; it is rebuilt anyway,
// so a moved pool never depends on that.
StringPool::StringPool(StringPool&& other) noexcept : strings_(std::move(other.strings_)) {
  other.index_.reset();
  other.strings_.assign(1, std::string());
}
StringPool& StringPool::operator=(StringPool&& other) noexcept {
  if (this != &other) {
    strings_ = std::move(other.strings_);
    index_.reset();
    other.index_.reset();
    other.strings_.assign(1, std::string());
  }
  return *this;
}

const StringPool::Index& StringPool::index() const {
  if (!index_) index_ = std::make_unique<Index>(&strings_);
  return *index_;
}

uint32_t StringPool::intern(std::string_view s) {
  if (s.empty()) return 0;
  index();
  auto& ids = index_->ids;
  auto it = ids.find(s);
  if (it != ids.end()) return *it;
  const auto id = static_cast<uint32_t>(strings_.size());
  strings_.emplace_back(s);
  ids.insert(id);
  return id;
}

std::optional<uint32_t> StringPool::find(std::string_view s) const {
  if (s.empty()) return 0;
  // A decoded pool is looked up a few times per query (its literals), so a scan beats
  // building an index of every string it holds.
  if (!index_) {
    for (uint32_t i = 1; i < strings_.size(); ++i) {
      if (strings_[i] == s) return i;
    }
    return std::nullopt;
  }
  auto it = index_->ids.find(s);
  if (it == index_->ids.end()) return std::nullopt;
  return *it;
}

void StringPool::assign(std::vector<std::string> strings) {
  strings_ = std::move(strings);
  if (strings_.empty()) strings_.emplace_back();
  index_.reset();
}

void StringPool::truncate(size_t n) {
  n = std::max<size_t>(n, 1);
  if (n >= strings_.size()) return;
  if (index_) {
    for (size_t i = n; i < strings_.size(); ++i) index_->ids.erase(static_cast<uint32_t>(i));
  }
  strings_.resize(n);
}

void StringPool::clear() { assign({}); }

const AttrTable::KeyRun* AttrTable::run(uint32_t k) const {
  auto it = std::lower_bound(keys.begin(), keys.end(), k,
                             [](const KeyRun& r, uint32_t v) { return r.key < v; });
  if (it == keys.end() || it->key != k) return nullptr;
  return &*it;
}

namespace {

// Owner row of every child row, from the owners' offsets column.
void expand_owners(const std::vector<uint32_t>& offsets, std::vector<uint32_t>* owner) {
  owner->clear();
  if (offsets.empty()) return;
  owner->resize(offsets.back());
  for (uint32_t o = 0; o + 1 < offsets.size(); ++o) {
    std::fill(owner->begin() + offsets[o], owner->begin() + offsets[o + 1], o);
  }
}

}  // namespace

void SpanTable::derive() {
  const size_t nt = trace_count();
  const size_t ns = span_count();
  auto& sp = spans;

  // Owner rows.
  std::vector<uint32_t> resource_trace;
  expand_owners(traces.resource_offsets, &resource_trace);
  std::vector<uint32_t> scope_resource;
  expand_owners(resources.scope_offsets, &scope_resource);
  expand_owners(scopes.span_offsets, &sp.scope);
  sp.resource.resize(ns);
  sp.trace.resize(ns);
  for (size_t s = 0; s < ns; ++s) {
    sp.resource[s] = scope_resource[sp.scope[s]];
    sp.trace[s] = resource_trace[sp.resource[s]];
  }
  expand_owners(sp.event_offsets, &events.span);
  expand_owners(sp.link_offsets, &links.span);

  // Span range of every trace: resources, scopes and spans are all grouped by owner, so a
  // trace's spans are contiguous.
  traces.span_begin.assign(nt, 0);
  traces.span_end.assign(nt, 0);
  for (size_t t = 0; t < nt; ++t) {
    uint32_t r0 = traces.resource_offsets[t], r1 = traces.resource_offsets[t + 1];
    uint32_t begin = 0, end = 0;
    if (r0 < r1) {
      uint32_t s0 = resources.scope_offsets[r0], s1 = resources.scope_offsets[r1];
      begin = scopes.span_offsets[s0];
      end = scopes.span_offsets[s1];
    } else if (t > 0) {
      begin = end = traces.span_end[t - 1];
    }
    traces.span_begin[t] = begin;
    traces.span_end[t] = end;
  }

  // service.name of every resource.
  resources.service_name.assign(resource_count(), 0);
  const auto& ra = attr(AttrOwner::kResource);
  if (auto key = strings.find("service.name"); key && !ra.type.empty()) {
    if (const auto* run = ra.run(*key)) {
      for (uint32_t i = run->begin; i < run->end; ++i) {
        if (ra.type[i] == ValueType::kString) {
          resources.service_name[ra.owner[i]] = static_cast<uint32_t>(ra.value[i]);
        }
      }
    }
  }

  // Trace times.
  if (!sp.start.empty() && !sp.duration.empty()) {
    traces.start.assign(nt, 0);
    traces.end.assign(nt, 0);
    for (size_t t = 0; t < nt; ++t) {
      uint64_t lo = UINT64_MAX, hi = 0;
      for (uint32_t s = traces.span_begin[t]; s < traces.span_end[t]; ++s) {
        lo = std::min(lo, sp.start[s]);
        hi = std::max(hi, sp.start[s] + effective_duration(sp.duration[s]));
      }
      traces.start[t] = lo == UINT64_MAX ? 0 : lo;
      traces.end[t] = hi;
    }
  }

  // Parents within the trace: from the stored parent rows when a decoder supplied them,
  // otherwise by matching parent span IDs.
  if (sp.parent.size() != ns && sp.id.size() == ns && sp.parent_id.size() == ns) {
    sp.parent.assign(ns, kNoRow);
    std::unordered_map<uint64_t, uint32_t> by_id;
    for (size_t t = 0; t < nt; ++t) {
      by_id.clear();
      for (uint32_t s = traces.span_begin[t]; s < traces.span_end[t]; ++s)
        by_id.emplace(sp.id[s], s);
      for (uint32_t s = traces.span_begin[t]; s < traces.span_end[t]; ++s) {
        if (sp.parent_id[s] == 0) continue;
        auto it = by_id.find(sp.parent_id[s]);
        if (it != by_id.end() && it->second != s) sp.parent[s] = it->second;
      }
    }
  }
  if (sp.parent.size() != ns) return;

  // Child counts, nested sets and roots. Iterative DFS over a per-trace child list so a
  // deep or cyclic (hostile) parent chain costs no recursion and terminates.
  sp.child_count.assign(ns, 0);
  sp.nested_left.assign(ns, 0);
  sp.nested_right.assign(ns, 0);
  traces.root.assign(nt, kNoRow);
  traces.root_service.assign(nt, 0);
  traces.root_name.assign(nt, 0);
  for (size_t s = 0; s < ns; ++s) {
    if (sp.parent[s] != kNoRow) ++sp.child_count[sp.parent[s]];
  }
  std::vector<uint32_t> child_begin, children, stack;
  std::vector<uint8_t> visited;
  for (size_t t = 0; t < nt; ++t) {
    const uint32_t b = traces.span_begin[t], e = traces.span_end[t], n = e - b;
    if (n == 0) continue;
    child_begin.assign(n + 1, 0);
    for (uint32_t s = b; s < e; ++s) {
      if (sp.parent[s] != kNoRow) ++child_begin[sp.parent[s] - b + 1];
    }
    for (uint32_t i = 0; i < n; ++i) child_begin[i + 1] += child_begin[i];
    children.assign(child_begin[n], 0);
    {
      std::vector<uint32_t> fill(child_begin.begin(), child_begin.end() - 1);
      for (uint32_t s = b; s < e; ++s) {
        if (sp.parent[s] != kNoRow) children[fill[sp.parent[s] - b]++] = s;
      }
    }
    visited.assign(n, 0);
    uint32_t counter = 1;
    auto walk = [&](uint32_t top) {
      // Entries are span rows; a row seen the second time is being left.
      stack.push_back(top);
      while (!stack.empty()) {
        uint32_t s = stack.back();
        uint8_t& v = visited[s - b];
        if (v == 0) {
          v = 1;
          sp.nested_left[s] = counter++;
          for (uint32_t c = child_begin[s - b + 1]; c > child_begin[s - b]; --c) {
            uint32_t child = children[c - 1];
            if (visited[child - b] == 0) stack.push_back(child);
          }
        } else {
          stack.pop_back();
          if (v == 1) {
            v = 2;
            sp.nested_right[s] = counter++;
          }
        }
      }
    };
    for (uint32_t s = b; s < e; ++s) {
      if (sp.parent[s] == kNoRow) walk(s);
    }
    // Spans in a parent cycle have no root; number them too so every span has a range.
    for (uint32_t s = b; s < e; ++s) {
      if (visited[s - b] == 0) walk(s);
    }
    // The root: the earliest-starting span without a parent ID; Tempo names a trace by it.
    uint32_t root = kNoRow;
    for (uint32_t s = b; s < e; ++s) {
      bool no_parent = sp.parent_id.size() == ns ? sp.parent_id[s] == 0 : sp.parent[s] == kNoRow;
      if (!no_parent) continue;
      if (root == kNoRow || (!sp.start.empty() && sp.start[s] < sp.start[root])) root = s;
    }
    traces.root[t] = root;
    if (root != kNoRow) {
      traces.root_service[t] = resources.service_name[sp.resource[root]];
      if (!sp.name.empty()) traces.root_name[t] = sp.name[root];
    }
  }
}

void SpanTable::clear() { *this = SpanTable(); }

}  // namespace tempo::columnar
