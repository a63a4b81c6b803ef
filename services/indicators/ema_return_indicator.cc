// Kind "ema_return": exponentially time-decayed sums of mid-price log returns (momentum).
//
// Parameters: half_lives = [seconds, ...] or half_life_grid = [min, max, n] (default [1, 10, 60,
// 300]). Columns: "<prefix>.hl<half_life>s". The mid is 0.5 * (bid + ask) while ask > bid > 0 (the
// seed's valid quote); on a BID or ASK event whose mid differs from the previous valid mid the
// return r = log(mid / previous mid) is added to every sum, after decaying them to the event's time
// (DecayedSums). Value at an instant: sum_i r_i * 2^(-(t - t_i) / half_life); 0 before any return.
#include <algorithm>
#include <cmath>

#include "services/indicators/decayed_sums.h"
#include "services/indicators/indicator_registry.h"

namespace ticklab {
namespace {

class EmaReturnIndicator final : public EventIndicator<EmaReturnIndicator> {
 public:
  explicit EmaReturnIndicator(std::vector<double> half_lives)
      : half_lives_(std::move(half_lives)), sums_(half_lives_) {}

  int num_columns() const override { return static_cast<int>(half_lives_.size()); }
  void AppendColumnNames(const std::string& prefix, std::vector<std::string>* out) const override {
    AppendSecondsGridColumns(prefix, ".hl", half_lives_, out);
  }
  void ResetState() {
    sums_.Reset();
    prev_mid_ = 0;
  }
  void Step(const FieldEvent& ev, const Book& book, bool) {
    sums_.AdvanceTo(ev.ts_ns);
    if ((ev.field == Field::kBid || ev.field == Field::kAsk) && book.ask() > book.bid() &&
        book.bid() > 0) {
      const double mid = 0.5 * (book.ask() + book.bid());
      if (prev_mid_ > 0 && mid != prev_mid_) sums_.Add(std::log(mid / prev_mid_));
      prev_mid_ = mid;
    }
  }
  void WriteValues(double* out) const { std::copy(sums_.sums().begin(), sums_.sums().end(), out); }
  std::unique_ptr<Indicator> Clone() const override {
    return std::make_unique<EmaReturnIndicator>(half_lives_);
  }

 private:
  const std::vector<double> half_lives_;
  DecayedSums sums_;
  double prev_mid_ = 0;
};

}  // namespace

Result<std::unique_ptr<Indicator>> MakeEmaReturnIndicator(IndicatorParams* params) {
  std::vector<double> hl;
  TICKLAB_RETURN_IF_ERROR(
      params->PositiveGrid("half_lives", "half_life_grid", {1, 10, 60, 300}, &hl));
  return std::unique_ptr<Indicator>(new EmaReturnIndicator(std::move(hl)));
}

}  // namespace ticklab
