#include "services/stats/tick_stats.h"

#include <cmath>
#include <limits>

namespace ticklab::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int64_t kGridNs = 300LL * 1000000000LL;

bool ValidQuote(const Tick& t) { return t.ask_price > t.bid_price && t.bid_price > 0; }
double Mid(const Tick& t) { return 0.5 * (t.bid_price + t.ask_price); }

}  // namespace

TickDayStats ComputeTickStats(const Tick* ticks, size_t n, int64_t open_ns, int64_t close_ns) {
  TickDayStats s;
  const uint32_t trade_bits = (1u << (static_cast<int>(Field::kLast) - 1)) |
                              (1u << (static_cast<int>(Field::kLastSize) - 1));
  size_t i = 0;
  const Tick* book = nullptr;  // the tick whose book prevails
  for (; i < n && ticks[i].ts_ns < open_ns; ++i) book = &ticks[i];

  double notional = 0, spread_sum = 0, tw_sum = 0, tw_time = 0, rv = 0, rv5 = 0;
  int64_t spread_n = 0;
  double last_mid = (book && ValidQuote(*book)) ? Mid(*book) : kNaN;
  double grid_mid = last_mid;  // mid at the previous grid point
  int64_t next_grid = open_ns + kGridNs;
  int64_t prev_time = open_ns;

  auto advance_to = [&](int64_t t) {
    // Close the interval [prev_time, t) under `book` and cross any grid points in it.
    while (next_grid <= t && next_grid <= close_ns) {
      const double m = (book && ValidQuote(*book)) ? Mid(*book) : kNaN;
      if (std::isfinite(m) && std::isfinite(grid_mid)) {
        const double r = std::log(m / grid_mid);
        rv5 += r * r;
      }
      if (std::isfinite(m)) grid_mid = m;
      next_grid += kGridNs;
    }
    if (book && ValidQuote(*book) && t > prev_time) {
      const double dt = static_cast<double>(t - prev_time);
      tw_sum += (book->ask_price - book->bid_price) * dt;
      tw_time += dt;
    }
    prev_time = t;
  };

  for (; i < n && ticks[i].ts_ns < close_ns; ++i) {
    const Tick& t = ticks[i];
    advance_to(t.ts_ns);
    book = &t;
    ++s.ticks;
    if (t.field_mask() & trade_bits) {
      ++s.trades;
      s.volume += t.trade_size;
      notional += t.trade_price * t.trade_size;
    }
    if (ValidQuote(t)) {
      spread_sum += t.ask_price - t.bid_price;
      ++spread_n;
      const double m = Mid(t);
      if (std::isfinite(last_mid) && m != last_mid) {
        const double r = std::log(m / last_mid);
        rv += r * r;
      }
      last_mid = m;
    }
  }
  advance_to(close_ns);
  s.vwap = s.volume > 0 ? notional / s.volume : kNaN;
  s.mean_spread = spread_n > 0 ? spread_sum / static_cast<double>(spread_n) : kNaN;
  s.tw_spread = tw_time > 0 ? tw_sum / tw_time : kNaN;
  s.rv_mid = std::sqrt(rv);
  s.rv_mid_5min = std::sqrt(rv5);
  return s;
}

}  // namespace ticklab::stats
