// DecayedSums: sums that decay exponentially in wall-clock time, one per half-life (internal).
//
// Value h at time t is sum_i x_i * 2^(-(t - t_i) / half_life_h). AdvanceTo(ts) decays every sum
// from the last timestamp to `ts` with the factor exp(-(dt_ns * 1e-9) * (ln 2 / half_life)), once
// per distinct timestamp (a timestamp not after the last one leaves the sums unchanged); Add(x)
// adds x to every sum. The Python references in tests/ use the same formula.
// Thread-safety: mutable state; one instance per thread.
#pragma once

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
    started_ = false;
  }
  void AdvanceTo(int64_t ts_ns) {
    if (started_ && ts_ns > last_ns_) {
      const double dt = static_cast<double>(ts_ns - last_ns_) * 1e-9;
      for (size_t h = 0; h < sums_.size(); ++h) sums_[h] *= std::exp(-dt * rate_[h]);
    }
    if (!started_ || ts_ns > last_ns_) last_ns_ = ts_ns;
    started_ = true;
  }
  void Add(double x) {
    for (double& s : sums_) s += x;
  }
  const std::vector<double>& sums() const { return sums_; }
  size_t size() const { return sums_.size(); }

 private:
  std::vector<double> rate_;
  std::vector<double> sums_;
  bool started_ = false;
  int64_t last_ns_ = 0;
};

}  // namespace ticklab
