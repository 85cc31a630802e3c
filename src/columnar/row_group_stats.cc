#include <algorithm>
#include <cstring>
#include <limits>

#include "tempo/columnar/fetch.h"

namespace tempo::columnar {

const AttrKeyStats* RowGroupStats::attr(AttrOwner owner, std::string_view key) const {
  const auto& v = attrs[static_cast<int>(owner)];
  auto it = std::lower_bound(v.begin(), v.end(), key,
                             [](const AttrKeyStats& s, std::string_view k) { return s.key < k; });
  if (it == v.end() || it->key != key) return nullptr;
  return &*it;
}

void compute_stats(const SpanTable& t, RowGroupStats* out) {
  *out = RowGroupStats{};
  out->traces = static_cast<uint32_t>(t.trace_count());
  out->spans = static_cast<uint32_t>(t.span_count());
  out->strings = &t.strings;
  const auto& sp = t.spans;
  if (!sp.start.empty()) {
    uint64_t smin = UINT64_MAX, emax = 0, dmin = UINT64_MAX, dmax = 0;
    for (size_t i = 0; i < sp.start.size(); ++i) {
      smin = std::min(smin, sp.start[i]);
      const uint64_t d = effective_duration(sp.duration[i]);
      emax = std::max(emax, sp.start[i] + d);
      dmin = std::min(dmin, d);
      dmax = std::max(dmax, d);
    }
    if (smin != UINT64_MAX) {
      out->start_min = smin;
      out->end_max = emax;
      out->duration_min = dmin;
      out->duration_max = dmax;
    }
  }
  for (int k = 0; k < kAttrOwnerCount; ++k) {
    const AttrTable& at = t.attrs[k];
    auto& dst = out->attrs[k];
    for (const auto& run : at.keys) {
      AttrKeyStats s;
      s.key = std::string(t.strings.get(run.key));
      int64_t imin = std::numeric_limits<int64_t>::max(), imax = std::numeric_limits<int64_t>::min();
      double dmin = std::numeric_limits<double>::infinity(), dmax = -dmin;
      for (uint32_t i = run.begin; i < run.end; ++i) {
        s.types |= static_cast<uint8_t>(1u << static_cast<int>(at.type[i]));
        if (at.type[i] == ValueType::kInt) {
          auto v = static_cast<int64_t>(at.value[i]);
          imin = std::min(imin, v);
          imax = std::max(imax, v);
        } else if (at.type[i] == ValueType::kDouble) {
          double d;
          std::memcpy(&d, &at.value[i], 8);
          dmin = std::min(dmin, d);
          dmax = std::max(dmax, d);
        }
      }
      if (s.types & (1u << static_cast<int>(ValueType::kInt))) {
        s.int_min = imin;
        s.int_max = imax;
      }
      if (s.types & (1u << static_cast<int>(ValueType::kDouble))) {
        s.double_min = dmin;
        s.double_max = dmax;
      }
      dst.push_back(std::move(s));
    }
    std::sort(dst.begin(), dst.end(),
              [](const AttrKeyStats& a, const AttrKeyStats& b) { return a.key < b.key; });
  }
}

}  // namespace tempo::columnar
