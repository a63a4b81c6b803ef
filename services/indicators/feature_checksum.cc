#include "services/indicators/feature_checksum.h"

#include <xxhash.h>

#include <algorithm>

#include "services/common/prefetched_hash.h"
#include "services/common/work_share.h"

namespace ticklab {

uint64_t FeatureBlockChecksum(const void* data, size_t bytes) { return XXH3_64bits(data, bytes); }

void ColumnBlockChecksums(const void* data, size_t elem, uint64_t n_rows, uint64_t check_rows,
                          std::vector<uint64_t>* out) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (uint64_t first = 0; first < n_rows; first += check_rows) {
    const uint64_t n = std::min(check_rows, n_rows - first);
    out->push_back(FeatureBlockChecksum(p + first * elem, static_cast<size_t>(n * elem)));
  }
}

namespace {

bool ColumnOk(const CheckedColumn& c, uint64_t n_rows, uint64_t check_rows) {
  const auto* p = static_cast<const unsigned char*>(c.data);
  uint64_t b = 0;
  for (uint64_t first = 0; first < n_rows; first += check_rows, ++b) {
    const uint64_t n = std::min(check_rows, n_rows - first);
    // The checked file is usually not in cache: the loads run ahead of the hash.
    if (XXH3Prefetched(p + first * c.elem, static_cast<size_t>(n * c.elem)) != c.expected[b])
      return false;
  }
  return true;
}

}  // namespace

int FirstBadColumn(const std::vector<CheckedColumn>& columns, uint64_t n_rows, uint64_t check_rows,
                   int threads) {
  // Columns are the units two threads share as they come (work_share.h): a helper that gets no
  // core costs nothing. Every column is checked; the answer is the lowest bad one.
  std::vector<char> bad(columns.size(), 0);
  auto check = [&](size_t c) { bad[c] = ColumnOk(columns[c], n_rows, check_rows) ? 0 : 1; };
  UnitShare share(columns.size(), threads >= 2 && columns.size() >= 2, check);
  for (size_t c; share.ClaimNext(&c);) check(c);
  share.Finish();
  for (size_t c = 0; c < bad.size(); ++c)
    if (bad[c] != 0) return static_cast<int>(c);
  return -1;
}

}  // namespace ticklab
