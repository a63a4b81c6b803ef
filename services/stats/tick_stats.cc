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

TickStatsAccumulator::TickStatsAccumulator(int64_t open_ns, int64_t close_ns)
    : open_ns_(open_ns), close_ns_(close_ns) {}

// Closes the interval [prev_time, t) under the prevailing book and crosses any grid points in it.
void TickStatsAccumulator::AdvanceTo(int64_t t) {
  const bool valid = has_book_ && ValidQuote(book_);
  while (next_grid_ <= t && next_grid_ <= close_ns_) {
    const double m = valid ? Mid(book_) : kNaN;
    if (std::isfinite(m) && std::isfinite(grid_mid_)) {
      const double r = std::log(m / grid_mid_);
      rv5_ += r * r;
    }
    if (std::isfinite(m)) grid_mid_ = m;
    next_grid_ += kGridNs;
  }
  if (valid && t > prev_time_) {
    const double dt = static_cast<double>(t - prev_time_);
    tw_sum_ += (book_.ask_price - book_.bid_price) * dt;
    tw_time_ += dt;
  }
  prev_time_ = t;
}

void TickStatsAccumulator::Add(const Tick* ticks, size_t n) {
  constexpr uint32_t kTradeBits = (1u << (static_cast<int>(Field::kLast) - 1)) |
                                  (1u << (static_cast<int>(Field::kLastSize) - 1));
  size_t i = 0;
  if (!started_) {
    for (; i < n && ticks[i].ts_ns < open_ns_; ++i) {
      book_ = ticks[i];
      has_book_ = true;
    }
    if (i == n) return;  // still before the open
    started_ = true;
    last_mid_ = (has_book_ && ValidQuote(book_)) ? Mid(book_) : kNaN;
    grid_mid_ = last_mid_;  // mid at the previous grid point
    next_grid_ = open_ns_ + kGridNs;
    prev_time_ = open_ns_;
  }
  for (; i < n && ticks[i].ts_ns < close_ns_; ++i) {
    const Tick& t = ticks[i];
    AdvanceTo(t.ts_ns);
    book_ = t;
    has_book_ = true;
    ++s_.ticks;
    if (t.field_mask() & kTradeBits) {
      ++s_.trades;
      s_.volume += t.trade_size;
      notional_ += t.trade_price * t.trade_size;
    }
    if (ValidQuote(t)) {
      spread_sum_ += t.ask_price - t.bid_price;
      ++spread_n_;
      const double m = Mid(t);
      if (std::isfinite(last_mid_) && m != last_mid_) {
        const double r = std::log(m / last_mid_);
        rv_ += r * r;
      }
      last_mid_ = m;
    }
  }
  // Ticks at or after the close change nothing.
}

TickDayStats TickStatsAccumulator::Finish() {
  if (!started_) {  // every tick before the open (or none): the session starts at close
    started_ = true;
    last_mid_ = (has_book_ && ValidQuote(book_)) ? Mid(book_) : kNaN;
    grid_mid_ = last_mid_;
    next_grid_ = open_ns_ + kGridNs;
    prev_time_ = open_ns_;
  }
  AdvanceTo(close_ns_);
  TickDayStats s = s_;
  s.vwap = s.volume > 0 ? notional_ / s.volume : kNaN;
  s.mean_spread = spread_n_ > 0 ? spread_sum_ / static_cast<double>(spread_n_) : kNaN;
  s.tw_spread = tw_time_ > 0 ? tw_sum_ / tw_time_ : kNaN;
  s.rv_mid = std::sqrt(rv_);
  s.rv_mid_5min = std::sqrt(rv5_);
  return s;
}

TickDayStats ComputeTickStats(const Tick* ticks, size_t n, int64_t open_ns, int64_t close_ns) {
  TickStatsAccumulator acc(open_ns, close_ns);
  acc.Add(ticks, n);
  return acc.Finish();
}

}  // namespace ticklab::stats
