#include "services/stats/ridge.h"

#include <cmath>
#include <limits>

#include "services/stats/blas.h"

namespace ticklab::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A coordinate whose spread is at rounding level of its mean is treated as constant.
bool HasVariance(const Moments& m, int j) {
  const double s = m.comoment(j, j);
  const double n = static_cast<double>(m.count());
  const double floor = 1e-10 * std::fabs(m.mean()[j]);
  return s > 0 && s > n * floor * floor;
}

}  // namespace

RidgeFit FitRidge(const Moments& xy, double lambda) {
  RidgeFit fit;
  const int p = xy.dim() - 1;
  fit.n = xy.count();
  fit.num_features = p;
  fit.lambda = lambda;
  fit.coef.assign(p, 0.0);
  fit.coef_std.assign(p, 0.0);
  fit.corr.assign(p, kNaN);
  fit.r2 = kNaN;
  fit.intercept = kNaN;
  if (p < 0) {
    fit.status = Status::InvalidArgument("ridge: moments need at least the target coordinate");
    return fit;
  }
  fit.y_mean = fit.n > 0 ? xy.mean()[p] : kNaN;
  fit.y_std = fit.n > 1 ? std::sqrt(xy.variance(p)) : kNaN;
  if (fit.n < 2) {
    fit.status = Status::FailedPrecondition("ridge: fewer than 2 rows");
    return fit;
  }
  if (!HasVariance(xy, p)) {
    fit.status = Status::FailedPrecondition("ridge: the target is constant");
    return fit;
  }
  const double syy = xy.comoment(p, p);
  std::vector<int> used;
  std::vector<double> sx;  // sqrt of centered sums of squares of used features
  for (int j = 0; j < p; ++j) {
    if (!HasVariance(xy, j)) continue;
    used.push_back(j);
    sx.push_back(std::sqrt(xy.comoment(j, j)));
  }
  const int k = static_cast<int>(used.size());
  fit.used_features = k;
  // Correlation matrix R (upper, column-major) and correlations r.
  std::vector<double> a(static_cast<size_t>(k) * k, 0.0), r(k), c(k);
  const double sy = std::sqrt(syy);
  for (int q = 0; q < k; ++q) {
    r[q] = xy.comoment(used[q], p) / (sx[q] * sy);
    fit.corr[used[q]] = r[q];
    for (int s = 0; s <= q; ++s) {
      a[static_cast<size_t>(q) * k + s] = xy.comoment(used[s], used[q]) / (sx[s] * sx[q]);
    }
  }
  std::vector<double> rr = a;  // R before the ridge term, for R^2
  for (int q = 0; q < k; ++q) a[static_cast<size_t>(q) * k + q] += lambda;
  c = r;
  if (k > 0) {
    lapack_int info = LAPACKE_dposv(LAPACK_COL_MAJOR, 'U', k, 1, a.data(), k, c.data(), k);
    if (info != 0) {
      fit.status = Status::FailedPrecondition(
          "ridge: LAPACKE_dposv info " + std::to_string(info) +
          (info > 0
               ? " (correlation matrix + lambda I is not positive definite; raise ridge_lambda)"
               : ""));
      return fit;
    }
  }
  // In-sample R^2 on the standardised scale: 1 - (1 - 2 c'r + c'Rc).
  double cr = 0, crc = 0;
  for (int q = 0; q < k; ++q) {
    cr += c[q] * r[q];
    for (int s = 0; s < k; ++s) {
      const double rqs =
          s <= q ? rr[static_cast<size_t>(q) * k + s] : rr[static_cast<size_t>(s) * k + q];
      crc += c[q] * rqs * c[s];
    }
  }
  fit.r2 = 2 * cr - crc;
  double icpt = fit.y_mean;
  for (int q = 0; q < k; ++q) {
    const int j = used[q];
    fit.coef_std[j] = c[q];
    fit.coef[j] = c[q] * sy / sx[q];
    icpt -= fit.coef[j] * xy.mean()[j];
  }
  fit.intercept = icpt;
  return fit;
}

double OutOfSampleR2(const RidgeFit& fit, const Moments& test) {
  const int p = fit.num_features;
  if (!fit.status.ok() || test.dim() != p + 1 || test.count() < 2) return kNaN;
  const double syy = test.comoment(p, p);
  if (!(syy > 0)) return kNaN;
  // SSE = s_yy - 2 b's_xy + b'S_xx b + n (ybar - a - b'xbar)^2 on the test sample.
  double bsxy = 0, bsb = 0, bias = test.mean()[p] - fit.intercept;
  for (int i = 0; i < p; ++i) {
    const double bi = fit.coef[i];
    if (bi == 0) continue;
    bsxy += bi * test.comoment(i, p);
    bias -= bi * test.mean()[i];
    for (int j = 0; j < p; ++j) {
      if (fit.coef[j] != 0) bsb += bi * test.comoment(i, j) * fit.coef[j];
    }
  }
  const double sse = syy - 2 * bsxy + bsb + static_cast<double>(test.count()) * bias * bias;
  return 1.0 - sse / syy;
}

}  // namespace ticklab::stats
