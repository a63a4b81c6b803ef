#include "services/python/row_matrix.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace ticklab::python {
namespace {

// Row r's values: distinct bit patterns, a NaN with a payload among them (copied as bits).
std::vector<double> RowValues(size_t r, int p) {
  std::vector<double> v(static_cast<size_t>(p));
  for (int c = 0; c < p; ++c) v[static_cast<size_t>(c)] = static_cast<double>(r) * 1000 + c + 0.25;
  if (p > 1) {
    const uint64_t nan_bits = 0x7ff8'0000'0000'0000ULL | r;
    std::memcpy(&v[1], &nan_bits, 8);
  }
  return v;
}

void ExpectRows(const int64_t* ts, const double* values, size_t rows, int p) {
  for (size_t r = 0; r < rows; ++r) {
    ASSERT_EQ(ts[r], static_cast<int64_t>(r) * 7) << r;
    const std::vector<double> want = RowValues(r, p);
    ASSERT_EQ(std::memcmp(values + r * static_cast<size_t>(p), want.data(), 8 * want.size()), 0)
        << "row " << r;
  }
}

TEST(RowMatrix, GrowsPastItsReserveAndHandsOverTheRowsBitForBit) {
  ColumnBufferPool pool(4);
  for (int p : {1, 2, 3, 82}) {  // odd widths: rows start off a 16-byte boundary every other row
    RowMatrix sink(p, 10, &pool);
    const size_t rows = 20000;  // past the 1024-row minimum; p = 82: from malloc to pooled blocks
    for (size_t r = 0; r < rows; ++r)
      sink.OnRow(static_cast<int64_t>(r) * 7, 0, RowValues(r, p).data());
    sink.Finish();
    ASSERT_EQ(sink.rows(), rows);
    EXPECT_FALSE(sink.overflowed());
    auto [ts, values] = sink.Release();
    ExpectRows(static_cast<int64_t*>(ts.data), static_cast<double*>(values.data), rows, p);
    pool.Release(ts);
    pool.Release(values);
  }
}

// A day's blocks, given back, hold the next day's rows: no new memory once warm.
TEST(RowMatrix, ReusesTheBlocksOfTheLastDay) {
  ColumnBufferPool pool(4);
  const int p = 16;
  const size_t rows = 40000;  // 5 MB of values: pooled blocks
  void* first_values = nullptr;
  for (int day = 0; day < 3; ++day) {
    RowMatrix sink(p, rows, &pool);
    for (size_t r = 0; r < rows; ++r)
      sink.OnRow(static_cast<int64_t>(r) * 7, 0, RowValues(r, p).data());
    sink.Finish();
    auto [ts, values] = sink.Release();
    ExpectRows(static_cast<int64_t*>(ts.data), static_cast<double*>(values.data), rows, p);
    if (day == 0) first_values = values.data;
    EXPECT_EQ(values.data, first_values) << "day " << day;
    pool.Release(ts);
    pool.Release(values);
  }
}

TEST(RowMatrix, ReleaseOfNoRowsGivesBlocks) {
  ColumnBufferPool pool(4);
  RowMatrix sink(4, 0, &pool);
  auto [ts, values] = sink.Release();
  EXPECT_NE(ts.data, nullptr);
  EXPECT_NE(values.data, nullptr);
  pool.Release(ts);
  pool.Release(values);
}

// A sink dropped without Release() gives its blocks back.
TEST(RowMatrix, GivesItsBlocksBackWhenNotReleased) {
  ColumnBufferPool pool(4);
  { RowMatrix sink(8, 100000, &pool); }
  EXPECT_GT(pool.free_bytes(), 0u);
}

TEST(RowMatrix, FixedModeFillsTheCallersArraysAndCountsWhatDoesNotFit) {
  const int p = 3;
  std::vector<int64_t> ts(4, -1);
  std::vector<double> values(4 * p, -1.0);
  RowMatrix sink(p, 3, ts.data(), values.data());
  for (size_t r = 0; r < 5; ++r) sink.OnRow(static_cast<int64_t>(r) * 7, 0, RowValues(r, p).data());
  sink.Finish();
  EXPECT_EQ(sink.rows(), 3u);
  EXPECT_TRUE(sink.overflowed());
  EXPECT_EQ(sink.rows_dropped(), 2u);
  ExpectRows(ts.data(), values.data(), 3, p);
  EXPECT_EQ(ts[3], -1);  // past the capacity: untouched
  EXPECT_EQ(values[3 * p], -1.0);
}

TEST(RowMatrix, WritesIntoUnalignedArrays) {
  // numpy arrays over a byte buffer may start anywhere: no streaming stores there, same rows.
  const int p = 5;
  const size_t rows = 100;
  std::vector<unsigned char> ts_bytes(rows * 8 + 1), value_bytes(rows * p * 8 + 1);
  auto* ts = reinterpret_cast<int64_t*>(ts_bytes.data() + 1);
  auto* values = reinterpret_cast<double*>(value_bytes.data() + 1);
  RowMatrix sink(p, rows, ts, values);
  for (size_t r = 0; r < rows; ++r)
    sink.OnRow(static_cast<int64_t>(r) * 7, 0, RowValues(r, p).data());
  sink.Finish();
  for (size_t r = 0; r < rows; ++r) {
    int64_t t;
    std::memcpy(&t, ts_bytes.data() + 1 + 8 * r, 8);
    ASSERT_EQ(t, static_cast<int64_t>(r) * 7);
    const std::vector<double> want = RowValues(r, p);
    ASSERT_EQ(std::memcmp(value_bytes.data() + 1 + 8 * r * p, want.data(), 8 * p), 0) << r;
  }
}

}  // namespace
}  // namespace ticklab::python
