// Kind "seed": the user's reference `Indicator` (spec/seed-design.md), ported event for event.
//
// Parameters: lt_cont (number, default 8), taus (list of numbers in [0, 1], default
// [0, exp(-1/1), exp(-1/3), ..., exp(-1/729)]). Columns: 10 inputs x len(taus), input-major like
// np.tile/np.repeat in the reference: "<prefix>.<input>.tau<j>" with inputs dprice, dquote, iprice,
// side, dqsize, qsize, dqltsize, qltsize, vtc, isize (U[0..9] of the reference).
//
// Semantics kept exactly (gaps of the reference resolved as spec/README.md says):
//  - State updates on every event where isValidQuote and isValidSize and hasTrade hold, whatever
//    the time; OnEvent() then returns true and the set decides if the instant is a row (session
//    hours come from config, rows go to the feature store: `output`, `open_time`, `close_time` and
//    `X_file` of the reference).
//  - quoteSize/quoteLTSize are set before being read in the update block; lastPrice is set on the
//    first LAST (to that LAST's value); lastQuote is "None" until the first update (a flag here);
//    tradeSide stays 0 until a LAST arrives with a valid quote; iSize uses the tradeSide current at
//    the LAST_SIZE event.
//  - Floating point follows numpy's element-wise order: X[k] += (1 - Z[k]) * U[i] then X[k] *=
//  Z[k],
//    with (1 - Z) rounded on its own, atan from libm. The multiply by Z is deferred to the next
//    update (identical operations, one pass), so values_ always holds the reference's row X.
#include <algorithm>
#include <cmath>

#include "services/indicators/indicator_registry.h"

namespace ticklab {
namespace {

constexpr int kInputs = 10;
constexpr int kBid = 0, kBidSize = 1, kAsk = 2, kAskSize = 3, kLast = 4, kLastSize = 5;
constexpr double kVtcSign[kNumFields] = {1, 1, 1, -1, 0, 0};
const char* const kInputNames[kInputs] = {"dprice", "dquote",   "iprice",  "side", "dqsize",
                                          "qsize",  "dqltsize", "qltsize", "vtc",  "isize"};

class SeedIndicator final : public Indicator {
 public:
  SeedIndicator(double lt_cont, std::vector<double> taus) : lt_cont_(lt_cont), z_(std::move(taus)) {
    for (double z : z_) one_minus_z_.push_back(1 - z);
    values_.assign(kInputs * z_.size(), 0.0);
  }

  int num_columns() const override { return static_cast<int>(values_.size()); }

  void AppendColumnNames(const std::string& prefix, std::vector<std::string>* out) const override {
    for (int i = 0; i < kInputs; ++i) {
      for (size_t j = 0; j < z_.size(); ++j) {
        out->push_back(prefix + "." + kInputNames[i] + ".tau" + std::to_string(j));
      }
    }
  }

  void Reset() override {
    std::fill(values_.begin(), values_.end(), 0.0);
    std::fill(std::begin(s_), std::end(s_), 0.0);
    virtual_trade_count_ = trade_side_ = i_size_ = last_price_ = 0;
    have_last_quote_ = has_trade_ = false;
    last_quote_ = last_quote_size_ = last_quote_lt_size_ = 0;
  }

