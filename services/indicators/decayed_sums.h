// DecayedSums: sums that decay exponentially in wall-clock time, one per half-life (internal).
//
// Value h at time t is sum_i x_i * 2^(-(t - t_i) / half_life_h). AdvanceTo(ts) moves the clock
// (a timestamp not after the current one is ignored); Add(x) adds x to every sum at the current
// time; sums() reads them at the current time. Decay is applied lazily, only when a sum is added to
// or read: each sum is multiplied by exp(-(dt_ns * 1e-9) * (ln 2 / half_life)) for the time dt_ns
// since the last such moment (and not at all while every sum is 0). The result equals decaying at
// every timestamp up to rounding (the Python references in tests/ decay at every timestamp).
// Thread-safety: mutable state; one instance per thread.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace ticklab {

class DecayedSums {
 public:
  explicit DecayedSums(const std::vector<double>& half_lives_s) {
    for (double h : half_lives_s) rate_.push_back(std::log(2.0) / h);
    sums_.assign(rate_.size(), 0.0);
  }
  void Reset() {
    std::fill(sums_.begin(), sums_.end(), 0.0);
    started_ = nonzero_ = false;
    now_ns_ = settled_ns_ = 0;
  }
  void AdvanceTo(int64_t ts_ns) {
    if (!started_) {
      settled_ns_ = now_ns_ = ts_ns;
      started_ = true;
    } else if (ts_ns > now_ns_) {
      now_ns_ = ts_ns;
    }
  }
  void Add(double x) {
    Settle();
    for (double& s : sums_) s += x;
    nonzero_ = true;
  }
  const std::vector<double>& sums() const {
    Settle();
    return sums_;
  }
  size_t size() const { return sums_.size(); }

 private:
  void Settle() const {
    if (now_ns_ <= settled_ns_) return;
    if (nonzero_) {
      const double dt = static_cast<double>(now_ns_ - settled_ns_) * 1e-9;
      for (size_t h = 0; h < sums_.size(); ++h) sums_[h] *= std::exp(-dt * rate_[h]);
    }
    settled_ns_ = now_ns_;
  }

  std::vector<double> rate_;
  mutable std::vector<double> sums_;
  bool started_ = false, nonzero_ = false;
  int64_t now_ns_ = 0;
  mutable int64_t settled_ns_ = 0;
};

}  // namespace ticklab
