#include "services/stats/ridge.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace ticklab::stats {
namespace {

Moments FromRows(const std::vector<double>& rows, int d) {
  Moments m(d);
  m.AddRows(rows.data(), rows.size() / d, d);
  return m;
}

TEST(Ridge, ExactLinearDataRecoversCoefficients) {
  // y = 1.5 + 2 x1 - 3 x2 + 0.5 x3, no noise.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-5, 5);
  std::vector<double> rows;
  for (int i = 0; i < 500; ++i) {
    double x1 = u(rng), x2 = 100 + u(rng), x3 = u(rng) * 1e-3;
    rows.insert(rows.end(), {x1, x2, x3, 1.5 + 2 * x1 - 3 * x2 + 0.5 * x3});
  }
  RidgeFit f = FitRidge(FromRows(rows, 4), 0.0);
  ASSERT_TRUE(f.status.ok()) << f.status.ToString();
  EXPECT_NEAR(f.coef[0], 2.0, 1e-9);
  EXPECT_NEAR(f.coef[1], -3.0, 1e-9);
  EXPECT_NEAR(f.coef[2], 0.5, 1e-6);
  EXPECT_NEAR(f.intercept, 1.5, 1e-6);
  EXPECT_NEAR(f.r2, 1.0, 1e-12);
  EXPECT_EQ(f.used_features, 3);
}

TEST(Ridge, TwoByTwoClosedForm) {
  // Four points, two centered features with known correlation structure.
  // x1 = [1,-1,1,-1], x2 = [1,1,-1,-1] (orthogonal, unit correlation scale), y = [3,1,-1,-3].
  std::vector<double> rows = {1, 1, 3, -1, 1, 1, 1, -1, -1, -1, -1, -3};
  const double lambda = 0.5;
  RidgeFit f = FitRidge(FromRows(rows, 3), lambda);
  ASSERT_TRUE(f.status.ok());
  // R = I (orthogonal), r = (corr(x1,y), corr(x2,y)).  sxx = 4, syy = 20, sxy = (4, 8).
  const double r1 = 4 / std::sqrt(4 * 20.0), r2 = 8 / std::sqrt(4 * 20.0);
  EXPECT_NEAR(f.corr[0], r1, 1e-14);
  EXPECT_NEAR(f.corr[1], r2, 1e-14);
  EXPECT_NEAR(f.coef_std[0], r1 / (1 + lambda), 1e-14);
  EXPECT_NEAR(f.coef_std[1], r2 / (1 + lambda), 1e-14);
  // Raw scale: c * sqrt(syy / sxx).
  EXPECT_NEAR(f.coef[0], r1 / (1 + lambda) * std::sqrt(20.0 / 4), 1e-14);
  EXPECT_NEAR(f.intercept, 0.0, 1e-14);
  // R^2 = 2 c'r - c'Rc with R = I.
  const double c1 = r1 / 1.5, c2 = r2 / 1.5;
  EXPECT_NEAR(f.r2, 2 * (c1 * r1 + c2 * r2) - (c1 * c1 + c2 * c2), 1e-14);
}

TEST(Ridge, CorrelatedTwoByTwoMatchesExplicitInverse) {
  std::vector<double> rows = {1, 2, 1, 2, 1, 3, 3, 5, 2, 4, 4, 7, 5, 3, 4};
  const double lambda = 0.1;
  Moments m = FromRows(rows, 3);
  RidgeFit f = FitRidge(m, lambda);
  ASSERT_TRUE(f.status.ok());
  const double s11 = m.comoment(0, 0), s22 = m.comoment(1, 1), s12 = m.comoment(0, 1);
  const double s1y = m.comoment(0, 2), s2y = m.comoment(1, 2), syy = m.comoment(2, 2);
  const double rho = s12 / std::sqrt(s11 * s22);
  const double r1 = s1y / std::sqrt(s11 * syy), r2 = s2y / std::sqrt(s22 * syy);
  const double a = 1 + lambda, det = a * a - rho * rho;
  EXPECT_NEAR(f.coef_std[0], (a * r1 - rho * r2) / det, 1e-13);
  EXPECT_NEAR(f.coef_std[1], (a * r2 - rho * r1) / det, 1e-13);
}

TEST(Ridge, ConstantFeatureIsExcludedAndConstantTargetFails) {
  std::vector<double> rows = {1, 7, 2, 2, 7, 4.5, 3, 7, 5.5, 4, 7, 8.5};
  RidgeFit f = FitRidge(FromRows(rows, 3), 1e-9);
  ASSERT_TRUE(f.status.ok());
  EXPECT_EQ(f.used_features, 1);
  EXPECT_EQ(f.coef[1], 0.0);
  EXPECT_TRUE(std::isnan(f.corr[1]));
  std::vector<double> flat = {1, 2, 2, 2, 3, 2};
  RidgeFit g = FitRidge(FromRows(flat, 2), 0.0);
  EXPECT_FALSE(g.status.ok());
  EXPECT_TRUE(std::isnan(g.r2));
}

TEST(Ridge, OutOfSampleR2MatchesDirectComputation) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> g;
  auto make = [&](int n) {
    std::vector<double> rows;
    for (int i = 0; i < n; ++i) {
      double x1 = g(rng), x2 = g(rng) + 3;
      rows.insert(rows.end(), {x1, x2, 0.3 * x1 - 0.2 * x2 + g(rng)});
    }
    return rows;
  };
  std::vector<double> train = make(400), test = make(300);
  RidgeFit f = FitRidge(FromRows(train, 3), 0.01);
  ASSERT_TRUE(f.status.ok());
  double sse = 0, mean = 0, sst = 0;
  for (size_t i = 0; i < 300; ++i) mean += test[i * 3 + 2] / 300;
  for (size_t i = 0; i < 300; ++i) {
    const double* r = &test[i * 3];
    const double e = r[2] - f.intercept - f.coef[0] * r[0] - f.coef[1] * r[1];
    sse += e * e;
    sst += (r[2] - mean) * (r[2] - mean);
  }
  EXPECT_NEAR(OutOfSampleR2(f, FromRows(test, 3)), 1 - sse / sst, 1e-10);
  // In-sample R^2 via the same formula.
  EXPECT_NEAR(OutOfSampleR2(f, FromRows(train, 3)), f.r2, 1e-10);
}

}  // namespace
}  // namespace ticklab::stats
