#include "services/stats/tick_stats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

namespace ticklab::stats {
namespace {

constexpr int64_t kSec = 1000000000;

Tick MakeTick(int64_t ts, double bid, double ask, double last, double last_size,
              std::vector<Field> events) {
  Tick t{};
  t.ts_ns = ts;
  t.bid_price = bid;
  t.ask_price = ask;
  t.bid_size = t.ask_size = 100;
  t.trade_price = last;
  t.trade_size = last_size;
  for (size_t i = 0; i < events.size(); ++i) {
    t.events |= static_cast<uint32_t>(events[i]) << (4 * i);
  }
  return t;
}

TEST(TickStats, SessionCountsVwapSpreadsAndVolatility) {
  const int64_t open = 1000 * kSec, close = open + 600 * kSec;
  std::vector<Tick> ticks = {
      MakeTick(open - 5 * kSec, 9.98, 10.02, 0, 0, {Field::kBid, Field::kAsk}),  // pre-open book
      MakeTick(open + 100 * kSec, 9.99, 10.01, 10.0, 200,
               {Field::kBid, Field::kLast, Field::kLastSize}),
      MakeTick(open + 400 * kSec, 10.09, 10.11, 10.1, 100,
               {Field::kAsk, Field::kBid, Field::kLast}),
      MakeTick(close, 10.5, 10.6, 10.5, 1000, {Field::kLast}),  // at close: excluded
  };
  TickDayStats s = ComputeTickStats(ticks.data(), ticks.size(), open, close);
  EXPECT_EQ(s.ticks, 2);
  EXPECT_EQ(s.trades, 2);
  EXPECT_DOUBLE_EQ(s.volume, 300);
  EXPECT_NEAR(s.vwap, (10.0 * 200 + 10.1 * 100) / 300, 1e-12);
  EXPECT_NEAR(s.mean_spread, 0.02, 1e-12);
  // 0.04 for 100 s (pre-open book), 0.02 for 300 s, 0.02 for 200 s.
  EXPECT_NEAR(s.tw_spread, (0.04 * 100 + 0.02 * 500) / 600, 1e-12);
  // Mid path 10.0 (pre-open) -> 10.0 -> 10.1: one change.
  EXPECT_NEAR(s.rv_mid, std::abs(std::log(10.1 / 10.0)), 1e-12);
  // Grid: open (10.0), +300 s (10.0), +600 s (10.1).
  EXPECT_NEAR(s.rv_mid_5min, std::abs(std::log(10.1 / 10.0)), 1e-12);
}

TEST(TickStats, EmptySessionGivesNaNPrices) {
  TickDayStats s = ComputeTickStats(nullptr, 0, 0, kSec);
  EXPECT_EQ(s.ticks, 0);
  EXPECT_TRUE(std::isnan(s.vwap));
  EXPECT_TRUE(std::isnan(s.mean_spread));
  EXPECT_EQ(s.rv_mid, 0);
}

TEST(TickStats, StreamedInPiecesGivesTheSameBits) {
  const int64_t open = 1000 * kSec, close = open + 3600 * kSec;
  std::vector<Tick> ticks;
  for (int i = 0; i < 500; ++i) {  // from before the open to after the close
    const double mid = 10 + 0.01 * ((i * 7) % 13);
    ticks.push_back(MakeTick(open + (i - 20) * 8 * kSec, mid - 0.01 * (1 + i % 3), mid + 0.01, mid,
                             100 + i, {i % 2 ? Field::kLast : Field::kBid}));
  }
  const TickDayStats whole = ComputeTickStats(ticks.data(), ticks.size(), open, close);
  for (size_t piece : {1, 7, 19, 64}) {
    TickStatsAccumulator acc(open, close);
    for (size_t i = 0; i < ticks.size(); i += piece) {
      acc.Add(ticks.data() + i, std::min(piece, ticks.size() - i));
    }
    const TickDayStats s = acc.Finish();
    EXPECT_EQ(s.ticks, whole.ticks);
    EXPECT_EQ(s.trades, whole.trades);
    for (auto [a, b] : {std::pair{s.volume, whole.volume},
                        {s.vwap, whole.vwap},
                        {s.mean_spread, whole.mean_spread},
                        {s.tw_spread, whole.tw_spread},
                        {s.rv_mid, whole.rv_mid},
                        {s.rv_mid_5min, whole.rv_mid_5min}}) {
      EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0) << "piece " << piece;
    }
  }
}

TEST(TickStats, AllTicksBeforeTheOpenKeepTheirBookForTheSession) {
  const int64_t open = 1000 * kSec, close = open + 600 * kSec;
  std::vector<Tick> ticks = {MakeTick(open - 5 * kSec, 9.98, 10.02, 0, 0, {Field::kBid})};
  const TickDayStats whole = ComputeTickStats(ticks.data(), ticks.size(), open, close);
  EXPECT_EQ(whole.ticks, 0);
  EXPECT_NEAR(whole.tw_spread, 0.04, 1e-12);
}

}  // namespace
}  // namespace ticklab::stats
