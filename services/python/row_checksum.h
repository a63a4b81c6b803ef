// Row checksum: XXH64 of rows assembled from columns -- the checksum a feature file records over
// version 1's row layout (services/indicators/feature_store.h), computed from the columns of a
// mapped file without building its rows: kChecksumRows rows at a time are assembled in a buffer
// that stays in the core's cache, then hashed.
// Preconditions: each column holds n values at its stride. Thread-safety: a pure function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ticklab::python {

constexpr size_t kChecksumRows = 512;  // 344 KB of rows at 84 columns: inside L2

struct ColumnView {
  const char* data;    // value 0
  ptrdiff_t stride;    // bytes from one value to the next
  bool widen_float32;  // float32 values, hashed as float64; else 8-byte values hashed as they are
};

// XXH64 (seed 0) of n rows, row i being the 8-byte cells columns[0][i], columns[1][i], ...
uint64_t RowsChecksum(size_t n, const std::vector<ColumnView>& columns);

}  // namespace ticklab::python
