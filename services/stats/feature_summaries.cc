#include "services/stats/feature_summaries.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

// Vectors wider than SSE2 are used only inside AVX2 functions (always inlined there).
#pragma GCC diagnostic ignored "-Wpsabi"

namespace ticklab::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Two (SSE2, every x86-64) or four (AVX2, where the CPU has it) doubles at a time with GCC/Clang
// vector types (the compiler does not vectorise the scalar loops: their selects on NaN tests count
// as control flow). v - v == 0 exactly when v is finite. Both widths do the same operations on each
// feature in the same order (no FMA), so they give the same bits.
typedef double V2 __attribute__((vector_size(16)));
typedef int64_t M2 __attribute__((vector_size(16)));
typedef double V4 __attribute__((vector_size(32)));
typedef int64_t M4 __attribute__((vector_size(32)));

template <typename V>
inline __attribute__((always_inline)) V Load(const double* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename V>
inline __attribute__((always_inline)) void Store(double* p, V v) {
  std::memcpy(p, &v, sizeof v);
}

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define TICKLAB_AVX2 __attribute__((target("avx2")))
bool HasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#else
#define TICKLAB_AVX2
bool HasAvx2() { return false; }
#endif

// v * 0 is 0 for a finite v and NaN otherwise; the sums stay 0 only if every value is finite.
TICKLAB_AVX2 bool AllFiniteAvx2(const double* x, int n) {
  const V4 zero = {0, 0, 0, 0};
  V4 a = zero, b = zero;
  int j = 0;
  for (; j + 8 <= n; j += 8) {
    a += Load<V4>(x + j) * zero;
    b += Load<V4>(x + j + 4) * zero;
  }
  double rest = 0;
  for (; j < n; ++j) rest += x[j] * 0.0;
  const V4 s = a + b;
  return s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0 && rest == 0;
}

}  // namespace

bool AllFinite(const double* x, int n) {
  if (HasAvx2()) return AllFiniteAvx2(x, n);
  const V2 zero = {0, 0};
  V2 a = zero, b = zero;
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    a += Load<V2>(x + j) * zero;
    b += Load<V2>(x + j + 2) * zero;
  }
  double rest = 0;
  for (; j < n; ++j) rest += x[j] * 0.0;
  const V2 s = a + b;
  return s[0] == 0 && s[1] == 0 && rest == 0;
}

FeatureSummaries::FeatureSummaries(int num_features, size_t window_rows)
    : p_(num_features),
      window_(std::max<size_t>(window_rows, 1)),
      n_(num_features, 0),
      mean_(num_features, 0.0),
      m2_(num_features, 0.0),
      min_(num_features, kInf),
      max_(num_features, -kInf),
      w_shift_(num_features),
      w_n_(num_features),
      w_sum_(num_features),
      w_sq_(num_features),
      w_min_(num_features),
      w_max_(num_features) {}

void FeatureSummaries::OpenWindow() {
  std::fill(w_n_.begin(), w_n_.end(), 0.0);
  std::fill(w_sum_.begin(), w_sum_.end(), 0.0);
  std::fill(w_sq_.begin(), w_sq_.end(), 0.0);
  std::fill(w_min_.begin(), w_min_.end(), kInf);
  std::fill(w_max_.begin(), w_max_.end(), -kInf);
  shifts_set_ = true;
  for (int j = 0; j < p_; ++j) {
    w_shift_[j] = n_[j] > 0 ? mean_[j] : kNaN;
    shifts_set_ = shifts_set_ && n_[j] > 0;
  }
}

void FeatureSummaries::SetMissingShifts(const double* x, size_t n, size_t stride) {
  // A feature without a finite value so far is shifted by its first one (its window sums are
  // still 0 until then, whichever Add() call it comes in).
  bool all = true;
  for (int j = 0; j < p_; ++j) {
    for (size_t r = 0; r < n && std::isnan(w_shift_[j]); ++r) {
      if (std::isfinite(x[r * stride + j])) w_shift_[j] = x[r * stride + j];
    }
    all = all && !std::isnan(w_shift_[j]);
  }
  shifts_set_ = all;
}

