// Moments: streaming sufficient statistics of a d-dimensional vector — count, mean and the centered
// cross-product matrix M = sum_i (z_i - mean)(z_i - mean)' — accumulated with BLAS.
//
// Rows are added in blocks (AddRows): each block is centered on its own mean (column sums by
// cblas_dgemv), its cross-products are added with cblas_dsyrk and the block is merged into the
// running moments with the exact pairwise update (Chan, Golub & LeVeque):
//   M = M_a + M_b + (n_a n_b / n) (mean_b - mean_a)(mean_b - mean_a)'   (cblas_dsyr).
// Centering keeps the statistics accurate when means are large relative to spreads; the raw
// sufficient statistics are recoverable: Z'Z = M + n mean mean'. Merge() combines two Moments the
// same way, which is how stock-days are pooled. Only the upper triangle of M is maintained
// (column-major, d x d); Packed()/FromPacked() store it row by row (i <= j), d(d+1)/2 doubles.
//
// Thread-safety: a Moments is used by one thread at a time; distinct instances are independent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "services/common/status.h"

namespace ticklab::stats {

class Moments {
 public:
  Moments() = default;
  explicit Moments(int dim);

  int dim() const { return dim_; }
  int64_t count() const { return n_; }
  const std::vector<double>& mean() const { return mean_; }
  // Upper triangle of the centered cross-product matrix, column-major with leading dimension dim().
  double comoment(int i, int j) const {
    return i <= j ? m_[static_cast<size_t>(j) * dim_ + i] : m_[static_cast<size_t>(i) * dim_ + j];
  }
  double variance(int i) const { return n_ > 1 ? comoment(i, i) / static_cast<double>(n_ - 1) : 0; }

  // Adds `n` rows; row r is rows[r * stride + 0 .. dim()-1]. Precondition: stride >= dim(), all
  // values finite (callers filter). `scratch` is reused between calls to avoid reallocation.
  void AddRows(const double* rows, size_t n, size_t stride);
  // Like AddRows on n contiguous rows of dim() values, without the copy: centres them in place
  // (the rows are left holding row - block mean).
  void AddRowsInPlace(double* rows, size_t n);
  // Adds the rows another accumulator saw. Precondition: other.dim() == dim().
  void Merge(const Moments& other);

  // The moments of a subset of the coordinates, in the order given (indexes < dim()).
  Moments Select(const std::vector<int>& coords) const;

  // Bytes this accumulator holds (its matrix, mean and block buffers).
  size_t MemoryBytes() const {
    return sizeof(double) * (mean_.capacity() + m_.capacity() + block_.capacity() +
                             block_mean_.capacity() + ones_.capacity());
  }

  // Serialised upper triangle: for i in 0..d-1, for j in i..d-1: M(i, j).
  std::vector<double> Packed() const;
  static Result<Moments> FromPacked(int dim, int64_t count, const std::vector<double>& mean,
                                    const std::vector<double>& packed);

 private:
  int dim_ = 0;
  int64_t n_ = 0;
  std::vector<double> mean_;
  std::vector<double> m_;  // dim x dim, column-major, upper triangle valid
  std::vector<double> block_;
  std::vector<double> block_mean_;
  std::vector<double> ones_;
};

}  // namespace ticklab::stats
