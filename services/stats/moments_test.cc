#include "services/stats/moments.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace ticklab::stats {
namespace {

// Naive two-pass reference over row-major data.
void Reference(const std::vector<double>& rows, int d, std::vector<double>* mean,
               std::vector<double>* m) {
  const size_t n = rows.size() / d;
  mean->assign(d, 0.0);
  for (size_t r = 0; r < n; ++r)
    for (int j = 0; j < d; ++j) (*mean)[j] += rows[r * d + j] / n;
  m->assign(static_cast<size_t>(d) * d, 0.0);
  for (size_t r = 0; r < n; ++r)
    for (int i = 0; i < d; ++i)
      for (int j = 0; j < d; ++j)
        (*m)[i * d + j] += (rows[r * d + i] - (*mean)[i]) * (rows[r * d + j] - (*mean)[j]);
}

std::vector<double> RandomRows(size_t n, int d, unsigned seed, double offset) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  std::vector<double> rows(n * d);
  for (size_t r = 0; r < n; ++r)
    for (int j = 0; j < d; ++j) rows[r * d + j] = offset * (j + 1) + g(rng) * (j + 1);
  return rows;
}

TEST(Moments, BlocksMatchTwoPassReference) {
  const int d = 5;
  const size_t n = 1003;
  std::vector<double> rows = RandomRows(n, d, 1, 1e4);  // large means: centering matters
  Moments m(d);
  for (size_t start = 0; start < n; start += 97) {
    m.AddRows(rows.data() + start * d, std::min<size_t>(97, n - start), d);
  }
  std::vector<double> mean, ref;
  Reference(rows, d, &mean, &ref);
  EXPECT_EQ(m.count(), static_cast<int64_t>(n));
  for (int i = 0; i < d; ++i) {
    EXPECT_NEAR(m.mean()[i], mean[i], 1e-9 * std::abs(mean[i]));
    for (int j = 0; j < d; ++j)
      EXPECT_NEAR(m.comoment(i, j), ref[i * d + j], 1e-8 * ref[i * d + i]);
  }
}

TEST(Moments, MergeEqualsSinglePass) {
  const int d = 4;
  std::vector<double> a = RandomRows(300, d, 2, 3.0), b = RandomRows(211, d, 3, -7.0);
  Moments ma(d), mb(d), all(d);
  ma.AddRows(a.data(), 300, d);
  mb.AddRows(b.data(), 211, d);
  all.AddRows(a.data(), 300, d);
  all.AddRows(b.data(), 211, d);
  ma.Merge(mb);
  EXPECT_EQ(ma.count(), 511);
  for (int i = 0; i < d; ++i) {
    EXPECT_NEAR(ma.mean()[i], all.mean()[i], 1e-12 * (1 + std::abs(all.mean()[i])));
    for (int j = i; j < d; ++j)
      EXPECT_NEAR(ma.comoment(i, j), all.comoment(i, j), 1e-9 * all.comoment(i, i));
  }
  Moments empty(d);
  empty.Merge(ma);
  EXPECT_EQ(empty.count(), 511);
  EXPECT_DOUBLE_EQ(empty.comoment(1, 2), ma.comoment(1, 2));
}

TEST(Moments, StrideSkipsExtraColumnsAndPackedRoundTrips) {
  // Rows of 3 values with stride 4: the 4th column must be ignored.
  std::vector<double> rows = {1, 2, 3, 99, 4, 5, 6, 99, 7, 8, 10, 99};
  Moments m(3);
  m.AddRows(rows.data(), 3, 4);
  EXPECT_DOUBLE_EQ(m.mean()[0], 4.0);
  EXPECT_DOUBLE_EQ(m.comoment(0, 0), 18.0);    // (-3)^2 + 0 + 3^2
  EXPECT_NEAR(m.comoment(0, 2), 21.0, 1e-12);  // mean 19/3: -3*-10/3 + 0 + 3*11/3
  EXPECT_DOUBLE_EQ(m.variance(0), 9.0);
  Result<Moments> back = Moments::FromPacked(3, m.count(), m.mean(), m.Packed());
  ASSERT_TRUE(back.ok());
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_DOUBLE_EQ(back->comoment(i, j), m.comoment(i, j));
  EXPECT_FALSE(Moments::FromPacked(3, 3, m.mean(), {1.0, 2.0}).ok());
  Moments sel = m.Select({2, 0});
  EXPECT_DOUBLE_EQ(sel.comoment(0, 1), m.comoment(0, 2));
  EXPECT_DOUBLE_EQ(sel.comoment(0, 0), m.comoment(2, 2));
}

}  // namespace
}  // namespace ticklab::stats
