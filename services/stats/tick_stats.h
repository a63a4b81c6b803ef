// TickDayStats: per stock-day market statistics from Layer 1 ticks, within the trading session.
//
// Over ticks with open_ns <= ts < close_ns (the book prevailing at the open is taken from the last
// earlier tick, since each Tick carries the full top of book after its events):
//   ticks        ticks in the session
//   trades       ticks with a LAST or LAST_SIZE event;  volume = sum of their trade_size
//   vwap         sum(trade_price * trade_size) / volume  (NaN without volume)
//   mean_spread  mean of ask - bid over in-session ticks with a valid quote (ask > bid > 0)
//   tw_spread    the same, weighted by how long each quote prevailed (until the next tick/close)
//   rv_mid       sqrt(sum of squared log changes of the mid between consecutive valid quotes)
//   rv_mid_5min  the same on the mid sampled every 300 s from the open (last quote at or before)
// Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <cstdint>

#include "services/common/tick.h"

namespace ticklab::stats {

struct TickDayStats {
  int64_t ticks = 0;
  int64_t trades = 0;
  double volume = 0;
  double vwap = 0;
  double mean_spread = 0;
  double tw_spread = 0;
  double rv_mid = 0;
  double rv_mid_5min = 0;
};

// Precondition: ticks sorted by ts_ns; open_ns < close_ns.
TickDayStats ComputeTickStats(const Tick* ticks, size_t n, int64_t open_ns, int64_t close_ns);

}  // namespace ticklab::stats
