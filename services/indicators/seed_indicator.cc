// Kind "seed": the user's reference `Indicator` (spec/seed-design.md), ported event for event.
//
// Parameters: lt_cont (number, default 8), taus (list of numbers in [0, 1], default
// [0, exp(-1/1), exp(-1/3), ..., exp(-1/729)]). Columns: 10 inputs x len(taus), input-major like
// np.tile/np.repeat in the reference: "<prefix>.<input>.tau<j>" with inputs dprice, dquote, iprice,
// side, dqsize, qsize, dqltsize, qltsize, vtc, isize (U[0..9] of the reference).
//
// Semantics kept exactly (gaps of the reference resolved as spec/README.md says):
//  - The state updates on every event where isValidQuote and isValidSize and hasTrade hold,
//    whatever the time. The first seed of a set decides its rows: an update with
//    open < ts < close (session hours from config) is a row, written to the feature store
//    (`output`, `open_time`, `close_time` and `X_file` of the reference).
//  - quoteSize/quoteLTSize are set before being read in the update block; lastPrice is set on the
//    first LAST (to that LAST's value); lastQuote is "None" until the first update (a flag here);
//    tradeSide stays 0 until a LAST arrives with a valid quote; iSize uses the tradeSide current
//    at the LAST_SIZE event.
//  - isValidQuote (askPrice > bidPrice > 0), isValidSize (both sizes > 0) and quote (the mid) are
//    recomputed by the reference on every event that can change them and read only while valid,
//    so they are evaluated from the current book here; the step is written without branches.
//  - virtualTradeCount only takes integer values, so it is counted in an int64 (exact) and
//    converted when read, like the reference's float.
//  - Floating point follows numpy's element-wise order: X[k] += (1 - Z[k]) * U[i], then
//    X[k] *= Z[k], with (1 - Z) rounded on its own and atan from libm (built with
//    -ffp-contract=off: no fused multiply-add). The multiply by Z is deferred to the next update
//    (the same operations in one pass), so x_ always holds the reference's row X.
//  - atan(skew) and atan(lt_cont * skew) are memoized by the bits of skew (sizes are round lots,
//    so skews repeat): a cache hit returns the very value atan returned before.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "services/indicators/indicator_registry.h"

namespace ticklab {
namespace {

constexpr int kInputs = 10;
constexpr int64_t kVtcSign[kNumFields] = {1, 1, 1, -1, 0, 0};
const char* const kInputNames[kInputs] = {"dprice", "dquote",   "iprice",  "side", "dqsize",
                                          "qsize",  "dqltsize", "qltsize", "vtc",  "isize"};
constexpr size_t kAtanCacheSize = 1024;  // power of two

// out[i * nt + j] = in[i * nt + j] * z[j] + omz[j] * u[i] for the 10 inputs (out may be in):
// element-wise, so the AVX2 clone (picked at run time when the CPU has it) gives the same bits as
// the default one.
__attribute__((target_clones("avx2", "default"))) void DecayAdd(double* out, const double* in,
                                                                const double* z, const double* omz,
                                                                const double* u, size_t nt) {
  for (int i = 0; i < kInputs; ++i, out += nt, in += nt) {
    const double ui = u[i];
    for (size_t j = 0; j < nt; ++j) out[j] = in[j] * z[j] + omz[j] * ui;
  }
}

class SeedIndicator final : public EventIndicator<SeedIndicator> {
 public:
  SeedIndicator(double lt_cont, std::vector<double> taus) : lt_cont_(lt_cont), z_(std::move(taus)) {
    for (double z : z_) one_minus_z_.push_back(1 - z);
    x_.assign(kInputs * z_.size(), 0.0);
    for (AtanEntry& e : atan_cache_) e.skew_bits = ~uint64_t{0};  // a NaN pattern: never a key
  }

  int num_columns() const override { return static_cast<int>(x_.size()); }

