#include "services/python/row_checksum.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace ticklab::python {

uint64_t RowsChecksum(size_t n, const std::vector<ColumnView>& columns) {
  const size_t width = columns.size();
  std::unique_ptr<XXH64_state_t, decltype(&XXH64_freeState)> state(XXH64_createState(),
                                                                   &XXH64_freeState);
  XXH64_reset(state.get(), 0);
  std::vector<uint64_t> rows(kChecksumRows * width);
  for (size_t first = 0; first < n; first += kChecksumRows) {
    const size_t m = std::min(kChecksumRows, n - first);
    for (size_t j = 0; j < width; ++j) {  // one column at a time: its values are read in order
      const ColumnView& c = columns[j];
      const char* at = c.data + static_cast<ptrdiff_t>(first) * c.stride;
      uint64_t* cell = rows.data() + j;
      if (c.widen_float32) {
        for (size_t i = 0; i < m; ++i, at += c.stride, cell += width) {
          float f;
          std::memcpy(&f, at, sizeof f);
          const double d = f;
          std::memcpy(cell, &d, sizeof d);
        }
      } else {
        for (size_t i = 0; i < m; ++i, at += c.stride, cell += width) std::memcpy(cell, at, 8);
      }
    }
    XXH64_update(state.get(), rows.data(), m * width * sizeof(uint64_t));
  }
  return XXH64_digest(state.get());
}

}  // namespace ticklab::python
