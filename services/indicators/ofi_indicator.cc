// Kind "ofi": order flow imbalance (Cont, Kukanov & Stoikov 2014), time-decayed over half-lives.
//
// Parameters: half_lives = [seconds, ...] or half_life_grid = [min, max, n] (default [1, 10, 60]).
// Columns: "<prefix>.hl<half_life>s". At the end of every Tick (one book update) the imbalance of
// the top of book against the previous tick's is, with b/B bid price before/after, q/Q its size,
// and a/A, p/P the ask's:
//   e = [B >= b] Q - [B <= b] q - [A <= a] P + [A >= a] p,
// each side counted only when its price is > 0 before and after. e is added to sums decayed to the
// tick's time (DecayedSums). Rows inside a tick see the sums as of the previous tick end.
#include <algorithm>

#include "services/indicators/decayed_sums.h"
#include "services/indicators/indicator_registry.h"

namespace ticklab {
namespace {

class OfiIndicator final : public EventIndicator<OfiIndicator> {
 public:
  explicit OfiIndicator(std::vector<double> half_lives)
      : half_lives_(std::move(half_lives)), sums_(half_lives_) {}

  int num_columns() const override { return static_cast<int>(half_lives_.size()); }
  void AppendColumnNames(const std::string& prefix, std::vector<std::string>* out) const override {
    AppendSecondsGridColumns(prefix, ".hl", half_lives_, out);
  }
  void ResetState() {
    sums_.Reset();
    prev_ = Book();
  }
  void Step(const FieldEvent& ev, const Book& book, bool tick_end) {
    if (!tick_end) return;
    sums_.AdvanceTo(ev.ts_ns);
    double e = 0;
    if (prev_.bid() > 0 && book.bid() > 0) {
      if (book.bid() >= prev_.bid()) e += book.bid_size();
      if (book.bid() <= prev_.bid()) e -= prev_.bid_size();
    }
    if (prev_.ask() > 0 && book.ask() > 0) {
      if (book.ask() <= prev_.ask()) e -= book.ask_size();
      if (book.ask() >= prev_.ask()) e += prev_.ask_size();
    }
    if (e != 0) sums_.Add(e);
    prev_ = book;
  }
  void WriteValues(double* out) const { std::copy(sums_.sums().begin(), sums_.sums().end(), out); }
  std::unique_ptr<Indicator> Clone() const override {
    return std::make_unique<OfiIndicator>(half_lives_);
  }

 private:
  const std::vector<double> half_lives_;
  DecayedSums sums_;
  Book prev_;
};

}  // namespace

Result<std::unique_ptr<Indicator>> MakeOfiIndicator(IndicatorParams* params) {
  std::vector<double> hl;
  TICKLAB_RETURN_IF_ERROR(params->PositiveGrid("half_lives", "half_life_grid", {1, 10, 60}, &hl));
  return std::unique_ptr<Indicator>(new OfiIndicator(std::move(hl)));
}

}  // namespace ticklab