  void AppendColumnNames(const std::string& prefix, std::vector<std::string>* out) const override {
    for (int i = 0; i < kInputs; ++i) {
      for (size_t j = 0; j < z_.size(); ++j) {
        out->push_back(prefix + "." + kInputNames[i] + ".tau" + std::to_string(j));
      }
    }
  }

  void ResetState() {
    std::fill(x_.begin(), x_.end(), 0.0);
    st_ = State();
    have_last_quote_ = false;
    last_quote_ = last_quote_size_ = last_quote_lt_size_ = 0;
  }

  // One field event (the reference's next_value); true when the state updated.
  bool Step(const FieldEvent& ev, const Book&, bool) {
    const unsigned code = static_cast<unsigned>(ev.field);
    if (code - 1 >= static_cast<unsigned>(kNumFields)) return false;
    if (!Event(&st_, code, ev.value)) return false;
    Apply(&st_, x_.data(), x_.data());
    return true;
  }

  void WriteValues(double* out) const { std::copy(x_.begin(), x_.end(), out); }

  bool decides_rows() const override { return true; }

  void ProcessDecidingRows(const Tick* ticks, size_t n, int64_t open_ns, int64_t close_ns,
                           std::vector<SamplePoint>* samples, std::vector<double>* rows,
                           size_t stride, size_t offset) override {
    State st = st_;  // a local copy: no aliasing with the outputs, so it lives in registers
    // The latest X: x_, or the previous row's copy of it. A row's X is computed straight into
    // the row from the previous one (no extra copy); x_ catches up at the end.
    const double* prev = x_.data();
    for (size_t t = 0; t < n; ++t) {
      const Tick& tick = ticks[t];
      uint32_t k = 0;
      for (uint32_t e = tick.events; e != 0; ++k) {
        const unsigned code = e & 0xF;
        e >>= 4;
        if (code - 1 >= static_cast<unsigned>(kNumFields)) continue;
        if (!Event(&st, code, TickValue(tick, code))) continue;
        if (!(tick.ts_ns > open_ns && tick.ts_ns < close_ns)) {
          Apply(&st, x_.data(), prev);
          prev = x_.data();
          continue;
        }
        samples->push_back(SamplePoint{static_cast<uint32_t>(t), k});
        const size_t need = samples->size() * stride;
        if (rows->size() < need) {
          if (prev != x_.data()) std::copy(prev, prev + x_.size(), x_.data());
          prev = x_.data();
          rows->resize(std::max(need, 2 * rows->size()));
        }
        double* row = rows->data() + need - stride;
        row[0] = Read(st.b[1]);  // the set's bid and ask columns: latest BID and ASK values
        row[1] = Read(st.b[3]);
        Apply(&st, row + offset, prev);
        prev = row + offset;
      }
    }
    if (prev != x_.data()) std::copy(prev, prev + x_.size(), x_.data());
    st_ = st;
  }

  std::unique_ptr<Indicator> Clone() const override {
    return std::make_unique<SeedIndicator>(lt_cont_, z_);
  }

 private:
  struct AtanEntry {
    uint64_t skew_bits;
    double atan_skew, atan_lt_skew;
  };

  // The reference's scalar state. b[code] is the latest value of Field `code`: bidPrice,
  // bidSize, askPrice, askSize, price, tradeSize for codes 1..6 (b[0] unused). Each value sits
  // in its own 16 bytes so that no read right after `b[code] = val` is wider than that store
  // (which would defeat store-to-load forwarding).
  struct alignas(16) Slot {
    double v = 0;
  };
  struct State {
    Slot b[kNumFields + 1];
    int64_t virtual_trade_count = 0;
    double last_price = 0, trade_side = 0, i_size = 0;
    bool has_trade = false;
  };

  static double Read(const Slot& slot) {
    double v;
    std::memcpy(&v, &slot.v, sizeof(v));
    return v;
  }

