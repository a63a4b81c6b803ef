// Ridge regression of one target on a feature vector, solved from sufficient statistics.
//
// Input: Moments of the (p+1)-vector [x_1..x_p, y] (the target is the last coordinate), e.g. one
// stock-day and horizon, or many merged (pooled). The model is y = a + b'x + e:
//   * Features are standardised by the sample's own standard deviations, so ridge_lambda is
//     scale-free: on the correlation scale we solve (R + lambda I) c = r with LAPACKE_dposv, where
//     R is the feature correlation matrix and r the feature/target correlations.
//   * The intercept is not penalised: the fit is on centered data and a = mean(y) - b'mean(x),
//     which is the same as augmenting X with a constant column and leaving it out of the penalty.
//   * Features with (numerically) zero variance are excluded: coefficient 0, correlation NaN.
// Reported: raw-scale coefficients b and intercept a (predict y from raw features), standardised
// coefficients c (b_j = c_j sd(y) / sd(x_j)), correlations r, and in-sample R^2 = 1 - SSE / SST.
// OutOfSampleR2() scores a fit on another sample's moments (e.g. the next day) without its rows.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "services/common/status.h"
#include "services/stats/moments.h"

namespace ticklab::stats {

struct RidgeFit {
  Status status;          // non-OK: not fitted (too few rows, constant target, solver failure)
  int64_t n = 0;          // rows in the sample
  int num_features = 0;   // p
  int used_features = 0;  // features with non-zero variance
  double lambda = 0;
  double y_mean = 0;
  double y_std = 0;  // sample standard deviation of the target
  double intercept = 0;
  std::vector<double> coef;      // p raw-scale coefficients (0 for excluded features)
  std::vector<double> coef_std;  // p standardised coefficients
  std::vector<double> corr;      // p correlations with the target (NaN where undefined)
  double r2 = 0;                 // in-sample coefficient of determination (NaN when not fitted)
};

// Fits y (last coordinate of `xy`) on the other coordinates. Precondition: xy.dim() >= 1,
// lambda >= 0. lambda == 0 is ordinary least squares (fails if R is singular).
RidgeFit FitRidge(const Moments& xy, double lambda);

// 1 - SSE/SST of `fit`'s predictions on the sample summarised by `test` (same layout as the
// fitted moments); NaN when the fit failed, the test sample has < 2 rows or a constant target.
double OutOfSampleR2(const RidgeFit& fit, const Moments& test);

}  // namespace ticklab::stats
