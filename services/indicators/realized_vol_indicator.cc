// Kind "realized_vol": rolling realized volatility of the mid over wall-clock windows.
//
// Parameters: windows = [seconds, ...] or window_grid = [min, max, n] (default [10, 60, 300]).
// Columns: "<prefix>.w<window>s". Returns are those of "ema_return" (log change of the valid mid,
// on BID/ASK events). Value at time t for window W: sqrt(sum of r^2 over returns with
// t - W < t_i <= t), W rounded to whole nanoseconds; 0 when the window holds no return.
// Sums are kept incrementally (add on arrival, subtract on expiry) and reset to exactly 0 when a
// window empties, so rounding cannot leave a residue.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>

#include "services/indicators/indicator_registry.h"

namespace ticklab {
namespace {

class RealizedVolIndicator final : public EventIndicator<RealizedVolIndicator> {
 public:
  explicit RealizedVolIndicator(std::vector<double> windows) : windows_(std::move(windows)) {
    for (double w : windows_) window_ns_.push_back(std::llround(w * 1e9));
    min_window_ns_ = *std::min_element(window_ns_.begin(), window_ns_.end());
    sums_.assign(windows_.size(), 0.0);
    heads_.assign(windows_.size(), 0);
  }

  int num_columns() const override { return static_cast<int>(windows_.size()); }
  void AppendColumnNames(const std::string& prefix, std::vector<std::string>* out) const override {
    AppendSecondsGridColumns(prefix, ".w", windows_, out);
  }
  void ResetState() {
    std::fill(sums_.begin(), sums_.end(), 0.0);
    std::fill(heads_.begin(), heads_.end(), 0);
    ts_.clear();
    r2_.clear();
    prev_mid_ = 0;
    next_expiry_ = kNever;
  }
  void Step(const FieldEvent& ev, const Book& book, bool) {
    if (ev.ts_ns >= next_expiry_) Expire(ev.ts_ns);
    if ((ev.field == Field::kBid || ev.field == Field::kAsk) && book.ask() > book.bid() &&
        book.bid() > 0) {
      const double mid = 0.5 * (book.ask() + book.bid());
      if (prev_mid_ > 0 && mid != prev_mid_) {
        const double r = std::log(mid / prev_mid_);
        ts_.push_back(ev.ts_ns);
        r2_.push_back(r * r);
        for (double& s : sums_) s += r * r;
        // A lower bound of the new return's expiry (exact for the shortest window).
        next_expiry_ = std::min(next_expiry_, ev.ts_ns + min_window_ns_);
      }
      prev_mid_ = mid;
    }
  }
  void WriteValues(double* out) const {
    for (size_t w = 0; w < sums_.size(); ++w) out[w] = sums_[w] > 0 ? std::sqrt(sums_[w]) : 0.0;
  }
  std::unique_ptr<Indicator> Clone() const override {
    return std::make_unique<RealizedVolIndicator>(windows_);
  }

 private:
  static constexpr int64_t kNever = INT64_MAX;

  // Drops returns with t_i <= now - W from each window and recomputes next_expiry_, the earliest
  // time any window's oldest return expires (events before it need no work).
  void Expire(int64_t now) {
    const size_t n = ts_.size();
    next_expiry_ = kNever;
    for (size_t w = 0; w < sums_.size(); ++w) {
      size_t h = heads_[w];
      if (h < n && ts_[h] <= now - window_ns_[w]) {
        while (h < n && ts_[h] <= now - window_ns_[w]) sums_[w] -= r2_[h++];
        if (h == n) sums_[w] = 0;
        heads_[w] = h;
      }
      if (h < n) next_expiry_ = std::min(next_expiry_, ts_[h] + window_ns_[w]);
    }
  }

  const std::vector<double> windows_;
  std::vector<int64_t> window_ns_;
  std::vector<double> sums_;   // per window: sum of r^2 of returns [heads_[w], end)
  std::vector<size_t> heads_;  // per window: first return inside it
  std::vector<int64_t> ts_;    // today's returns, in time order
  std::vector<double> r2_;
  double prev_mid_ = 0;
  int64_t min_window_ns_ = 0;
  int64_t next_expiry_ = kNever;
};

}  // namespace

Result<std::unique_ptr<Indicator>> MakeRealizedVolIndicator(IndicatorParams* params) {
  std::vector<double> w;
  TICKLAB_RETURN_IF_ERROR(params->PositiveGrid("windows", "window_grid", {10, 60, 300}, &w));
  return std::unique_ptr<Indicator>(new RealizedVolIndicator(std::move(w)));
}

}  // namespace ticklab