  // next_value() for one event of Field `code` (1..6) up to the update test: true when the state
  // must update (isValidQuote and isValidSize and hasTrade); the caller then runs Apply().
  bool Event(State* s, unsigned code, double val) {
    const double old = Read(s->b[code]);
    // virtualTradeCount: +1 when the bid, bid size or ask rises, -1 when it falls, reversed for
    // the ask size; only when the previous value was > 0.
    const int64_t step = ((val > old) - (val < old)) * kVtcSign[code - 1];
    s->virtual_trade_count += old > 0 ? step : 0;
    s->b[code].v = val;
    // A quote event without a pending trade changes nothing else and cannot pass the update test.
    if (code <= 4 && !s->has_trade) return false;
    const double bid = Read(s->b[1]), bid_size = Read(s->b[2]);
    const double ask = Read(s->b[3]), ask_size = Read(s->b[4]);
    const bool valid_quote = ask > bid && bid > 0;
    const bool valid_size = bid_size > 0 && ask_size > 0;
    const double quote = 0.5 * (ask + bid);
    // LAST: lastPrice (the first LAST sets it to its own value), hasTrade, tradeSide when the
    // quote is valid. LAST_SIZE: iSize with the current tradeSide. Selects, not branches.
    const bool is_last = code == 5, is_last_size = code == 6;
    s->last_price = is_last ? (old > 0 ? old : val) : s->last_price;
    s->has_trade = s->has_trade || is_last;
    s->trade_side = is_last && valid_quote ? (val > quote ? 1.0 : -1.0) : s->trade_side;
    s->i_size = is_last_size ? val * s->trade_side : s->i_size;
    return valid_quote && valid_size && s->has_trade;
  }

  // The update block: U from the state, out = X * Z + (1 - Z) * U with X = *in (out may be in).
  void Apply(State* s, double* out, const double* in) {
    const double price = Read(s->b[5]), bid_size = Read(s->b[2]), ask_size = Read(s->b[4]);
    const double quote = 0.5 * (Read(s->b[3]) + Read(s->b[1]));
    const double skew = (bid_size - ask_size) / (bid_size + ask_size);
    uint64_t bits;
    std::memcpy(&bits, &skew, sizeof(bits));
    AtanEntry& a = atan_cache_[(bits * 0x9E3779B97F4A7C15ULL) >> 54 & (kAtanCacheSize - 1)];
    if (a.skew_bits != bits) a = AtanEntry{bits, std::atan(skew), std::atan(lt_cont_ * skew)};
    const double quote_size = a.atan_skew;
    const double quote_lt_size = a.atan_lt_skew;
    if (!have_last_quote_) {
      last_quote_ = quote;
      have_last_quote_ = true;
    }
    const double u[kInputs] = {price - s->last_price,
                               quote - last_quote_,
                               price - quote,
                               s->trade_side,
                               quote_size - last_quote_size_,
                               quote_size,
                               quote_lt_size - last_quote_lt_size_,
                               quote_lt_size,
                               static_cast<double>(s->virtual_trade_count),
                               s->i_size};
    DecayAdd(out, in, z_.data(), one_minus_z_.data(), u, z_.size());
    last_quote_ = quote;
    last_quote_size_ = quote_size;
    last_quote_lt_size_ = quote_lt_size;
    s->virtual_trade_count = 0;
    s->has_trade = false;
  }

  const double lt_cont_;
  const std::vector<double> z_;
  std::vector<double> one_minus_z_;
  std::vector<double> x_;  // the reference's X at its last update (before X *= Z)

  State st_;
  bool have_last_quote_ = false;  // lastQuote is not None
  double last_quote_ = 0, last_quote_size_ = 0, last_quote_lt_size_ = 0;
  AtanEntry atan_cache_[kAtanCacheSize];
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
  return std::unique_ptr<Indicator>(new SeedIndicator(lt_cont, std::move(taus)));
}

}  // namespace ticklab
