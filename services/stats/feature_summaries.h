// FeatureSummaries: per-feature count, mean, standard deviation, min and max over a stock-day's
// rows (non-finite values are not counted), as Layer 3 stores them for every feature.
//
//   FeatureSummaries s(p, 256);
//   s.Add(x, n, stride);   // any number of times; row r's features are x[r * stride + 0 .. p-1]
//   s.Finish();
//   std::vector<FeatureSummary> out = s.Get();
//
// Rows are summed in windows of `window_rows` rows, each window about a shift (the mean of the
// windows before, or in the first windows the feature's first finite value), feature by feature
// down the window so the sums stay in registers; windows are merged exactly (Chan et al.). The
// result does not depend on how the rows are split into Add() calls.
// Thread-safety: one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ticklab::stats {

struct FeatureSummary {
  int64_t count = 0;  // finite values
  double mean = 0;
  double std = 0;  // sample standard deviation (n-1); 0 when count < 2
  double min = 0;
  double max = 0;
};

class FeatureSummaries {
 public:
  // Precondition: num_features >= 0, window_rows >= 1.
  FeatureSummaries(int num_features, size_t window_rows);

  void Add(const double* x, size_t n, size_t stride);
  // Merges the last, partial window. Add() after Finish() starts a new window.
  void Finish();
  // After Finish(): NaN mean/std/min/max for a feature without a finite value.
  std::vector<FeatureSummary> Get() const;
  size_t MemoryBytes() const;

 private:
  void OpenWindow();
  void SetMissingShifts(const double* x, size_t n, size_t stride);
  void AddSegment(const double* x, size_t n, size_t stride);
  void CloseWindow();

  int p_;
  size_t window_;
  size_t window_rows_ = 0;
  bool shifts_set_ = false;  // every feature of the open window has a shift
  std::vector<int64_t> n_;   // merged windows
  std::vector<double> mean_, m2_, min_, max_;
  std::vector<double> w_shift_, w_n_, w_sum_, w_sq_, w_min_, w_max_;  // the open window
};

// True when x[0..n-1] are all finite (no NaN, no infinity).
bool AllFinite(const double* x, int n);

}  // namespace ticklab::stats