  bool OnEvent(const FieldEvent& ev, const Book&, bool) override {
    const unsigned i = static_cast<unsigned>(ev.field) - 1;  // index into s_
    if (i >= static_cast<unsigned>(kNumFields)) return false;
    const double val = ev.value;
    const double old = s_[i];
    // virtualTradeCount: +1 when the bid, bid size or ask rises, -1 when it falls, reversed for the
    // ask size; only when the previous value was > 0 (adding 0.0 otherwise changes nothing).
    const double step = static_cast<double>((val > old) - (val < old)) * kVtcSign[i];
    virtual_trade_count_ += old > 0 ? step : 0.0;
    s_[i] = val;
    // isValidQuote, isValidSize and quote as the reference leaves them: it recomputes each from the
    // current book on every event that can change it, so they are always these functions of it.
    const bool valid_quote = s_[kAsk] > s_[kBid] && s_[kBid] > 0;
    const bool valid_size = s_[kBidSize] > 0 && s_[kAskSize] > 0;
    const double quote = 0.5 * (s_[kAsk] + s_[kBid]);
    // LAST: lastPrice (the first LAST sets it to its own value), hasTrade, tradeSide when the quote
    // is valid. LAST_SIZE: iSize with the current tradeSide. Written as selects (no branches).
    const bool is_last = i == kLast, is_last_size = i == kLastSize;
    last_price_ = is_last ? (old > 0 ? old : val) : last_price_;
    has_trade_ = has_trade_ || is_last;
    trade_side_ = is_last && valid_quote ? (val > quote ? 1.0 : -1.0) : trade_side_;
    i_size_ = is_last_size ? val * trade_side_ : i_size_;
    if (!(valid_quote && valid_size && has_trade_)) return false;
    Update(quote);
    return true;
  }

  void Write(double* out) const override { std::copy(values_.begin(), values_.end(), out); }

  std::unique_ptr<Indicator> Clone() const override {
    return std::make_unique<SeedIndicator>(lt_cont_, z_);
  }

 private:
  void Update(double quote) {
    const double price = s_[kLast];
    const double skew = (s_[kBidSize] - s_[kAskSize]) / (s_[kBidSize] + s_[kAskSize]);
    const double quote_size = std::atan(skew);
    const double quote_lt_size = std::atan(lt_cont_ * skew);
    const double iprice = price - quote;
    if (!have_last_quote_) {
      last_quote_ = quote;
      have_last_quote_ = true;
    }
    const double u[kInputs] = {price - last_price_,
                               quote - last_quote_,
                               iprice,
                               trade_side_,
                               quote_size - last_quote_size_,
                               quote_size,
                               quote_lt_size - last_quote_lt_size_,
                               quote_lt_size,
                               virtual_trade_count_,
                               i_size_};
    const size_t nt = z_.size();
    double* x = values_.data();
    for (int i = 0; i < kInputs; ++i, x += nt) {
      const double ui = u[i];
      for (size_t j = 0; j < nt; ++j) x[j] = x[j] * z_[j] + one_minus_z_[j] * ui;
    }
    last_quote_ = quote;
    last_quote_size_ = quote_size;
    last_quote_lt_size_ = quote_lt_size;
    virtual_trade_count_ = 0;
    has_trade_ = false;
  }

  const double lt_cont_;
  const std::vector<double> z_;
  std::vector<double> one_minus_z_;
  std::vector<double> values_;  // the reference's X at its last row (before X *= Z)

  // bidPrice, bidSize, askPrice, askSize, price, tradeSize of the reference (Field code - 1).
  double s_[kNumFields] = {};
  double virtual_trade_count_ = 0, trade_side_ = 0, i_size_ = 0, last_price_ = 0;
  bool have_last_quote_ = false;  // lastQuote is not None
  bool has_trade_ = false;
  double last_quote_ = 0, last_quote_size_ = 0, last_quote_lt_size_ = 0;
};

}  // namespace

std::vector<double> DefaultSeedTaus() {
  std::vector<double> taus = {0.0};
  for (double d : {1.0, 3.0, 9.0, 27.0, 81.0, 243.0, 729.0}) taus.push_back(std::exp(-1.0 / d));
  return taus;
}

Result<std::unique_ptr<Indicator>> MakeSeedIndicator(IndicatorParams* params) {
  double lt_cont;
  std::vector<double> taus;
  TICKLAB_RETURN_IF_ERROR(params->Number("lt_cont", 8.0, &lt_cont));
  TICKLAB_RETURN_IF_ERROR(params->NumberList("taus", DefaultSeedTaus(), &taus));
  for (size_t i = 0; i < taus.size(); ++i) {
    if (!(taus[i] >= 0 && taus[i] <= 1)) {
      return params->Error("taus", "item " + std::to_string(i) + ": expected a number in [0, 1]");
    }
  }
  return std::unique_ptr<Indicator>(new SeedIndicator(lt_cont, std::move(taus)));
}

}  // namespace ticklab
