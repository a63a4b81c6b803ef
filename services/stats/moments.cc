#include "services/stats/moments.h"

#include <algorithm>

#include "services/stats/blas.h"

namespace ticklab::stats {

Moments::Moments(int dim) : dim_(dim), mean_(dim, 0.0), m_(static_cast<size_t>(dim) * dim, 0.0) {}

void Moments::AddRows(const double* rows, size_t n, size_t stride) {
  if (n == 0 || dim_ == 0) return;
  const size_t d = static_cast<size_t>(dim_);
  // Copy the block contiguously (d doubles per row): a d x n column-major matrix B.
  block_.resize(d * n);
  for (size_t r = 0; r < n; ++r)
    std::copy(rows + r * stride, rows + r * stride + d, &block_[r * d]);
  AddRowsInPlace(block_.data(), n);
}

void Moments::AddRowsInPlace(double* block, size_t n) {
  if (n == 0 || dim_ == 0) return;
  const int d = dim_;
  const int nb = static_cast<int>(n);
  if (ones_.size() < n) ones_.assign(n, 1.0);
  block_mean_.assign(d, 0.0);
  cblas_dgemv(CblasColMajor, CblasNoTrans, d, nb, 1.0 / nb, block, d, ones_.data(), 1, 0.0,
              block_mean_.data(), 1);
  for (size_t r = 0; r < n; ++r) {
    double* row = block + r * d;
    for (int j = 0; j < d; ++j) row[j] -= block_mean_[j];
  }
  // M += B_c B_c'  (upper triangle).
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, d, nb, 1.0, block, d, 1.0, m_.data(), d);
  const double na = static_cast<double>(n_), nbd = static_cast<double>(n);
  const double nt = na + nbd;
  if (n_ > 0) {
    for (int j = 0; j < d; ++j) block_mean_[j] -= mean_[j];  // delta
    cblas_dsyr(CblasColMajor, CblasUpper, d, na * nbd / nt, block_mean_.data(), 1, m_.data(), d);
    for (int j = 0; j < d; ++j) mean_[j] += block_mean_[j] * (nbd / nt);
  } else {
    mean_ = block_mean_;
  }
  n_ += static_cast<int64_t>(n);
}

void Moments::Merge(const Moments& o) {
  if (o.n_ == 0) return;
  if (n_ == 0) {
    n_ = o.n_;
    mean_ = o.mean_;
    m_ = o.m_;
    return;
  }
  const int d = dim_;
  const double na = static_cast<double>(n_), nb = static_cast<double>(o.n_), nt = na + nb;
  std::vector<double> delta(d);
  for (int j = 0; j < d; ++j) delta[j] = o.mean_[j] - mean_[j];
  for (int j = 0; j < d; ++j) {
    for (int i = 0; i <= j; ++i)
      m_[static_cast<size_t>(j) * d + i] += o.m_[static_cast<size_t>(j) * d + i];
  }
  cblas_dsyr(CblasColMajor, CblasUpper, d, na * nb / nt, delta.data(), 1, m_.data(), d);
  for (int j = 0; j < d; ++j) mean_[j] += delta[j] * (nb / nt);
  n_ += o.n_;
}

Moments Moments::Select(const std::vector<int>& coords) const {
  const int k = static_cast<int>(coords.size());
  Moments out(k);
  out.n_ = n_;
  for (int a = 0; a < k; ++a) {
    out.mean_[a] = mean_[coords[a]];
    for (int b = a; b < k; ++b)
      out.m_[static_cast<size_t>(b) * k + a] = comoment(coords[a], coords[b]);
  }
  return out;
}

std::vector<double> Moments::Packed() const {
  std::vector<double> p;
  p.reserve(static_cast<size_t>(dim_) * (dim_ + 1) / 2);
  for (int i = 0; i < dim_; ++i) {
    for (int j = i; j < dim_; ++j) p.push_back(comoment(i, j));
  }
  return p;
}

Result<Moments> Moments::FromPacked(int dim, int64_t count, const std::vector<double>& mean,
                                    const std::vector<double>& packed) {
  if (dim < 0 || mean.size() != static_cast<size_t>(dim) ||
      packed.size() != static_cast<size_t>(dim) * (dim + 1) / 2 || count < 0) {
    return Status::DataLoss("moments: dimension " + std::to_string(dim) + " does not match " +
                            std::to_string(mean.size()) + " means / " +
                            std::to_string(packed.size()) + " packed cross-products");
  }
  Moments out(dim);
  out.n_ = count;
  out.mean_ = mean;
  size_t k = 0;
  for (int i = 0; i < dim; ++i) {
    for (int j = i; j < dim; ++j) out.m_[static_cast<size_t>(j) * dim + i] = packed[k++];
  }
  return out;
}

}  // namespace ticklab::stats