namespace {

// The window sums of G vectors of W features j .. j + G*W - 1 over n rows, kept in registers
// down the rows (G independent chains hide the adds' latency).
template <typename V, typename M, int G>
inline __attribute__((always_inline)) void SumColumns(const double* x, size_t n, size_t stride,
                                                      int j, const double* shift_in, double* n_io,
                                                      double* sum_io, double* sq_io, double* lo_io,
                                                      double* hi_io) {
  constexpr int W = sizeof(V) / sizeof(double);
  const V zero = V{} * 0.0, one = zero + 1.0, pinf = zero + kInf, ninf = -pinf;
  V shift[G], cnt[G], sum[G], sq[G], lo[G], hi[G];
  for (int g = 0; g < G; ++g) {
    const int c = j + W * g;
    shift[g] = Load<V>(shift_in + c);
    cnt[g] = Load<V>(n_io + c);
    sum[g] = Load<V>(sum_io + c);
    sq[g] = Load<V>(sq_io + c);
    lo[g] = Load<V>(lo_io + c);
    hi[g] = Load<V>(hi_io + c);
  }
  const double* row = x + j;
  for (size_t r = 0; r < n; ++r, row += stride) {
    for (int g = 0; g < G; ++g) {
      const V v = Load<V>(row + W * g);
      const M ok = (v - v) == zero;  // all ones where finite
      const V d = ok ? v - shift[g] : zero;
      cnt[g] += ok ? one : zero;
      sum[g] += d;
      sq[g] += d * d;
      const V vlo = ok ? v : pinf, vhi = ok ? v : ninf;
      lo[g] = vlo < lo[g] ? vlo : lo[g];
      hi[g] = vhi > hi[g] ? vhi : hi[g];
    }
  }
  for (int g = 0; g < G; ++g) {
    const int c = j + W * g;
    Store(n_io + c, cnt[g]);
    Store(sum_io + c, sum[g]);
    Store(sq_io + c, sq[g]);
    Store(lo_io + c, lo[g]);
    Store(hi_io + c, hi[g]);
  }
}

// The features from 0 in groups of 8 and 4 with AVX2; returns the first feature not summed.
TICKLAB_AVX2 int SumColumnsAvx2(const double* x, size_t n, size_t stride, int p,
                                const double* shift, double* cnt, double* sum, double* sq,
                                double* lo, double* hi) {
  int j = 0;
  for (; j + 8 <= p; j += 8) SumColumns<V4, M4, 2>(x, n, stride, j, shift, cnt, sum, sq, lo, hi);
  for (; j + 4 <= p; j += 4) SumColumns<V4, M4, 1>(x, n, stride, j, shift, cnt, sum, sq, lo, hi);
  return j;
}

}  // namespace

void FeatureSummaries::AddSegment(const double* x, size_t n, size_t stride) {
  const double* shift = w_shift_.data();
  double *cnt = w_n_.data(), *sum = w_sum_.data(), *sq = w_sq_.data();
  double *lo = w_min_.data(), *hi = w_max_.data();
  int j = HasAvx2() ? SumColumnsAvx2(x, n, stride, p_, shift, cnt, sum, sq, lo, hi) : 0;
  for (; j + 4 <= p_; j += 4) SumColumns<V2, M2, 2>(x, n, stride, j, shift, cnt, sum, sq, lo, hi);
  for (; j + 2 <= p_; j += 2) SumColumns<V2, M2, 1>(x, n, stride, j, shift, cnt, sum, sq, lo, hi);
  for (; j < p_; ++j) {
    for (size_t r = 0; r < n; ++r) {
      const double v = x[r * stride + j];
      if (!std::isfinite(v)) continue;
      const double d = v - w_shift_[j];
      w_n_[j] += 1;
      w_sum_[j] += d;
      w_sq_[j] += d * d;
      w_min_[j] = std::min(w_min_[j], v);
      w_max_[j] = std::max(w_max_[j], v);
    }
  }
}

void FeatureSummaries::Add(const double* x, size_t n, size_t stride) {
  for (size_t r = 0; r < n;) {
    if (window_rows_ == 0) OpenWindow();
    const size_t take = std::min(n - r, window_ - window_rows_);
    const double* seg = x + r * stride;
    if (!shifts_set_) SetMissingShifts(seg, take, stride);
    AddSegment(seg, take, stride);
    window_rows_ += take;
    r += take;
    if (window_rows_ == window_) CloseWindow();
  }
}

void FeatureSummaries::CloseWindow() {
  for (int j = 0; j < p_; ++j) {
    if (w_n_[j] == 0) continue;
    const double nc = w_n_[j];
    const double mean_c = w_shift_[j] + w_sum_[j] / nc;
    const double m2_c = std::max(0.0, w_sq_[j] - w_sum_[j] * w_sum_[j] / nc);
    const double na = static_cast<double>(n_[j]);
    const double nt = na + nc;
    const double delta = mean_c - mean_[j];
    mean_[j] += delta * (nc / nt);
    m2_[j] += m2_c + delta * delta * (na * nc / nt);
    n_[j] += static_cast<int64_t>(nc);
    min_[j] = std::min(min_[j], w_min_[j]);
    max_[j] = std::max(max_[j], w_max_[j]);
  }
  window_rows_ = 0;
}

void FeatureSummaries::Finish() {
  if (window_rows_ > 0) CloseWindow();
}

std::vector<FeatureSummary> FeatureSummaries::Get() const {
  std::vector<FeatureSummary> out(p_);
  for (int j = 0; j < p_; ++j) {
    FeatureSummary& s = out[j];
    s.count = n_[j];
    if (s.count == 0) {
      s.mean = s.std = s.min = s.max = kNaN;
      continue;
    }
    s.mean = mean_[j];
    s.std = s.count > 1 ? std::sqrt(m2_[j] / static_cast<double>(s.count - 1)) : 0.0;
    s.min = min_[j];
    s.max = max_[j];
  }
  return out;
}

size_t FeatureSummaries::MemoryBytes() const {
  return sizeof(int64_t) * n_.capacity() +
         sizeof(double) * (mean_.capacity() + m2_.capacity() + min_.capacity() + max_.capacity() +
                           6 * w_n_.capacity());
}

}  // namespace ticklab::stats
