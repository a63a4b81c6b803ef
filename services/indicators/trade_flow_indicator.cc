// Kind "trade_flow": signed traded volume, time-decayed over half-lives (the C++ port of the
// research indicator ticklab.research.trade_flow, docs/research.md).
//
// Parameters: half_lives = [seconds, ...] or half_life_grid = [min, max, n] (default [1, 10, 60]).
// Columns: "<prefix>.hl<half_life>s". On each LAST_SIZE event with a valid quote (ask > bid > 0)
// the trade's side is +1 if the last trade price is above the mid (ask + bid) / 2, -1 below, and
// side * size is added to sums decayed in wall-clock time (DecayedSums); trades at the mid add
// nothing. Rows read the sums decayed to the row's time.
#include "services/indicators/decayed_sums.h"
#include "services/indicators/indicator_registry.h"

namespace ticklab {
namespace {

class TradeFlowIndicator final : public EventIndicator<TradeFlowIndicator> {
 public:
  explicit TradeFlowIndicator(std::vector<double> half_lives)
      : half_lives_(std::move(half_lives)), sums_(half_lives_) {}

  int num_columns() const override { return static_cast<int>(half_lives_.size()); }
  void AppendColumnNames(const std::string& prefix, std::vector<std::string>* out) const override {
    AppendSecondsGridColumns(prefix, ".hl", half_lives_, out);
  }
  void ResetState() { sums_.Reset(); }
  void Step(const FieldEvent& ev, const Book& book, bool) {
    sums_.AdvanceTo(ev.ts_ns);
    if (ev.field != Field::kLastSize || !(book.ask() > book.bid() && book.bid() > 0)) return;
    const double mid = 0.5 * (book.bid() + book.ask());
    const double side = book.last() > mid ? 1.0 : book.last() < mid ? -1.0 : 0.0;
    if (side != 0) sums_.Add(side * ev.value);
  }
  void WriteValues(double* out) const { std::copy(sums_.sums().begin(), sums_.sums().end(), out); }
  std::unique_ptr<Indicator> Clone() const override {
    return std::make_unique<TradeFlowIndicator>(half_lives_);
  }

 private:
  const std::vector<double> half_lives_;
  DecayedSums sums_;
};

}  // namespace

Result<std::unique_ptr<Indicator>> MakeTradeFlowIndicator(IndicatorParams* params) {
  std::vector<double> hl;
  TICKLAB_RETURN_IF_ERROR(params->PositiveGrid("half_lives", "half_life_grid", {1, 10, 60}, &hl));
  return std::unique_ptr<Indicator>(new TradeFlowIndicator(std::move(hl)));
}

}  // namespace ticklab
