#include "services/python/row_checksum.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <cstring>
#include <vector>

namespace ticklab::python {
namespace {

// Column-major values (as a version 2 file stores them) hash like the rows they make.
TEST(RowsChecksumTest, EqualsTheHashOfTheAssembledRows) {
  for (size_t n : {size_t{0}, size_t{1}, kChecksumRows, 3 * kChecksumRows + 7}) {
    std::vector<int64_t> ts(n);
    std::vector<double> a(n);
    std::vector<float> b(n);
    std::vector<double> rows;
    for (size_t i = 0; i < n; ++i) {
      ts[i] = 1'000'000'007 * static_cast<int64_t>(i);
      a[i] = 0.5 * static_cast<double>(i);
      b[i] = 0.25f * static_cast<float>(i) + 0.1f;
      double t;
      std::memcpy(&t, &ts[i], 8);
      rows.insert(rows.end(), {t, a[i], static_cast<double>(b[i])});
    }
    const uint64_t expected = XXH64(rows.data(), rows.size() * 8, 0);
    const std::vector<ColumnView> columns = {{reinterpret_cast<const char*>(ts.data()), 8, false},
                                             {reinterpret_cast<const char*>(a.data()), 8, false},
                                             {reinterpret_cast<const char*>(b.data()), 4, true}};
    EXPECT_EQ(RowsChecksum(n, columns), expected) << n << " rows";
  }
}

// Strided columns (version 1's rows, a view every other value) read at their stride.
TEST(RowsChecksumTest, ReadsColumnsAtTheirStride) {
  std::vector<double> interleaved = {1, 10, 2, 20, 3, 30};
  const std::vector<ColumnView> columns = {
      {reinterpret_cast<const char*>(interleaved.data()), 16, false},
      {reinterpret_cast<const char*>(interleaved.data() + 1), 16, false}};
  EXPECT_EQ(RowsChecksum(3, columns), XXH64(interleaved.data(), interleaved.size() * 8, 0));
}

}  // namespace
}  // namespace ticklab::python
