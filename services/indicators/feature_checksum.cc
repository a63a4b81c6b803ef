#include "services/indicators/feature_checksum.h"

#include <xxhash.h>

#include <algorithm>
#include <thread>

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
    if (FeatureBlockChecksum(p + first * c.elem, static_cast<size_t>(n * c.elem)) != c.expected[b])
      return false;
  }
  return true;
}

// The first bad column in [begin, end), or -1.
int FirstBadIn(const std::vector<CheckedColumn>& columns, size_t begin, size_t end, uint64_t n_rows,
               uint64_t check_rows) {
  for (size_t c = begin; c < end; ++c)
    if (!ColumnOk(columns[c], n_rows, check_rows)) return static_cast<int>(c);
  return -1;
}

}  // namespace

int FirstBadColumn(const std::vector<CheckedColumn>& columns, uint64_t n_rows, uint64_t check_rows,
                   int threads) {
  const size_t n = columns.size();
  threads = static_cast<int>(
      std::clamp<size_t>(static_cast<size_t>(std::max(threads, 1)), 1, std::max<size_t>(n, 1)));
  if (threads == 1) return FirstBadIn(columns, 0, n, n_rows, check_rows);
  // Runs of about equal bytes: run t ends where the bytes before it reach (t+1)/threads of all.
  size_t total = 0;
  for (const CheckedColumn& c : columns) total += c.elem;
  std::vector<size_t> ends;
  size_t acc = 0;
  for (size_t c = 0; c < n; ++c) {
    acc += columns[c].elem;
    if (ends.size() + 1 < static_cast<size_t>(threads) &&
        acc * static_cast<size_t>(threads) >= total * (ends.size() + 1))
      ends.push_back(c + 1);
  }
  ends.push_back(n);
  std::vector<int> bad(ends.size(), -1);
  std::vector<std::thread> workers;
  for (size_t t = 1; t < ends.size(); ++t)
    workers.emplace_back(
        [&, t] { bad[t] = FirstBadIn(columns, ends[t - 1], ends[t], n_rows, check_rows); });
  bad[0] = FirstBadIn(columns, 0, ends[0], n_rows, check_rows);
  for (std::thread& w : workers) w.join();
  for (int b : bad)
    if (b >= 0) return b;
  return -1;
}

}  // namespace ticklab
