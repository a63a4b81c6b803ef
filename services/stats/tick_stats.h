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
//
// TickStatsAccumulator takes the day's ticks in any number of Add() calls (the fused raw -> stats
// path streams them as they are decoded); ComputeTickStats() is one Add() of the whole day. The
// result does not depend on the split: the same bits either way.
// Thread-safety: ComputeTickStats is a pure function; an accumulator is used by one thread.
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

class TickStatsAccumulator {
 public:
  // Precondition: open_ns < close_ns.
  TickStatsAccumulator(int64_t open_ns, int64_t close_ns);
  // Precondition: ticks sorted by ts_ns, after every tick added before.
  void Add(const Tick* ticks, size_t n);
  // Closes the day at close_ns; call once.
  TickDayStats Finish();

 private:
  void AdvanceTo(int64_t t);

  int64_t open_ns_, close_ns_;
  bool started_ = false;  // the first in-session (or later) tick was seen
  bool has_book_ = false;
  Tick book_{};  // the tick whose book prevails
  TickDayStats s_;
  double notional_ = 0, spread_sum_ = 0, tw_sum_ = 0, tw_time_ = 0, rv_ = 0, rv5_ = 0;
  int64_t spread_n_ = 0;
  double last_mid_ = 0, grid_mid_ = 0;
  int64_t next_grid_ = 0, prev_time_ = 0;
};

// Precondition: ticks sorted by ts_ns; open_ns < close_ns.
TickDayStats ComputeTickStats(const Tick* ticks, size_t n, int64_t open_ns, int64_t close_ns);

}  // namespace ticklab::stats
