// Kind "spread": instantaneous top-of-book shape. No parameters.
//
// Columns (0 while the quote is not valid, i.e. unless ask > bid > 0 and both sizes > 0):
//   <prefix>.abs        ask - bid
//   <prefix>.bps        1e4 * (ask - bid) / mid, mid = 0.5 * (ask + bid)
//   <prefix>.imbalance  (bid_size - ask_size) / (bid_size + ask_size)
//   <prefix>.micro_dev  microprice - mid, microprice = (bid * ask_size + ask * bid_size) /
//                       (bid_size + ask_size)
#include "services/indicators/indicator_registry.h"

namespace ticklab {
namespace {

class SpreadIndicator final : public EventIndicator<SpreadIndicator> {
 public:
  int num_columns() const override { return 4; }
  void AppendColumnNames(const std::string& prefix, std::vector<std::string>* out) const override {
    for (const char* n : {".abs", ".bps", ".imbalance", ".micro_dev"}) out->push_back(prefix + n);
  }
  void ResetState() {}
  void Step(const FieldEvent&, const Book&, bool) {}  // reads the book kept by EventIndicator
  void WriteValues(double* out) const {
    const Book& b = book_;
    if (!(b.ask() > b.bid() && b.bid() > 0 && b.bid_size() > 0 && b.ask_size() > 0)) {
      out[0] = out[1] = out[2] = out[3] = 0;
      return;
    }
    const double mid = 0.5 * (b.ask() + b.bid());
    const double depth = b.bid_size() + b.ask_size();
    out[0] = b.ask() - b.bid();
    out[1] = 1e4 * (b.ask() - b.bid()) / mid;
    out[2] = (b.bid_size() - b.ask_size()) / depth;
    out[3] = (b.bid() * b.ask_size() + b.ask() * b.bid_size()) / depth - mid;
  }
  std::unique_ptr<Indicator> Clone() const override { return std::make_unique<SpreadIndicator>(); }
};

}  // namespace

Result<std::unique_ptr<Indicator>> MakeSpreadIndicator(IndicatorParams* params) {
  return std::unique_ptr<Indicator>(new SpreadIndicator());
}

}  // namespace ticklab
